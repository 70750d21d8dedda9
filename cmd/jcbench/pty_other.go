//go:build !linux

package main

import (
	"errors"
	"os"
	"os/exec"
)

var errNoPTY = errors.New("the terminal measures open a pseudo-terminal the Linux way; run jcbench on Linux")

func openPTY(cols, rows int) (master, tty *os.File, err error) { return nil, nil, errNoPTY }

func attachTTY(cmd *exec.Cmd, tty *os.File) {}

func maxRSSKiB(ps *os.ProcessState) (int64, error) { return 0, errNoPTY }

func killGroup(p *os.Process) error { return p.Kill() }

func residentMB(pid int) (anon, file float64, err error) { return 0, 0, errNoPTY }

func childPID(pid int) (int, error) { return 0, errNoPTY }
