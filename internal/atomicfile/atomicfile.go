// Package atomicfile replaces files whole: the new contents go to a
// temporary file beside the target, are synced, and are renamed over it,
// and the directory is synced, so a reader or a crash sees the old file
// or the new one, never part of either. Every file nox writes (models,
// samples, log-likelihoods, pictures, formatted sources) goes through it.
//
// The temporary files of writes in progress are registered, so that a
// process stopped by a signal can remove them (Cleanup) instead of
// leaving them behind: a killed sample of a large model used to leave
// gigabytes of ".name.NNN.tmp" files.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrAbandoned is the error of a write that Abandon or Cleanup stopped.
var ErrAbandoned = errors.New("write interrupted: abandoned, the file is unchanged")

// Write calls write with a buffered writer on a temporary file beside path
// and, if it and the sync succeed, renames the file to path and syncs the
// directory. The file keeps the permissions of the one it replaces (0644
// for a new one). A path that is a symbolic link is written through: the
// file it leads to is replaced and the link kept. On any error, and when
// the write is abandoned (Abandon, Cleanup), the temporary file is
// removed and path is untouched.
func Write(path string, write func(io.Writer) error) error {
	return WritePatched(path, func(w io.Writer) ([]byte, error) { return nil, write(w) })
}

// WritePatched is Write for a file whose first bytes are known only once
// the rest is written (a header that counts what follows): write writes
// the whole file, its first bytes as placeholders, and returns the bytes
// that replace them (nil: none), which must be no longer than what it
// wrote. So a file is written in one pass, without knowing its contents'
// size beforehand or holding them.
func WritePatched(path string, write func(io.Writer) (head []byte, err error)) (err error) {
	path = target(path)
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	w, err := create(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	f := w.f
	defer func() {
		if err != nil {
			f.Close()
			w.remove()
		}
		w.unregister()
	}()
	bw := bufio.NewWriter(w)
	head, err := write(bw)
	if err != nil {
		return w.cause(err)
	}
	if err = bw.Flush(); err != nil {
		return w.cause(err)
	}
	if head != nil {
		if w.abandoned.Load() {
			return ErrAbandoned
		}
		if int64(len(head)) > w.size {
			return w.cause(fmt.Errorf("a patch of %d bytes over a file of %d", len(head), w.size))
		}
		if _, err = f.WriteAt(head, 0); err != nil {
			return w.cause(err)
		}
	}
	if err = f.Chmod(mode); err != nil {
		return w.cause(err)
	}
	if err = f.Sync(); err != nil {
		return w.cause(err)
	}
	if err = f.Close(); err != nil {
		return w.cause(err)
	}
	if err = w.rename(path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// target is the file a write to path replaces: the end of its chain of
// symbolic links, if path is one that leads to an existing file; path
// itself otherwise (a dangling link is replaced, not followed, so a
// write never creates a file somewhere a link merely names).
func target(path string) string {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		return path
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}
