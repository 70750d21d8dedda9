package model

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// ErrNotRegular means a path names a FIFO, a device, a folder or (where
// links are refused) a symbolic link: reading it could block for ever or
// never end, so it is refused unread.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge means a file is over the size its reader allows.
var ErrTooLarge = errors.New("too large")

// readChunk bounds how long a read goes without looking at the context.
const readChunk = 64 << 10

// ReadRegularFile reads at most max bytes of path, which must be a regular
// file (a link to one is fine). It stops when ctx ends. A file over max is
// ErrTooLarge, a FIFO, device or folder ErrNotRegular; the path is opened
// without blocking, so a FIFO without a writer cannot hang it.
func ReadRegularFile(ctx context.Context, path string, max int64) ([]byte, error) {
	return readRegular(ctx, path, max, true)
}

func readRegular(ctx context.Context, path string, max int64, followLinks bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fh, err := openRegular(path, followLinks)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	// The open file, not the path, is checked: the path may have been
	// swapped between a look and the open.
	fi, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, %w", path, kindOf(fi.Mode()), ErrNotRegular)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, over the %d allowed: %w", path, fi.Size(), max, ErrTooLarge)
	}
	// The size can grow while we read: the limit holds whatever Stat said.
	data, err := ReadCapped(ctx, fh, max)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%s grew over the %d bytes allowed: %w", path, max, ErrTooLarge)
	}
	return data, err
}

// ReadCapped reads r to its end, but never more than max bytes: a longer
// stream is ErrTooLarge (reading stops just past max). It reads in chunks
// and stops with ctx's error when ctx ends, so a trickling source (a
// FIFO, a slow server) cannot hold it, and a body cut short by a deadline
// is never taken for a whole one.
func ReadCapped(ctx context.Context, r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	lr := io.LimitReader(r, max+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_, err := io.CopyN(&buf, lr, readChunk)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	default:
		return "a special file"
	}
}
