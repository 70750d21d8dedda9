package model

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// symlinkOrSkip makes link point at target, skipping where the platform
// (Windows without developer mode) does not let this user make links.
func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skipf("no symlinks here: %v", err)
		}
		t.Fatal(err)
	}
}

// A lock file that is a link (to a file the admin cares about, or to
// nowhere) is refused: its target keeps its content and mode, and a
// dangling link does not create its target.
func TestLockDoesNotFollowASymlinkedLockFile(t *testing.T) {
	const precious = "root:x:0:0:root:/root:/bin/sh\n"
	for _, c := range []struct {
		name string
		lock func(st Store) (func(), error)
		path func(st Store) string
	}{
		{"team", func(st Store) (func(), error) { return st.Lock("acme") }, func(st Store) string { return filepath.Join(st.Dir, "acme.lock") }},
		{"account", func(st Store) (func(), error) { return st.LockAccount("0123456789abcdef0123456789abcdef") },
			func(st Store) string {
				return filepath.Join(st.Dir, "accounts", "0123456789abcdef0123456789abcdef.lock")
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := Store{Dir: filepath.Join(t.TempDir(), "state")}
			outside := t.TempDir()
			target := filepath.Join(outside, "passwd")
			if err := os.WriteFile(target, []byte(precious), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(target, 0o644); err != nil { // whatever the umask
				t.Fatal(err)
			}
			lockPath := c.path(st)
			if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
				t.Fatal(err)
			}
			symlinkOrSkip(t, target, lockPath)

			release, err := c.lock(st)
			if err == nil {
				release()
				t.Fatal("a symlinked lock file was taken")
			}
			if !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), lockPath) || !errors.Is(err, ErrNotRegular) {
				t.Fatalf("want a clear refusal naming the link, got: %v", err)
			}
			got, rerr := os.ReadFile(target)
			if rerr != nil || string(got) != precious {
				t.Fatalf("the link's target was changed: %q %v", got, rerr)
			}
			if fi, err := os.Stat(target); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644) {
				t.Fatalf("the link's target changed mode: %v %v", fi.Mode(), err)
			}

			// A dangling link must not create the file it points at.
			os.Remove(lockPath)
			nowhere := filepath.Join(outside, "created-by-jcaccess")
			symlinkOrSkip(t, nowhere, lockPath)
			if release, err := c.lock(st); err == nil {
				release()
				t.Fatal("a dangling symlinked lock file was taken")
			}
			if _, err := os.Lstat(nowhere); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a dangling link's target was created: %v", err)
			}
		})
	}
}

// A lock file is never truncated: a file at the lock's path that is not a
// lock file (more than a pid line, or a hard link to another file) is
// refused and left as it is; a real lock file gets the pid written over
// the previous one, at a fixed width, so a reader never sees a shorter or
// mixed file.
func TestLockNeverTruncatesAFileItDidNotWrite(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	path := filepath.Join(st.Dir, "acme.lock")
	big := bytes.Repeat([]byte("not a lock file\n"), 8)
	if err := os.WriteFile(path, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if release, err := st.Lock("acme"); err == nil {
		release()
		t.Fatal("a file with more than a pid line was taken as a lock file")
	} else if !strings.Contains(err.Error(), path) {
		t.Fatalf("the refusal does not name the file: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, big) {
		t.Fatalf("the file was changed: %q", got)
	}

	if runtime.GOOS != "windows" {
		other := filepath.Join(t.TempDir(), "other")
		if err := os.WriteFile(other, []byte("42\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(other, filepath.Join(st.Dir, "linked.lock")); err != nil {
			t.Fatal(err)
		}
		if release, err := st.Lock("linked"); err == nil {
			release()
			t.Fatal("a hard-linked lock file was taken")
		}
		if got, _ := os.ReadFile(other); string(got) != "42\n" {
			t.Fatalf("the hard link's other name was changed: %q", got)
		}
	}

	// An old lock file with a longer pid line is overwritten, not left
	// with a tail of the old pid.
	old := filepath.Join(st.Dir, "old.lock")
	if err := os.WriteFile(old, []byte("123456789012\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	release, err := st.Lock("old")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	got, _ := os.ReadFile(old)
	if pid, err := strconv.Atoi(strings.TrimSpace(string(got))); err != nil || pid != os.Getpid() {
		t.Fatalf("lock file holds %q, want this pid %d", got, os.Getpid())
	}
}
