//go:build unix

package model

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// JCACCESS_STATE_DIR=/tmp as root must not turn /tmp into a private folder
// (dropping its sticky bit) nor keep sessions where anyone can swap them.
func TestStoreRefusesASharedFolderAndLeavesItsModeAlone(t *testing.T) {
	for _, mode := range []os.FileMode{0o777 | os.ModeSticky, 0o770, 0o757} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			st := Store{Dir: dir}
			err := st.Save(newTestSession("acme"))
			if !errors.Is(err, ErrUnusableStateDir) || !strings.Contains(err.Error(), "writable by") {
				t.Fatalf("save into a %v folder: %v, want ErrUnusableStateDir saying why", mode, err)
			}
			if err := st.CheckDir(); !errors.Is(err, ErrUnusableStateDir) {
				t.Fatalf("CheckDir: %v", err)
			}
			fi, _ := os.Stat(dir)
			if got := fi.Mode() & (os.ModePerm | os.ModeSticky); got != mode {
				t.Fatalf("folder mode became %v, want %v untouched", got, mode)
			}
			if _, err := os.Stat(st.Path("acme")); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("a session was written into a shared folder")
			}
		})
	}
}

// A folder only the admin can write is used as it is, even when others may
// list it: the files inside are 0600.
func TestStoreUsesAnExistingPrivateFolderAsItIs(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := (Store{Dir: dir}).Save(newTestSession("acme")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o755 {
		t.Fatalf("dir mode %v, want 0755 untouched", fi.Mode().Perm())
	}
}

func TestStoreDoesNotFollowASymlinkedSession(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	// A valid session elsewhere, which a link in the state folder points at.
	elsewhere := Store{Dir: t.TempDir()}
	if err := elsewhere.Save(newTestSession("acme")); err != nil {
		t.Fatal(err)
	}
	target := elsewhere.Path("acme")
	before, _ := os.ReadFile(target)
	if err := os.Symlink(target, st.Path("acme")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load("acme"); err == nil || !strings.Contains(err.Error(), "link") {
		t.Fatalf("load through a symlink: %v, want a refusal naming the link", err)
	}
	if _, errs := st.List(); len(errs) != 1 {
		t.Fatalf("list: %v, want the link reported", errs)
	}
	s := newTestSession("acme")
	s.IdPID = "changed"
	if err := st.Save(s); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(target); string(after) != string(before) {
		t.Fatal("saving through a symlinked session changed the link's target")
	}
	if fi, err := os.Lstat(st.Path("acme")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("after save the session should be a file of its own: %v %v", fi.Mode(), err)
	}
}

// A FIFO named like a session would block a plain open for ever; /dev/zero
// would be read for ever.
func TestStoreRefusesSessionsThatAreNotRegularFiles(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	if err := syscall.Mkfifo(st.Path("fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", st.Path("zero")); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, MaxSessionSize+1)
	copy(big, `{"schema_version": 1, "inputs": {"team": "big"}, "pad": "`)
	if err := os.WriteFile(st.Path("big"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, team := range []string{"fifo", "zero", "big"} {
		t.Run(team, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := st.Load(team); done <- err }()
			select {
			case err := <-done:
				if err == nil || errors.Is(err, ErrNoSession) {
					t.Fatalf("load: %v, want a refusal", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("load hung")
			}
		})
	}
	done := make(chan []error, 1)
	go func() { _, errs := st.List(); done <- errs }()
	select {
	case errs := <-done:
		// The oversized one was moved aside by its Load, like any damaged
		// file; the FIFO and the link stay for the admin to look at.
		if len(errs) != 2 {
			t.Fatalf("list: %v, want the FIFO and the link refused", errs)
		}
		if kept, _ := filepath.Glob(st.Path("big") + ".damaged-*"); len(kept) != 1 {
			t.Fatalf("the oversized session was not kept aside: %v", kept)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("list hung")
	}
}

func TestReadRegularFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.xml")
	if err := os.WriteFile(small, []byte("<x/>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegularFile(context.Background(), small, 10); err != nil || string(b) != "<x/>" {
		t.Fatalf("small: %q %v", b, err)
	}
	if _, err := ReadRegularFile(context.Background(), small, 3); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the cap: %v, want ErrTooLarge", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadRegularFile(ctx, small, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/dev/zero", fifo, dir} {
		done := make(chan error, 1)
		go func() { _, err := ReadRegularFile(context.Background(), p, 1<<20); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("%s: %v, want ErrNotRegular", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: read hung", p)
		}
	}
	// The admin may link a metadata file from elsewhere; only session files
	// refuse links.
	link := filepath.Join(dir, "link.xml")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegularFile(context.Background(), link, 10); err != nil || string(b) != "<x/>" {
		t.Fatalf("link: %q %v", b, err)
	}
}

func TestStoreKeepsNoMetadataURLPassword(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "state")}
	in := DefaultInputs()
	in.Team = "acme"
	in.IdP.Metadata = "https://admin:hunter2-secret@example.com/metadata.xml"
	if err := s.Save(NewSession(in, time.Now())); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(s.Path("acme"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hunter2-secret") {
		t.Fatalf("the session file holds the URL's password:\n%s", b)
	}
}
