package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
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
	if kib, ok := statusKiB("VmRSS:\t 7 kB\nVmHWM:\t  42 kB\n", "VmHWM:"); !ok || kib != 42 {
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

func intp(i int) *int { return &i }
