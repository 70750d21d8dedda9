//go:build unix

package samlmeta

import (
	"context"
	"errors"
	"jcaccess/model"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Issue 10, defect 9: metadata files are read only when regular, with a
// cap, and a read honours the context.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "metadata.xml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Load(context.Background(), nil, fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, model.ErrNotRegular) {
			t.Fatalf("FIFO: %v", err)
		}
		assertContains(t, err.Error(), fifo, "named pipe", "not a regular file", "Export Metadata")
	case <-time.After(3 * time.Second):
		// Unblock the reader so the test binary can end.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("Load hangs on a FIFO")
	}

	if _, err := os.Stat("/dev/zero"); err == nil {
		start := time.Now()
		_, err := Load(context.Background(), nil, "/dev/zero")
		if err == nil || !errors.Is(err, model.ErrNotRegular) {
			t.Fatalf("/dev/zero: %v", err)
		}
		assertContains(t, err.Error(), "/dev/zero", "device", "not a regular file")
		if time.Since(start) > time.Second {
			t.Error("/dev/zero was read")
		}
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(cancelled, nil, filepath.Join("testdata", "jumpcloud", "ssoready_ssoready_assertions-jumpcloud-metadata.xml")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v", err)
	}
}
