//go:build unix

package model

import "io/fs"

// writableByOthers names who besides the owner may write to a folder.
func writableByOthers(fi fs.FileInfo) string {
	switch p := fi.Mode().Perm(); {
	case p&0o022 == 0o022:
		return "its group and everyone else"
	case p&0o002 != 0:
		return "everyone else"
	case p&0o020 != 0:
		return "its group"
	}
	return ""
}
