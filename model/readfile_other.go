//go:build !unix

package model

import (
	"fmt"
	"io/fs"
	"os"
)

// openRegular opens path for reading. Windows has no O_NOFOLLOW: a look
// before the open refuses a link (or junction), and the caller's check of
// the open file catches anything that is not a regular file.
func openRegular(path string, followLinks bool) (*os.File, error) {
	if !followLinks {
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
			return nil, fmt.Errorf("%s is %s, %w (jcaccess does not follow links here)", path, kindOf(fi.Mode()), ErrNotRegular)
		}
	}
	return os.Open(path)
}
