// Command go-cell is the Go side of pool-bench: one cell process that runs the blog
// post's alternatives (a fixed pool of goroutines ranging over one channel, or one
// goroutine per task) on an I/O workload described as data, and speaks the line
// protocol of `pool-bench cell`: warm up, print "ready", answer each "rep" line with one
// {"sample": ...} line, exit at "done" or the end of input.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Spec is what the parent starts the process with (Rust: external::ExternalSpec).
type Spec struct {
	Cell   json.RawMessage `json:"cell"`
	C      *int            `json:"c"`
	Warmup int             `json:"warmup"`
	Job    Job             `json:"job"`
}

func main() {
	if len(os.Args) != 3 || os.Args[1] != "--spec" {
		fmt.Fprintln(os.Stderr, "usage: go-cell --spec <json>")
		os.Exit(2)
	}
	var spec Spec
	if err := json.Unmarshal([]byte(os.Args[2]), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "spec:", err)
		os.Exit(2)
	}
	if err := serve(spec, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// serve answers the parent's requests until "done", the end of input, or a repetition
// that does not end ok.
func serve(spec Spec, in io.Reader, out io.Writer) error {
	run := func() Outcome { return Run(spec.Job, spec.C) }
	for i := 0; i < spec.Warmup; i++ {
		if o := run(); o.Status != "ok" {
			return send(out, sampleOf(spec, 0, o))
		}
	}
	if _, err := fmt.Fprintln(out, `"ready"`); err != nil {
		return err
	}
	lines := bufio.NewScanner(in)
	rep := 0
	for lines.Scan() {
		switch strings.TrimSpace(lines.Text()) {
		case "rep":
			rep++
			o := run()
			if err := send(out, sampleOf(spec, rep, o)); err != nil {
				return err
			}
			if o.Status != "ok" {
				return nil
			}
		case "done":
			return nil
		default:
			o := Outcome{Status: "failed", Error: fmt.Sprintf("unknown request `%s`", lines.Text())}
			return send(out, sampleOf(spec, rep, o))
		}
	}
	return lines.Err()
}

func send(out io.Writer, sample map[string]interface{}) error {
	line, err := json.Marshal(map[string]interface{}{"sample": sample})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", line)
	return err
}
