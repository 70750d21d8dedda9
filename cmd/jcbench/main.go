// Command jcbench measures what an admin waits on and prints one table
// (make bench): each figure, its target and their ratio, from one run on
// this machine. BENCHMARKS.md keeps the latest table.
package main

import (
	"fmt"
	"os"
	"runtime"
	"text/tabwriter"
	"time"
)

// row is one line of the table. Lower is better for every figure, so
// ratio = value / target and a ratio above 1 is a missed target.
type row struct {
	name   string
	value  float64
	target float64
	unit   string
	note   string
}

func main() {
	var rows []row
	var failed []string
	for _, m := range []struct {
		what string
		run  func() ([]row, error)
	}{
		{"time to first frame", firstFrame}, {"keystroke cost", keystroke}, {"live checks", liveChecks},
		{"apply round trips", applyTable}, {"metadata", metadata}, {"memory", memory},
	} {
		rs, err := m.run()
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", m.what, err))
			continue
		}
		rows = append(rows, rs...)
	}

	fmt.Printf("jcbench on %s/%s, %d CPUs, %s, %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "| measure\t| value\t| target\t| ratio\t| verdict\t| notes\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|---\t|---\t|")
	for _, r := range rows {
		verdict := "met"
		if r.value > r.target {
			verdict = "MISSED"
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %.2f\t| %s\t| %s\t|\n", r.name, format(r.value, r.unit), format(r.target, r.unit), r.value/r.target, verdict, r.note)
	}
	tw.Flush()
	for _, f := range failed {
		fmt.Fprintln(os.Stderr, "not measured:", f)
	}
	if len(failed) > 0 {
		os.Exit(1)
	}
}

func format(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmt.Sprintf("%.3g ms", v)
	case "MB":
		return fmt.Sprintf("%.1f MB", v)
	case "x":
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
