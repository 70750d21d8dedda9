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

// Lock takes the team's lock for the life of this process's work on it, so
// two jcaccess processes never race on one team's session or its login
// method. The lock is the kernel's (flock on Unix, LockFileEx on Windows): it
// goes away with the process, even after kill -9, so a crash never leaves a
// stale lock behind.
func (s Store) Lock(team string) (release func(), err error) {
	if err := checkTeamKey(team); err != nil {
		return nil, err
	}
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	path := filepath.Join(s.Dir, team+".lock")
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if held, err := tryLock(fh); err != nil || held {
		holder, _ := io.ReadAll(io.LimitReader(fh, 32))
		fh.Close()
		if held {
			who := "another jcaccess"
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(holder))); perr == nil {
				who = fmt.Sprintf("another jcaccess (pid %d)", pid)
			}
			return nil, fmt.Errorf("%w: %s is working on team %q; wait for it to finish (or stop it), then run again", ErrLocked, who, team)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Say who holds it, for the message the next process shows.
	if err := fh.Truncate(0); err == nil {
		fh.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		unlock(fh)
		fh.Close()
	}, nil
}
