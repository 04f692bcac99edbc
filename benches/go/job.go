package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Job is one repetition's work (Rust: external::ExternalJob, tagged by "kind").
type Job struct {
	Kind          string `json:"kind"`
	N             uint64 `json:"n"`
	WaitNs        int64  `json:"wait_ns"`
	Addr          string `json:"addr"`
	Path          string `json:"path"`
	Len           int    `json:"len"`
	RefusalsOk    bool   `json:"refusals_ok"`
	ServiceStats  bool   `json:"service_stats"`
	Dir           string `json:"dir"`
	Count         uint64 `json:"count"`
	ExpectedSum   uint64 `json:"expected_sum"`
	Root          uint32 `json:"root"`
	ExpectedPages uint64 `json:"expected_pages"`
	HoldNs        int64  `json:"hold_ns"`
	FdLimit       uint64 `json:"fd_limit"`
}

// ioErrors counts failures inside tasks and keeps the first message.
type ioErrors struct {
	mu    sync.Mutex
	count uint64
	first string
}

func (e *ioErrors) record(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.count == 0 {
		e.first = err.Error()
	}
	e.count++
}

func (e *ioErrors) failed() (Outcome, bool) {
	if e.count == 0 {
		return Outcome{}, false
	}
	msg := fmt.Sprintf("%d I/O error(s), first: %s", e.count, e.first)
	return Outcome{Status: "failed", Error: msg}, true
}

// check compares a count with its expected value, as the Rust workloads' `check`
// does: the witness `what=got`, or wrong-answer.
func check(what string, expected, got uint64) Outcome {
	if expected != got {
		msg := fmt.Sprintf("wrong answer: expected %d, got %d", expected, got)
		return Outcome{Status: "wrong-answer", Error: msg}
	}
	return Outcome{Status: "ok", Witness: fmt.Sprintf("%s=%d", what, got)}
}

// Run runs job once on c goroutines (nil: one per task) and checks its result.
func Run(job Job, c *int) Outcome {
	var errs ioErrors
	var count uint64
	var refused uint64
	var extra map[string]interface{}
	var measured Measured
	var what string
	var expected, jobs uint64
	switch job.Kind {
	case "held-sleep", "held-conn":
		return runHeld(job, c)
	case "sleep":
		what, expected, jobs = "waits", job.N, job.N
		measured = measure(func() {
			runFlat(c, job.N, func(uint64) {
				time.Sleep(time.Duration(job.WaitNs))
				atomic.AddUint64(&count, 1)
			})
		})
	case "get":
		what = "good responses"
		if job.ServiceStats {
			// Resets the service's counters, as the in-process cell does.
			if _, err := fetchStats(job.Addr); err != nil {
				return Outcome{Status: "failed", Error: err.Error()}
			}
		}
		measured = measure(func() {
			runFlat(c, job.N, func(uint64) {
				r, err := httpGet(job.Addr, job.Path)
				switch {
				case err != nil:
					errs.record(err)
				case r.Status == 503 && job.RefusalsOk:
					atomic.AddUint64(&refused, 1)
				case r.Status != 200 || !isPattern(r.Body, job.Len):
					errs.record(fmt.Errorf("bad response (status %d, %d bytes)", r.Status, len(r.Body)))
				default:
					atomic.AddUint64(&count, 1)
				}
			})
		})
		expected, jobs = job.N-refused, count
		if job.ServiceStats {
			stats, err := fetchStats(job.Addr)
			if err != nil {
				return Outcome{Status: "failed", Error: err.Error()}
			}
			if stats.Refused != refused {
				return check("503s the service counted", stats.Refused, refused)
			}
			extra = map[string]interface{}{"downstream_queue_max": stats.QueueMax}
		}
	case "files":
		what, expected, jobs = "byte sum", job.ExpectedSum, job.Count
		measured = measure(func() {
			runFlat(c, job.Count, func(i uint64) {
				b, err := os.ReadFile(filepath.Join(job.Dir, fmt.Sprintf("f%d.bin", i)))
				if err != nil {
					errs.record(err)
					return
				}
				atomic.AddUint64(&count, byteSum(b))
			})
		})
	case "crawl":
		what, expected = "pages fetched", job.ExpectedPages
		var seen sync.Map
		seen.Store(job.Root, true)
		visit := func(p uint32) []uint32 {
			atomic.AddUint64(&count, 1)
			links, err := fetchLinks(job.Addr, p)
			if err != nil {
				errs.record(err)
				return nil
			}
			var fresh []uint32
			for _, l := range links {
				if _, dup := seen.LoadOrStore(l, true); !dup {
					fresh = append(fresh, l)
				}
			}
			return fresh
		}
		measured = measure(func() {
			if c == nil {
				crawlPerTask(job.Root, visit)
			} else {
				crawlPool(*c, job.Root, visit)
			}
		})
		jobs = count
	default:
		return Outcome{Status: "failed", Error: fmt.Sprintf("unknown job kind `%s`", job.Kind)}
	}
	if o, bad := errs.failed(); bad {
		return o
	}
	o := check(what, expected, count)
	o.Jobs, o.Measured = jobs, measured
	if job.RefusalsOk {
		o.Refusals = &refused
	}
	if extra != nil {
		o.Extra = extra
	}
	return o
}

func byteSum(b []byte) uint64 {
	var s uint64
	for _, x := range b {
		s += uint64(x)
	}
	return s
}
