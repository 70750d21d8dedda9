package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// The memory measure needs the peak RSS of jcaccess alone. os/exec starts
// a child with vfork (CLONE_VM), and Linux folds the parent's RSS high-water
// mark into the child's ru_maxrss at execve: run from jcbench, whose own
// RSS has grown by then, jcaccess would report jcbench's peak when it is
// larger. So jcbench starts a copy of itself as a launcher, which starts
// jcaccess and writes its ru_maxrss down: the launcher's few MB are then the
// floor, far below the figure measured.

// launcherEnv names the file a launcher writes "<maxrss KiB> <exit code>"
// to; its arguments are the command to run.
const launcherEnv = "JCBENCH_LAUNCH_REPORT"

func init() {
	if report := os.Getenv(launcherEnv); report != "" {
		os.Exit(launch(report, os.Args[1:]))
	}
}

func launch(report string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "jcbench launcher: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, launcherEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "jcbench launcher:", err)
		return 2
	}
	kib, err := maxRSSKiB(cmd.ProcessState)
	if err != nil {
		fmt.Fprintln(os.Stderr, "jcbench launcher:", err)
		return 2
	}
	code := cmd.ProcessState.ExitCode()
	if err := os.WriteFile(report, []byte(fmt.Sprintf("%d %d\n", kib, code)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "jcbench launcher:", err)
		return 2
	}
	return code
}

// readLaunchReport reads what a launcher wrote: the peak RSS in MB and the
// exit code of the command it ran.
func readLaunchReport(path string) (mb float64, code int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("the launcher left no report: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("launcher report %q", b)
	}
	kib, err1 := strconv.ParseInt(f[0], 10, 64)
	code, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("launcher report %q", b)
	}
	return float64(kib) / 1024, code, nil
}
