//go:build !unix

package model

import "io/fs"

// writableByOthers is unknown on Windows, whose folders are guarded by ACLs
// the mode bits do not show; the default folder under the profile is private.
func writableByOthers(fs.FileInfo) string { return "" }
