package model

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrLocked means another jcaccess process holds the team's lock.
var ErrLocked = errors.New("locked")

// HeldError is a lock file held by another process.
type HeldError struct {
	Path string
	PID  int // 0 when the holder did not say
}

// Holder names who holds the lock, for messages.
func (e *HeldError) Holder() string {
	if e.PID > 0 {
		return fmt.Sprintf("another jcaccess (pid %d)", e.PID)
	}
	return "another jcaccess"
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s: %s holds %s", ErrLocked, e.Holder(), e.Path)
}

func (e *HeldError) Unwrap() error { return ErrLocked }

// pidWidth is the width of the pid line in a lock file. Every holder
// writes exactly this many bytes over the last holder's, so the file is
// never truncated (a reader could see it empty) and never keeps the tail
// of a longer pid.
const pidWidth = 20

// maxLockFile is the most a lock file ever holds. A bigger file at a lock's
// path is not a lock file, and jcaccess will not write over it.
const maxLockFile = 64

// Lock takes the team's lock for the life of this process's work on it, so
// two jcaccess processes never race on one team's session or its login
// method. The lock is the kernel's (flock on Unix, LockFileEx on Windows): it
// goes away with the process, even after kill -9, so a crash never leaves a
// stale lock behind.
func (s Store) Lock(team string) (release func(), err error) {
	if err := checkTeamKey(team); err != nil {
		return nil, err
	}
	return s.lockIn(team, fmt.Sprintf("team %q", team))
}

// lockIn takes the lock file name.lock in the store's folder; what says
// what the holder is working on, for the message.
func (s Store) lockIn(name, what string) (release func(), err error) {
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	release, err = LockFile(filepath.Join(s.Dir, name+".lock"))
	var held *HeldError
	if errors.As(err, &held) {
		return nil, fmt.Errorf("%w: %s is working on %s; wait for it to finish (or stop it), then run again", ErrLocked, held.Holder(), what)
	}
	return release, err
}

// LockFile takes the lock file at path, creating it (0600) when it is
// missing, and writes this process's pid in it for the message the next
// process shows. The file is opened without following a link (a link is
// refused: ErrNotRegular), and a file that is not a lock file (not
// regular, more than a pid line, or with other names) is refused and left
// as it is: a lock never truncates or overwrites a file jcaccess did not
// write. Another holder is a *HeldError (errors.Is ErrLocked).
func LockFile(path string) (release func(), err error) {
	fh, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if why := notALockFile(fi); why != "" {
		fh.Close()
		return nil, fmt.Errorf("lock %s: %s, so it is not a jcaccess lock file; jcaccess leaves it as it is: move it away if it is not yours, then run again", path, why)
	}
	held, err := tryLock(fh)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if held {
		holder, _ := io.ReadAll(io.LimitReader(fh, maxLockFile))
		fh.Close()
		pid, _ := strconv.Atoi(strings.TrimSpace(string(holder)))
		return nil, &HeldError{Path: path, PID: pid}
	}
	// Written over the last holder's line, same width: no truncation, so
	// a process refused meanwhile reads a whole pid, an old one, or none.
	line := fmt.Sprintf("%-*d\n", pidWidth, os.Getpid())
	fh.WriteAt([]byte(line), 0)
	return func() {
		unlock(fh)
		fh.Close()
	}, nil
}

// notALockFile says why the open file fi cannot be a lock file, or "".
func notALockFile(fi os.FileInfo) string {
	switch {
	case !fi.Mode().IsRegular():
		return "it is " + kindOf(fi.Mode())
	case fi.Size() > maxLockFile:
		return fmt.Sprintf("it holds %d bytes (a lock file holds a pid)", fi.Size())
	case linkCount(fi) > 1:
		return fmt.Sprintf("it has %d names (hard links)", linkCount(fi))
	}
	return ""
}

// symlinkRefused is the error for a lock path that is a link.
func symlinkRefused(path string) error {
	return fmt.Errorf("lock %s is a symbolic link, %w (jcaccess does not follow links for its lock files); remove the link, then run again", path, ErrNotRegular)
}
