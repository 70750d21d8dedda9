//go:build unix

package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openLockFile opens (or creates) path for the lock. O_NOFOLLOW makes the
// kernel refuse a link in the last component, dangling or not, which a look
// before the open could not do without a race; O_NONBLOCK keeps a FIFO
// from blocking the open (the caller refuses it). No O_TRUNC: the file may
// be one jcaccess did not create.
func openLockFile(path string) (*os.File, error) {
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		// Linux says ELOOP, the BSDs EMLINK: ask the file system instead.
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, symlinkRefused(path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return fh, nil
}

// linkCount is how many names the file has.
func linkCount(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// tryLock takes an exclusive lock on f without waiting; held reports that
// another process has it.
func tryLock(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
