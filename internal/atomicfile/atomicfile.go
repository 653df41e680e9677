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
func Write(path string, write func(io.Writer) error) (err error) {
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
	if err = write(bw); err != nil {
		return w.cause(err)
	}
	if err = bw.Flush(); err != nil {
		return w.cause(err)
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
