package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"jcaccess/steps"
)

// liveChecks: with 200 ms added to every request, a step's checks take
// about as long as the slowest one, because they run concurrently.
func liveChecks() ([]row, error) {
	const latency = 200 * time.Millisecond
	dir, err := os.MkdirTemp("", "jcbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sb, err := world(dir)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	ctx := context.Background()
	e := env(sb)
	rep, err := steps.Plan(ctx, e, nil)
	if err != nil {
		return nil, err
	}
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		return nil, err
	}
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		return nil, err
	}
	sb.Cloudflare.SetLatency(latency)
	var out []row
	for _, id := range []steps.ID{steps.Credentials, steps.Test} {
		s, _ := steps.ByID(id)
		if fs := s.Prepare(ctx, e); fs.HasErrors() {
			return nil, fmt.Errorf("%s: %v", id, fs)
		}
		checks := s.Checks(e)
		var single []time.Duration
		for _, c := range checks {
			start := time.Now()
			c.Run(ctx)
			single = append(single, time.Since(start))
		}
		start := time.Now()
		steps.RunChecks(ctx, time.Minute, checks)
		wall := time.Since(start)
		slowest := slices.Max(single)
		out = append(out, row{
			name: fmt.Sprintf("live checks of %s (%d checks, +200 ms per request)", id, len(checks)), unit: "x",
			value: float64(wall) / float64(slowest), target: 1.2,
			note: fmt.Sprintf("wall %.0f ms, slowest check %.0f ms, sum %.0f ms", ms(wall), ms(slowest), ms(sum(single))),
		})
	}
	return out, nil
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// applyTable: with 100 ms added to every request, a whole apply (plan,
// apply, verify) in round trips, against the dependency depth of the work:
// independent reads, then the create, then the read-backs (3), plus one.
func applyTable() ([]row, error) {
	rounds, requests, err := applyRounds(100 * time.Millisecond)
	if err != nil {
		return nil, err
	}
	return []row{{
		name: "apply round trips (+100 ms per request)", unit: "rounds", value: rounds, target: 4,
		note: fmt.Sprintf("%d requests in %.1f sequential rounds; depth 3 (reads, create, read-backs) + 1", requests, rounds),
	}}, nil
}
