package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// runHeld runs one repetition of held-sleep or held-conn (Rust:
// benches/src/workloads/held.rs): job.N tasks all wait until one deadline, job.HoldNs
// after the first submission, while a sampler reads what the process holds. held-conn
// first lowers the fd soft limit to job.FdLimit; each task connects, holds the
// connection until the deadline, then asks for job.Path. A connect that finds no fd is
// counted, not retried; any other error fails the cell.
func runHeld(job Job, c *int) Outcome {
	conn := job.Kind == "held-conn"
	if conn {
		restore, err := lowerFdLimit(job.FdLimit)
		if err != nil {
			return Outcome{Status: "failed", Error: fmt.Sprintf("setup: fd limit: %v", err)}
		}
		defer restore()
	}
	var pending gauge
	s, err := startSampler(&pending)
	if err != nil {
		return Outcome{Status: "failed", Error: fmt.Sprintf("setup: %v", err)}
	}
	var ok, fdErrors uint64
	var errs ioErrors
	measured := measure(func() {
		deadline := time.Now().Add(time.Duration(job.HoldNs))
		task := func() {
			if !conn {
				time.Sleep(time.Until(deadline))
				atomic.AddUint64(&ok, 1)
				return
			}
			cn, err := net.DialTimeout("tcp", job.Addr, clientTimeout)
			if err != nil {
				if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
					atomic.AddUint64(&fdErrors, 1)
				} else {
					errs.record(fmt.Errorf("connect: %w", err))
				}
				return
			}
			time.Sleep(time.Until(deadline))
			r, err := httpExchange(cn, job.Addr, job.Path)
			switch {
			case err != nil:
				errs.record(err)
			case r.Status != 200 || !isPattern(r.Body, job.Len):
				errs.record(fmt.Errorf("bad response (status %d, %d bytes)", r.Status, len(r.Body)))
			default:
				atomic.AddUint64(&ok, 1)
			}
		}
		spawnHeld(c, job.N, &pending, task)
	})
	peaks := s.finish()
	if o, bad := errs.failed(); bad {
		return o
	}
	o := check("ok+fd_errors+refused", job.N, ok+fdErrors)
	if o.Status != "ok" {
		return o
	}
	o.Witness = fmt.Sprintf("ok=%d fd_errors=%d refused=0", ok, fdErrors)
	var fdErr *uint64
	if conn {
		fdErr = &fdErrors
	}
	o.Jobs, o.Measured = job.N, measured
	o.Extra = peaks.fields(atomic.LoadUint64(&pending.peak), fdErr)
	return o
}

// spawnHeld runs n tasks as runFlat does, counting each as pending from the moment it
// is handed over until it ends (Rust: held.rs's Waiting): in the pool when a worker
// takes it from the channel (the post's channel is unbuffered, so nothing is queued:
// the producer holds the rest back), with a goroutine per task from its go statement,
// when the goroutine and its stack exist.
func spawnHeld(c *int, n uint64, pending *gauge, task func()) {
	if c != nil {
		runPool(*c, n, func(uint64) {
			pending.enter()
			defer pending.leave()
			task()
		})
		return
	}
	var wg sync.WaitGroup
	for i := uint64(0); i < n; i++ {
		pending.enter()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pending.leave()
			task()
		}()
	}
	wg.Wait()
}

// gauge counts tasks pending now and the most at once.
type gauge struct{ now, peak uint64 }

func (g *gauge) enter() {
	n := atomic.AddUint64(&g.now, 1)
	for {
		p := atomic.LoadUint64(&g.peak)
		if n <= p || atomic.CompareAndSwapUint64(&g.peak, p, n) {
			return
		}
	}
}

func (g *gauge) leave() { atomic.AddUint64(&g.now, ^uint64(0)) }

// lowerFdLimit sets the fd soft limit (RLIMIT_NOFILE) to soft, never above the hard
// limit, for one repetition (Rust: FdLimit); restore puts the old limits back. Go 1.19
// raised the soft limit to the hard one at start, so it is always set here.
func lowerFdLimit(soft uint64) (restore func(), err error) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		return nil, err
	}
	lim := syscall.Rlimit{Cur: soft, Max: old.Max}
	if lim.Cur > old.Max {
		lim.Cur = old.Max
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil, err
	}
	return func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) }, nil
}

