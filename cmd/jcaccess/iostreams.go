package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// IOStreams is where a command reads and writes, and whether a person is
// there: decided once, in main, and faked in tests.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	InTTY  bool
	OutTTY bool
}

// CanPrompt reports whether a person can answer a question.
func (s *IOStreams) CanPrompt() bool { return s.InTTY && s.OutTTY }

// Confirm asks a yes/no question on the terminal; the default is no.
func (s *IOStreams) Confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		return false, errCancelled
	case line := <-answer:
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

// Exit codes, mapped from errors in one place (Run).
const (
	exitOK        = 0
	exitFailed    = 1
	exitUsage     = 2
	exitCancelled = 130
)

// usageError is bad input: a flag, a config value, a missing argument.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// failedError means the command ran and its result was a failure it has
// already reported (an error finding, a failed check).
var errFailed = errors.New("failed")

var errCancelled = errors.New("interrupted")
