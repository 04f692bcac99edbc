package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseResponse(t *testing.T) {
	r, err := parseResponse([]byte("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nConnection: close\r\n\r\nabc"))
	if err != nil || r.Status != 200 || string(r.Body) != "abc" {
		t.Fatalf("got %+v, %v", r, err)
	}
	for _, raw := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n",
		"SMTP 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
	} {
		if _, err := parseResponse([]byte(raw)); err == nil {
			t.Errorf("accepted %q", raw)
		}
	}
}

func TestPatternAndLinks(t *testing.T) {
	if !isPattern([]byte("abcdefghijklmnopqrstuvwxyzab"), 28) || isPattern([]byte("abd"), 3) {
		t.Fatal("pattern check")
	}
	links, err := parseLinks("/page/3\n\n/page/10\n")
	if err != nil || len(links) != 2 || links[0] != 3 || links[1] != 10 {
		t.Fatalf("got %v, %v", links, err)
	}
	if _, err := parseLinks("/elsewhere\n"); err == nil {
		t.Fatal("accepted a bad link")
	}
}

func TestWitnessAndWrongAnswer(t *testing.T) {
	if o := check("waits", 4, 4); o.Status != "ok" || o.Witness != "waits=4" {
		t.Fatalf("%+v", o)
	}
	if o := check("waits", 4, 3); o.Status != "wrong-answer" {
		t.Fatalf("%+v", o)
	}
}

func TestHostCPUParsesTheAggregateLine(t *testing.T) {
	stat := "cpu  10 1 2 100 0 3 4 5 0 0\ncpu0 5 0 1 50 0 1 2 2 0 0\ncpu1 5 1 1 50 0 2 2 3 0 0\n"
	busy, steal, res, ok := hostCPU(stat)
	if !ok || busy != 20*tickNs || steal != 5*tickNs || res != 2*tickNs {
		t.Fatalf("%d %d %d %v", busy, steal, res, ok)
	}
	if kib, ok := statusNumber([]byte("VmRSS:\t 7 kB\nVmHWM:\t  42 kB\n"), "VmHWM:"); !ok || kib != 42 {
		t.Fatalf("%d %v", kib, ok)
	}
}

func TestPoolsRunEveryTaskOnce(t *testing.T) {
	for _, c := range []*int{nil, intp(1), intp(3)} {
		o := Run(Job{Kind: "sleep", N: 50, WaitNs: 1000}, c)
		if o.Status != "ok" || o.Witness != "waits=50" || o.Jobs != 50 {
			t.Fatalf("c=%v: %+v", c, o)
		}
	}
	graph := map[uint32][]uint32{0: {1, 2}, 1: {2, 3}, 2: {0}, 3: {3}}
	for _, c := range []*int{nil, intp(1), intp(2)} {
		var visits [4]int
		visit := func(p uint32) []uint32 { visits[p]++; return nil }
		seen := map[uint32]bool{0: true}
		next := make(chan struct{}, 1)
		next <- struct{}{}
		walk := func(p uint32) []uint32 {
			<-next
			defer func() { next <- struct{}{} }()
			visit(p)
			var fresh []uint32
			for _, l := range graph[p] {
				if !seen[l] {
					seen[l] = true
					fresh = append(fresh, l)
				}
			}
			return fresh
		}
		if c == nil {
			crawlPerTask(0, walk)
		} else {
			crawlPool(*c, 0, walk)
		}
		if visits != [4]int{1, 1, 1, 1} {
			t.Fatalf("c=%v: visits %v", c, visits)
		}
	}
}