// sampleEvery is how often the sampler reads the process, as the Rust Sampler does
// (benches/src/workloads/footprint.rs).
const sampleEvery = 2 * time.Millisecond

// footprint is what /proc/self/status says, as the Rust Footprint reads it: resident
// (VmRSS) and mapped (VmSize) KiB, and OS threads (Threads).
type footprint struct{ rssKiB, vmKiB, threads uint64 }

func parseFootprint(status []byte) (f footprint, ok bool) {
	var okR, okV, okT bool
	f.rssKiB, okR = statusNumber(status, "VmRSS:")
	f.vmKiB, okV = statusNumber(status, "VmSize:")
	f.threads, okT = statusNumber(status, "Threads:")
	return f, okR && okV && okT
}

func (f footprint) max(g footprint) footprint {
	m := func(a, b uint64) uint64 {
		if a > b {
			return a
		}
		return b
	}
	return footprint{m(f.rssKiB, g.rssKiB), m(f.vmKiB, g.vmKiB), m(f.threads, g.threads)}
}

// procReader keeps /proc/self/status and /proc/self/fd open, as the Rust StatusReader
// does, so that they can still be read when the tasks hold every fd under the limit,
// and reads them into a buffer of its own: a sample allocates nothing, which would
// otherwise pile up as garbage in the heap figure between collections.
type procReader struct {
	status, fdDir int
	buf           []byte
}

func openProc() (*procReader, error) {
	status, err := syscall.Open("/proc/self/status", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("/proc/self/status: %w", err)
	}
	fdDir, err := syscall.Open("/proc/self/fd", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		_ = syscall.Close(status)
		return nil, fmt.Errorf("/proc/self/fd: %w", err)
	}
	return &procReader{status: status, fdDir: fdDir, buf: make([]byte, 32<<10)}, nil
}

func (p *procReader) close() {
	_ = syscall.Close(p.status)
	_ = syscall.Close(p.fdDir)
}

// footprint reads the status file afresh (a read at offset 0 starts it over).
func (p *procReader) footprint() (footprint, bool) {
	n, err := syscall.Pread(p.status, p.buf, 0)
	if err != nil {
		return footprint{}, false
	}
	return parseFootprint(p.buf[:n])
}

// openFds counts the entries of /proc/self/fd less the listing's own fd, as the Rust
// open_fds does; the kept status file counts, as the Rust one does.
func (p *procReader) openFds() (uint64, bool) {
	if _, err := syscall.Seek(p.fdDir, 0, 0); err != nil {
		return 0, false
	}
	var entries uint64
	for {
		n, err := syscall.Getdents(p.fdDir, p.buf)
		if err != nil {
			return 0, false
		}
		if n == 0 {
			break
		}
		entries += countFds(p.buf[:n])
	}
	if entries == 0 {
		return 0, false
	}
	return entries - 1, true
}

// countFds counts the linux_dirent64 records in buf (d_ino u64, d_off i64, d_reclen
// u16, d_type u8, then the name) other than "." and "..": every other name in
// /proc/self/fd is a number.
func countFds(buf []byte) uint64 {
	var n uint64
	for off := 0; off+19 < len(buf); {
		reclen := int(*(*uint16)(unsafe.Pointer(&buf[off+16])))
		if reclen == 0 {
			break
		}
		if buf[off+19] != '.' {
			n++
		}
		off += reclen
	}
	return n
}

// heapGauge reads the bytes the Go runtime's allocator has handed out and not taken
// back: heap objects plus goroutine stacks (runtime/metrics
// /memory/classes/heap/objects:bytes and /memory/classes/heap/stacks:bytes, that is
// MemStats.HeapAlloc + StackInuse). Read right after a collection it is the
// counterpart of the Rust "net heap bytes" (the counting allocator's live bytes): a
// goroutine's stack comes from the Go heap as a future's state comes from Rust's,
// whereas a Rust thread's stack is mapped outside the allocator and shows in the
// resident and mapped figures instead. Between collections it also counts garbage (up
// to the runtime's 4 MiB minimum goal: all a pool of a few goroutines making thousands
// of requests would show), so the sampler only records it after a collection of its
// own (see startSampler). It is read through runtime/metrics, which unlike
// ReadMemStats does not stop the world. One difference remains: the runtime keeps a
// finished goroutine's descriptor (a few hundred bytes) for reuse, so only the first
// repetition (the warm-up) allocates descriptors; dead goroutines' stacks are freed by
// a collection and allocated again.
type heapGauge []metrics.Sample

