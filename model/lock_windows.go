//go:build windows

package model

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// openLockFile opens (or creates) path for the lock. Windows has no
// O_NOFOLLOW: FILE_FLAG_OPEN_REPARSE_POINT opens a link (symbolic link or
// junction) itself rather than its target, and the open handle is then
// refused if it is one, so the check and the open are one step. OPEN_ALWAYS
// never truncates: the file may be one jcaccess did not create. A file with
// other names (hard links) is refused here, where the handle says so.
func openLockFile(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	h, err := windows.CreateFile(p,
		windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_ALWAYS,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	switch {
	case info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		windows.CloseHandle(h)
		return nil, symlinkRefused(path)
	case info.NumberOfLinks > 1:
		windows.CloseHandle(h)
		return nil, fmt.Errorf("lock %s: it has %d names (hard links), so it is not a jcaccess lock file; jcaccess leaves it as it is: move it away if it is not yours, then run again", path, info.NumberOfLinks)
	}
	return os.NewFile(uintptr(h), path), nil
}

// linkCount is checked on the handle by openLockFile.
func linkCount(os.FileInfo) uint64 { return 1 }

// Windows byte-range locks are mandatory: locking the bytes that hold the
// pid would stop the next process from reading who holds the lock. So the
// lock covers one byte far past anything ever written.
const lockOffsetHigh = 0x7fffffff

// tryLock takes an exclusive lock on f without waiting; held reports that
// another process has it.
func tryLock(f *os.File) (held bool, err error) {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}
