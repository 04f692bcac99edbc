package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tickNs is the unit of /proc/stat: USER_HZ, 100 on every Linux architecture Go runs
// on (the kernel's ABI; sysconf(_SC_CLK_TCK) would need cgo).
const tickNs = uint64(time.Second / 100)

func cpuTime() (user, sys uint64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return uint64(ru.Utime.Nano()), uint64(ru.Stime.Nano())
}

// peakRSSKiB reads VmHWM from /proc/self/status.
func peakRSSKiB() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return statusNumber(b, "VmHWM:")
}

// statusNumber reads the number of a /proc/self/status field ("VmHWM:", in kB, or
// "Threads:"). It allocates nothing: the held sampler calls it every 2 ms while it
// measures the heap.
func statusNumber(status []byte, field string) (uint64, bool) {
	for len(status) > 0 {
		line := status
		if i := bytes.IndexByte(status, '\n'); i >= 0 {
			line, status = status[:i], status[i+1:]
		} else {
			status = nil
		}
		if len(line) < len(field) || string(line[:len(field)]) != field {
			continue
		}
		var n uint64
		digits := 0
		for _, b := range bytes.TrimLeft(line[len(field):], " \t") {
			if b < '0' || b > '9' {
				break
			}
			n, digits = n*10+uint64(b-'0'), digits+1
		}
		return n, digits > 0
	}
	return 0, false
}

// hostCPU parses the aggregate cpu line of /proc/stat as the Rust harness does
// (benches/src/machine.rs): busy = user+nice+system+irq+softirq, and steal; also the
// resolution, one tick per CPU.
func hostCPU(stat string) (busy, steal, resolution uint64, ok bool) {
	cpus := uint64(0)
	for _, line := range strings.Split(stat, "\n") {
		if strings.HasPrefix(line, "cpu ") {
			var t []uint64
			for _, f := range strings.Fields(line)[1:] {
				n, err := strconv.ParseUint(f, 10, 64)
				if err != nil {
					return 0, 0, 0, false
				}
				t = append(t, n)
			}
			field := func(i int) uint64 {
				if i < len(t) {
					return t[i]
				}
				return 0
			}
			busy = (field(0) + field(1) + field(2) + field(5) + field(6)) * tickNs
			steal = field(7) * tickNs
			ok = true
		} else if strings.HasPrefix(line, "cpu") {
			cpus++
		}
	}
	if cpus == 0 {
		cpus = 1
	}
	return busy, steal, cpus * tickNs, ok
}

func readHost() (busy, steal, resolution uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	return hostCPU(string(b))
}

// measure times f: wall, this process's CPU time, and the host's busy and steal time.
func measure(f func()) Measured {
	hb, hs, _, hok := readHost()
	u0, s0 := cpuTime()
	t := time.Now()
	f()
	wall := time.Since(t)
	u1, s1 := cpuTime()
	he, hse, res, eok := readHost()
	m := Measured{WallNs: uint64(wall.Nanoseconds()), CPUUserNs: sub(u1, u0), CPUSysNs: sub(s1, s0)}
	if hok && eok {
		m.HostKnown = true
		m.HostBusyNs, m.StealNs, m.StatResolutionNs = sub(he, hb), sub(hse, hs), res
	}
	return m
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}
