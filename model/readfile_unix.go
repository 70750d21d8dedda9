//go:build unix

package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens path for reading. O_NONBLOCK keeps the open of a FIFO
// from waiting for a writer (it changes nothing for a regular file), and
// O_NOFOLLOW makes the kernel refuse a link in the last component, which a
// look before the open could not do without a race.
func openRegular(path string, followLinks bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK
	if !followLinks {
		flags |= syscall.O_NOFOLLOW
	}
	fh, err := os.OpenFile(path, flags, 0)
	if err != nil && !followLinks && !errors.Is(err, fs.ErrNotExist) {
		// Linux says ELOOP, the BSDs EMLINK: ask the file system instead.
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link, %w (jcaccess does not follow links here)", path, ErrNotRegular)
		}
	}
	return fh, err
}
