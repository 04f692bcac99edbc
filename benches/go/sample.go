package main

import (
	"encoding/json"
)

// Measured is what one timed region produced (absent fields stay out of the sample).
type Measured struct {
	WallNs, CPUUserNs, CPUSysNs, HostBusyNs, StealNs, StatResolutionNs uint64
	HostKnown                                                          bool
}

// Outcome is one repetition's result: its status, and on ok its figures and witness.
type Outcome struct {
	Status   string
	Error    string
	Jobs     uint64
	Witness  string
	Refusals *uint64
	Measured Measured
	// Extra holds further Sample fields by their Rust names (the held-* figures, the downstream service's queue).
	Extra map[string]interface{}
}

// sampleOf builds the Rust `Sample` JSON of repetition rep: the cell's identity fields
// as the parent sent them, then this repetition's.
func sampleOf(spec Spec, rep int, o Outcome) map[string]interface{} {
	s := map[string]interface{}{}
	// The cell is the parent's own JSON: its fields are the sample's identity fields.
	_ = json.Unmarshal(spec.Cell, &s)
	s["status"] = o.Status
	s["rep"] = rep
	s["witness"] = o.Witness
	s["error"] = o.Error
	if o.Status != "ok" {
		s["rep"] = 0
		return s
	}
	m := o.Measured
	s["wall_ns"] = m.WallNs
	s["cpu_user_ns"] = m.CPUUserNs
	s["cpu_sys_ns"] = m.CPUSysNs
	s["jobs"] = o.Jobs
	wall := float64(m.WallNs) / 1e9
	if wall < 1e-9 {
		wall = 1e-9
	}
	s["throughput"] = float64(o.Jobs) / wall
	if kib, ok := peakRSSKiB(); ok {
		s["peak_rss_kib"] = kib
	}
	if m.HostKnown {
		s["host_busy_ns"] = m.HostBusyNs
		s["steal_ns"] = m.StealNs
		s["stat_resolution_ns"] = m.StatResolutionNs
	}
	if o.Refusals != nil {
		s["refusals"] = *o.Refusals
	}
	for k, v := range o.Extra {
		s[k] = v
	}
	return s
}
