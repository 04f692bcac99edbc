package main

import (
	"fmt"
	"strconv"
	"strings"
)

// ServiceStats is the downstream service's overload counters since the previous
// `/stats` request, which returns and resets them (Rust: fixtures::OverloadStats).
type ServiceStats struct {
	Refused, QueueMax uint64
}

// fetchStats GETs `/stats` from the service at addr and parses its
// `refused=<n>` and `queue_max=<n>` lines.
func fetchStats(addr string) (ServiceStats, error) {
	r, err := httpGet(addr, "/stats")
	if err != nil {
		return ServiceStats{}, fmt.Errorf("downstream /stats: %w", err)
	}
	if r.Status != 200 {
		return ServiceStats{}, fmt.Errorf("downstream /stats: status %d", r.Status)
	}
	return parseStats(string(r.Body))
}

func parseStats(body string) (ServiceStats, error) {
	field := func(name string) (uint64, error) {
		for _, line := range strings.Split(body, "\n") {
			key, value, ok := strings.Cut(line, "=")
			if ok && strings.TrimSpace(key) == name {
				return strconv.ParseUint(strings.TrimSpace(value), 10, 64)
			}
		}
		return 0, fmt.Errorf("downstream /stats: no %s line", name)
	}
	refused, err := field("refused")
	if err != nil {
		return ServiceStats{}, err
	}
	queueMax, err := field("queue_max")
	if err != nil {
		return ServiceStats{}, err
	}
	return ServiceStats{Refused: refused, QueueMax: queueMax}, nil
}
