package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

// world starts a sandbox for one measurement.
func world(dir string) (*sandbox.Sandbox, error) {
	return sandbox.Start(sandbox.Options{Dir: dir, Fresh: true, KeyBits: 2048})
}

// env is what apply builds, without the sandbox's test login: the round
// trips measured are those a run against the real services makes.
func env(sb *sandbox.Sandbox) *steps.Env {
	return &steps.Env{
		Session: model.NewSession(sb.Inputs(), time.Now()),
		Deps: steps.Deps{
			CF: cloudflare.New(cloudflare.Config{
				Token: model.NewSecret(sb.Token), BaseURL: sb.APIBaseURL, HTTPClient: sb.HTTPClient, Retries: 2,
			}),
			HTTP: sb.HTTPClient,
		},
	}
}

// applyRounds times a whole apply (plan, apply, verify) with latency added
// to every Cloudflare request, and reports it in round trips.
func applyRounds(latency time.Duration) (rounds float64, requests int, err error) {
	dir, err := os.MkdirTemp("", "jcbench-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	sb, err := world(dir)
	if err != nil {
		return 0, 0, err
	}
	defer sb.Close()
	e := env(sb)
	// Warm the TLS connections so the measure is of round trips, not handshakes.
	if _, err := steps.Plan(context.Background(), env(sb), nil); err != nil {
		return 0, 0, err
	}
	sb.Cloudflare.SetLatency(latency)
	before := len(sb.Cloudflare.Requests())
	start := time.Now()
	ctx := context.Background()
	rep, err := steps.Plan(ctx, e, nil)
	if err != nil {
		return 0, 0, err
	}
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		return 0, 0, err
	}
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		return 0, 0, err
	}
	wall := time.Since(start)
	if os.Getenv("JCBENCH_DEBUG") != "" {
		for _, r := range sb.Cloudflare.Requests()[before:] {
			fmt.Fprintln(os.Stderr, r.Method, r.Path)
		}
	}
	if rep.Findings().HasErrors() {
		return 0, 0, fmt.Errorf("apply ended with errors: %v", rep.Findings())
	}
	return float64(wall) / float64(latency), len(sb.Cloudflare.Requests()) - before, nil
}