func TestProtocolReadyThenOneSamplePerRep(t *testing.T) {
	spec := Spec{
		Cell:   json.RawMessage(`{"workload":"sleep","contender":"go-pool"}`),
		C:      intp(2),
		Warmup: 1,
		Job:    Job{Kind: "sleep", N: 4, WaitNs: 1000},
	}
	var out bytes.Buffer
	if err := serve(spec, strings.NewReader("rep\nrep\ndone\nrep\n"), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != `"ready"` {
		t.Fatalf("%q", lines)
	}
	var reply struct {
		Sample map[string]interface{} `json:"sample"`
	}
	if err := json.Unmarshal([]byte(lines[2]), &reply); err != nil {
		t.Fatal(err)
	}
	s := reply.Sample
	if s["status"] != "ok" || s["rep"] != 2.0 || s["witness"] != "waits=4" || s["contender"] != "go-pool" {
		t.Fatalf("%v", s)
	}
}

// The exact text of the Rust test a_held_job_serialises_with_the_names_the_go_program_reads
// (benches/src/external.rs).
func TestHeldJobParsesTheRustJSON(t *testing.T) {
	text := `{"kind":"held-conn","n":500,"hold_ns":300000000,"addr":"127.0.0.1:9","path":"/bytes/64","len":64,"fd_limit":256}`
	var job Job
	if err := json.Unmarshal([]byte(text), &job); err != nil {
		t.Fatal(err)
	}
	want := Job{Kind: "held-conn", N: 500, HoldNs: 300000000, Addr: "127.0.0.1:9", Path: "/bytes/64", Len: 64, FdLimit: 256}
	if job != want {
		t.Fatalf("%+v", job)
	}
}

func TestHeldSleepCountsWhatEveryPendingGoroutineHolds(t *testing.T) {
	o := Run(Job{Kind: "held-sleep", N: 300, HoldNs: int64(200 * time.Millisecond)}, nil)
	if o.Status != "ok" || o.Witness != "ok=300 fd_errors=0 refused=0" || o.Jobs != 300 {
		t.Fatalf("%+v", o)
	}
	x := o.Extra
	if x["peak_pending"] != uint64(300) || x["refused"] != uint64(0) {
		t.Fatalf("all pending at once: %v", x)
	}
	if _, ok := x["fd_errors"]; ok {
		t.Fatalf("no fd errors counted without connections: %v", x)
	}
	// A sleeping goroutine is no thread, and holds at least its stack (2 KiB at start).
	if th, ok := x["threads_per_job"].(float64); !ok || th > 0.05 {
		t.Fatalf("threads: %v", x)
	}
	t.Logf("%v", x)
	if false {
	}
	if h, ok := x["heap_bytes_per_job"].(float64); !ok || h < 1024 {
		t.Fatalf("heap: %v", x)
	}
	if x["held_bytes_per_job"].(float64) < x["heap_bytes_per_job"].(float64) {
		t.Fatalf("held is the larger of heap and resident: %v", x)
	}
	if f, ok := x["peak_fds"].(uint64); !ok || f < 3 {
		t.Fatalf("fds: %v", x)
	}
	o = Run(Job{Kind: "held-sleep", N: 50, HoldNs: int64(time.Millisecond)}, intp(3))
	if o.Status != "ok" || o.Witness != "ok=50 fd_errors=0 refused=0" || o.Extra["peak_pending"] != uint64(3) {
		t.Fatalf("the pool holds c tasks: %+v", o)
	}
}

// TestMain doubles as the loopback server of the held-conn tests when heldServerEnv is
// set: a process of its own, as the harness's fixtures are, because its accepted
// connections would otherwise share the tasks' lowered fd limit, and tasks that took
// every fd would wait for replies the server cannot accept.
func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(heldServerEnv)); err == nil {
		serveBytes(n)
		return
	}
	os.Exit(m.Run())
}

const heldServerEnv = "GO_CELL_TEST_SERVER_BYTES"

// serveBytes answers every GET with n bytes of a..z, as the harness's /bytes/<n> does,
// after printing its address, until its input ends.
func serveBytes(n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	body := make([]byte, n)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var req []byte
				buf := make([]byte, 512)
				for !bytes.Contains(req, []byte("\r\n\r\n")) {
					k, err := c.Read(buf)
					if err != nil {
						return
					}
					req = append(req, buf[:k]...)
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", n, body)
			}()
		}
	}()
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// patternServer starts serveBytes(n) in a child process and returns its address.
func patternServer(t *testing.T, n int) string {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", heldServerEnv, n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

func softFdLimit(t *testing.T) uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatal(err)
	}
	return l.Cur
}

