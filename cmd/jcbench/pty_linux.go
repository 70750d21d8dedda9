//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair of the given size with the standard
// library alone (the /dev/ptmx calls creack/pty makes on Linux), so jcbench
// needs no new module.
func openPTY(cols, rows int) (master, tty *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("pty: %w", err)
	}
	fail := func(e error) (*os.File, *os.File, error) {
		master.Close()
		if tty != nil {
			tty.Close()
		}
		return nil, nil, fmt.Errorf("pty: %w", e)
	}
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); err != nil {
		return fail(err)
	}
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		return fail(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail(err)
	}
	ws := struct{ row, col, x, y uint16 }{uint16(rows), uint16(cols), 0, 0}
	if err := ioctl(tty, syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws))); err != nil {
		return fail(err)
	}
	return master, tty, nil
}

// ioctl goes through SyscallConn, which keeps the file in non-blocking
// mode: a pending Read then returns when the file is closed.
func ioctl(f *os.File, req, arg uintptr) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg)
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// attachTTY makes tty the command's stdin, stdout, stderr and controlling
// terminal, in a new session, as a shell in a terminal window would.
func attachTTY(cmd *exec.Cmd, tty *os.File) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
}

// maxRSSKiB is the peak resident set of an exited process (ru_maxrss, in
// KiB on Linux).
func maxRSSKiB(ps *os.ProcessState) (int64, error) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, fmt.Errorf("no resource usage for pid %d", ps.Pid())
	}
	return ru.Maxrss, nil
}

// killGroup kills the process group the command leads (attachTTY started
// it in a new session): the launcher and what it started.
func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }

// residentMB reads a live process's resident set from /proc: anonymous
// (heap, stacks) and file-backed (the binary's code and read-only data).
func residentMB(pid int) (anon, file float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(l, "RssAnon: %f kB", &kb); err == nil {
			anon = kb / 1024
		} else if _, err := fmt.Sscanf(l, "RssFile: %f kB", &kb); err == nil {
			file = kb / 1024
		}
	}
	return anon, file, nil
}

// childPID is the one child of a process (the launcher's jcaccess), from
// the children lists of its threads.
func childPID(pid int) (int, error) {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		kids = append(kids, strings.Fields(string(b))...)
	}
	if len(kids) != 1 {
		return 0, fmt.Errorf("process %d has children %v, want one", pid, kids)
	}
	return strconv.Atoi(kids[0])
}