func newHeapGauge() heapGauge {
	return heapGauge{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
	}
}

func (h heapGauge) bytes() uint64 {
	metrics.Read(h)
	var sum uint64
	for _, s := range h {
		if s.Value.Kind() == metrics.KindUint64 {
			sum += s.Value.Uint64()
		}
	}
	return sum
}

// heldPeaks is the footprint and open fds at the sampler's start and the highest seen
// until it stopped, and the most heap growth over the baseline.
type heldPeaks struct {
	base, peak     footprint
	statusOK       bool
	peakFds        uint64
	fdsOK          bool
	peakHeapGrowth uint64
	heapOK         bool
}

// sampler is a goroutine that samples the process every sampleEvery until finish: the
// peak of a burst of held resources, which a reading before or after it would miss.
type sampler struct {
	stop chan struct{}
	done chan heldPeaks
}

// startSampler collects garbage (see heapGauge), then returns once the baseline is read.
// The heap is read only after a collection, which the sampler forces whenever the
// tasks pending (pending.now) have stopped rising for one sample at a new high: once
// all are submitted (a goroutine each) or the pool's c are busy, a few times a
// repetition rather than every 2 ms (a collection scans every goroutine's stack).
func startSampler(pending *gauge) (*sampler, error) {
	p, err := openProc()
	if err != nil {
		return nil, err
	}
	runtime.GC()
	heap := newHeapGauge()
	s := &sampler{stop: make(chan struct{}), done: make(chan heldPeaks, 1)}
	based := make(chan struct{})
	go func() {
		defer p.close()
		var pk heldPeaks
		pk.base, pk.statusOK = p.footprint()
		pk.peak = pk.base
		pk.peakFds, pk.fdsOK = p.openFds()
		baseHeap := heap.bytes()
		close(based)
		var collectedAt, previous uint64
		for {
			last := false
			select {
			case <-s.stop:
				last = true
			default:
			}
			if f, ok := p.footprint(); ok {
				pk.peak = pk.peak.max(f)
			}
			if n, ok := p.openFds(); ok && n > pk.peakFds {
				pk.peakFds = n
			}
			if now := atomic.LoadUint64(&pending.now); now > collectedAt && now == previous {
				runtime.GC()
				collectedAt, pk.heapOK = now, true
				if h := heap.bytes(); h > baseHeap && h-baseHeap > pk.peakHeapGrowth {
					pk.peakHeapGrowth = h - baseHeap
				}
			} else {
				previous = now
			}
			if last {
				s.done <- pk
				return
			}
			time.Sleep(sampleEvery)
		}
	}()
	<-based
	return s, nil
}

// finish takes a last sample and returns the peaks.
func (s *sampler) finish() heldPeaks {
	close(s.stop)
	return <-s.done
}

// fields gives the Sample fields the Rust held cells fill (held.rs): each growth over
// the baseline divided by the most tasks pending at once; the larger of heap and
// resident bytes as the held bytes; the peaks of threads and fds as they are. The heap
// is left out when no collection read it (no pending plateau, as in a very short hold).
// A goroutine is never refused; fdErrors is nil for held-sleep.
func (pk heldPeaks) fields(pending uint64, fdErrors *uint64) map[string]interface{} {
	per := float64(pending)
	if per < 1 {
		per = 1
	}
	f := map[string]interface{}{"refused": uint64(0), "peak_pending": pending}
	held := -1.0
	if pk.heapOK {
		held = float64(pk.peakHeapGrowth) / per
		f["heap_bytes_per_job"] = held
	}
	if pk.statusOK {
		rss := float64(sub(pk.peak.rssKiB, pk.base.rssKiB)) * 1024 / per
		f["rss_bytes_per_job"] = rss
		f["mapped_bytes_per_job"] = float64(sub(pk.peak.vmKiB, pk.base.vmKiB)) * 1024 / per
		f["threads_per_job"] = float64(sub(pk.peak.threads, pk.base.threads)) / per
		f["peak_threads"] = pk.peak.threads
		if rss > held {
			held = rss
		}
	}
	if held >= 0 {
		f["held_bytes_per_job"] = held
	}
	if pk.fdsOK {
		f["peak_fds"] = pk.peakFds
	}
	if fdErrors != nil {
		f["fd_errors"] = *fdErrors
	}
	return f
}