func TestHeldConnCountsFdErrorsAtTheLimitAndLosesNothing(t *testing.T) {
	addr := patternServer(t, 64)
	before := softFdLimit(t)
	job := Job{Kind: "held-conn", N: 200, HoldNs: int64(300 * time.Millisecond), Addr: addr, Path: "/bytes/64", Len: 64, FdLimit: 64}
	o := Run(job, nil)
	if o.Status != "ok" {
		t.Fatalf("%+v", o)
	}
	fdErrors, _ := o.Extra["fd_errors"].(uint64)
	if fdErrors < 100 || o.Witness != fmt.Sprintf("ok=%d fd_errors=%d refused=0", 200-fdErrors, fdErrors) {
		t.Fatalf("at most 64 fds for 200 goroutines: %+v", o)
	}
	if f, ok := o.Extra["peak_fds"].(uint64); !ok || f > 64 {
		t.Fatalf("fds: %v", o.Extra)
	}
	if softFdLimit(t) != before {
		t.Fatal("the fd limit was not restored")
	}
	// A pool bounded below the limit gets no fd error.
	job.N = 100
	o = Run(job, intp(8))
	if o.Status != "ok" || o.Witness != "ok=100 fd_errors=0 refused=0" || o.Extra["peak_pending"] != uint64(8) {
		t.Fatalf("%+v", o)
	}
	// The heap is live bytes, read after a collection: not the garbage of 100 requests
	// (a few KiB each) divided by 8.
	if h, ok := o.Extra["heap_bytes_per_job"].(float64); !ok || h > 16<<10 {
		t.Fatalf("heap: %v", o.Extra)
	}
	t.Logf("%v", o.Extra)
}

func TestHeldConnFailsOnAnyOtherConnectError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	o := Run(Job{Kind: "held-conn", N: 5, HoldNs: 1, Addr: addr, Path: "/bytes/64", Len: 64, FdLimit: 64}, nil)
	if o.Status != "failed" || !strings.Contains(o.Error, "connect") {
		t.Fatalf("connection refused is no fd error: %+v", o)
	}
}

func TestTheProcReaderCountsEachOpenFd(t *testing.T) {
	p, err := openProc()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	before, ok := p.openFds()
	if !ok {
		t.Fatal("no fd count")
	}
	var files []*os.File
	for i := 0; i < 10; i++ {
		f, err := os.Open("/dev/null")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	after, _ := p.openFds()
	for _, f := range files {
		_ = f.Close()
	}
	if after != before+10 {
		t.Fatalf("%d then %d", before, after)
	}
	for i := 0; i < 2; i++ {
		// The second read starts over too.
		if f, ok := p.footprint(); !ok || f.threads < 1 || f.rssKiB == 0 || f.vmKiB < f.rssKiB {
			t.Fatalf("read %d: %+v %v", i, f, ok)
		}
	}
}

func TestAHeldSampleCarriesTheRustFieldNames(t *testing.T) {
	spec := Spec{
		Cell: json.RawMessage(`{"workload":"held-sleep","contender":"go-per-task"}`),
		Job:  Job{Kind: "held-sleep", N: 20, HoldNs: int64(50 * time.Millisecond)},
	}
	var out bytes.Buffer
	if err := serve(spec, strings.NewReader("rep\n"), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var reply struct {
		Sample map[string]interface{} `json:"sample"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &reply); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"heap_bytes_per_job", "rss_bytes_per_job", "mapped_bytes_per_job", "threads_per_job", "held_bytes_per_job", "refused", "peak_fds", "peak_threads", "peak_pending"} {
		if _, ok := reply.Sample[k]; !ok {
			t.Errorf("no %s in %v", k, reply.Sample)
		}
	}
}

func intp(i int) *int { return &i }

func TestParseStatsReadsBothCountersAndRefusesMissingOnes(t *testing.T) {
	got, err := parseStats("refused=3\nqueue_max=17\n")
	if err != nil || got != (ServiceStats{Refused: 3, QueueMax: 17}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"refused=3\n", "queue_max=1\n", "refused=x\nqueue_max=1\n"} {
		if _, err := parseStats(bad); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
}
