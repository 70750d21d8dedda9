package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// keystroke: one key press (?) through the wizard's Update, then its View,
// at 120x40 in colour, on every step screen: ui's BenchmarkKeystroke, one
// sub-benchmark per step (cloudflare-idp with its planned request shown),
// run with go test so the test driver has one owner, in package ui. The
// rows are the slowest step and the step with the most allocations.
func keystroke() ([]row, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkKeystroke$", "-benchmem", "-count", "1", "./ui")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go test -bench BenchmarkKeystroke ./ui: %w\n%s", err, out)
	}
	res, err := parseKeystroke(out)
	if err != nil {
		return nil, err
	}
	slow, most := res[0], res[0]
	var all []string
	for _, r := range res {
		if r.ns > slow.ns {
			slow = r
		}
		if r.allocs > most.allocs {
			most = r
		}
		all = append(all, fmt.Sprintf("%s %.3f ms/%d allocs", r.step, r.ns/1e6, r.allocs))
	}
	return []row{
		{
			name: "keystroke: one key (?) through Update, then View, at 120x40 (slowest step)", unit: "ms",
			value: slow.ns / 1e6, target: 0.5,
			note: fmt.Sprintf("step %s, %d KB/op; go test -bench BenchmarkKeystroke ./ui, the model against an in-process fake, not the terminal renderer; every step: %s", slow.step, slow.bytes/1024, strings.Join(all, ", ")),
		},
		{
			name: "keystroke allocations (most on any step)", unit: "allocs/op",
			value: float64(most.allocs), target: 200,
			note: "step " + most.step,
		},
	}, nil
}

type keyResult struct {
	step          string
	ns            float64
	bytes, allocs int64
}

var benchLine = regexp.MustCompile(`^BenchmarkKeystroke/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

func parseKeystroke(out []byte) ([]keyResult, error) {
	var res []keyResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseInt(m[3], 10, 64)
		a, _ := strconv.ParseInt(m[4], 10, 64)
		res = append(res, keyResult{step: m[1], ns: ns, bytes: b, allocs: a})
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no BenchmarkKeystroke result in:\n%s", out)
	}
	return res, nil
}
