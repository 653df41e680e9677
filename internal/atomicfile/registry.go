package atomicfile

import (
	"os"
	"sync"
	"sync/atomic"
)

// reg holds the writes in progress, so that a signal handler can stop
// them and remove their temporary files.
var reg struct {
	sync.Mutex
	writes map[*write]bool
	closed bool // Cleanup ran: no write may start or finish
}

// write is one Write in progress: its temporary file, written through
// Write below, which fails once the write is abandoned.
type write struct {
	f         *os.File
	abandoned atomic.Bool
	removed   bool  // the temporary file is gone (under reg's lock)
	size      int64 // the bytes written
}

// create creates a temporary file in dir and records the write to it,
// both under the lock: a temporary file exists only while its write is
// registered, so Cleanup cannot miss one created as it runs.
func create(dir, pattern string) (*write, error) {
	reg.Lock()
	defer reg.Unlock()
	if reg.closed {
		return nil, ErrAbandoned
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if reg.writes == nil {
		reg.writes = map[*write]bool{}
	}
	w := &write{f: f}
	reg.writes[w] = true
	return w, nil
}

// Write writes to the temporary file, unless the write was abandoned.
func (w *write) Write(p []byte) (int, error) {
	if w.abandoned.Load() {
		return 0, ErrAbandoned
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

// cause is the error to report for err: ErrAbandoned if the write was
// abandoned (err is then what abandoning it caused).
func (w *write) cause(err error) error {
	if w.abandoned.Load() {
		return ErrAbandoned
	}
	return err
}

// rename moves the finished temporary file to path, unless the write was
// abandoned: under the lock, so that no file appears after Cleanup.
func (w *write) rename(path string) error {
	reg.Lock()
	defer reg.Unlock()
	if w.abandoned.Load() || reg.closed {
		return ErrAbandoned
	}
	if err := renameFile(w.f.Name(), path); err != nil {
		return err
	}
	w.removed = true // renamed: nothing to remove
	return nil
}

// remove removes the temporary file, once.
func (w *write) remove() {
	reg.Lock()
	defer reg.Unlock()
	w.removeLocked()
}

// removeLocked closes the temporary file before removing it: Windows
// cannot remove a file that is open (Go opens files without
// FILE_SHARE_DELETE), and Cleanup may come while its write is running;
// the write then fails on the closed file, as abandoned.
func (w *write) removeLocked() {
	if !w.removed {
		w.f.Close()
		os.Remove(w.f.Name())
		w.removed = true
	}
}

// unregister forgets a finished write.
func (w *write) unregister() {
	reg.Lock()
	defer reg.Unlock()
	delete(reg.writes, w)
}

// InProgress is the number of writes in progress.
func InProgress() int {
	reg.Lock()
	defer reg.Unlock()
	return len(reg.writes)
}

// Abandon stops the writes in progress: each fails with ErrAbandoned at
// its next write to the file, removing its temporary file and leaving
// its target untouched. It returns how many it stopped. Writes started
// later are not affected (an interactive session goes on).
func Abandon() int {
	reg.Lock()
	defer reg.Unlock()
	for w := range reg.writes {
		w.abandoned.Store(true)
	}
	return len(reg.writes)
}

// Cleanup removes the temporary files of the writes in progress and
// makes every write, running or to come, fail: for a process about to
// exit on a signal, which must leave behind neither a temporary file nor
// a file renamed into place after it. It returns the names it removed.
func Cleanup() []string {
	reg.Lock()
	defer reg.Unlock()
	reg.closed = true
	var names []string
	for w := range reg.writes {
		w.abandoned.Store(true)
		if !w.removed {
			names = append(names, w.f.Name())
		}
		w.removeLocked()
	}
	return names
}
