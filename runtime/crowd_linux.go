package runtime

import (
	"os"
	goruntime "runtime"
	"sync"
	"syscall"
	"unsafe"
)

// loadavg is /proc/loadavg, opened once: its fourth field, "r/t", counts
// the scheduling entities runnable now (r), the caller included.
var loadavg struct {
	once sync.Once
	fd   int // -1: not readable
	cpus int // the machine's online CPUs
}

// crowded reports whether the machine would have more runnable threads
// than cores with extra more: then every core is busy, and a team's
// helper takes CPU time from somebody, possibly its own caller (pace.go).
// Where /proc/loadavg cannot be read it reports false: the team stays
// parallel, as it was before it could tell. It costs one pread of a small
// file (a few µs).
func crowded(extra int) bool {
	loadavg.once.Do(func() {
		// The run queue is the whole machine's, so it is compared with
		// the whole machine's CPUs, not those this process may use
		// (NumCPU): in a container confined to a few CPUs of a busy
		// host, a crowded host would otherwise make every team quiet.
		loadavg.cpus = goruntime.NumCPU()
		if b, err := os.ReadFile("/sys/devices/system/cpu/online"); err == nil {
			if n, ok := cpuList(b); ok {
				loadavg.cpus = max(n, loadavg.cpus)
			}
		}
		loadavg.fd = -1
		if f, err := os.Open("/proc/loadavg"); err == nil {
			fd, err := syscall.Dup(int(f.Fd()))
			if err == nil {
				loadavg.fd = fd
			}
			f.Close()
		}
	})
	if loadavg.fd < 0 {
		return false
	}
	var buf [128]byte
	n, err := syscall.Pread(loadavg.fd, buf[:], 0)
	if err != nil || n <= 0 {
		return false
	}
	r, ok := runnable(buf[:n])
	return ok && r+extra > loadavg.cpus
}

// delayClock measures how long the calling goroutine's threads waited for
// a CPU while they could run, as a share of the time they wanted one:
// Δwait / (Δrun + Δwait), from the first two fields of a thread's
// /proc/thread-self/schedstat (ns on a CPU, ns waiting on a run queue).
// On an idle machine that share is about 0; where every core is busy, a
// share of every slice. A goroutine moves between threads (the caller
// blocks while it waits for a helper, and resumes on another), so the
// clock keeps the files of the last few threads it was called on, each
// opened by its own thread (the file stays that thread's), and compares a
// thread's reading with its own last one. It opens them with raw system
// calls: a step allocates nothing.
type delayClock struct {
	threads [4]threadClock
	next    int // the slot to reuse for a new thread
	buf     [128]byte
}

// threadClock is one thread's schedstat file and its last reading.
type threadClock struct {
	tid, fd    int // fd 0: not open
	run, delay int64
}

// schedstat is the path of the calling thread's schedstat, NUL-ended
// for openat.
var schedstat = []byte("/proc/thread-self/schedstat\x00")

// atFDCWD is AT_FDCWD (-100): openat's path is relative to the working
// directory (this one is absolute).
const atFDCWD = ^uintptr(99)

// minWanted is the least time a thread must have wanted a CPU since its
// last reading for the share to mean anything.
const minWanted = 200_000 // ns

// waited returns the share of the time the calling thread wanted a CPU
// since its last reading that it spent waiting for one; ok is false on a
// thread's first reading, after too little time, or where schedstat
// cannot be read.
func (c *delayClock) waited() (share float64, ok bool) {
	tid := syscall.Gettid()
	var t *threadClock
	for i := range c.threads {
		if c.threads[i].tid == tid && c.threads[i].fd > 0 {
			t = &c.threads[i]
		}
	}
	first := t == nil
	if first {
		t = &c.threads[c.next]
		c.next = (c.next + 1) % len(c.threads)
		t.close()
		fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(&schedstat[0])), syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
		if errno != 0 {
			return 0, false
		}
		t.tid, t.fd = tid, int(fd)
	}
	n, err := syscall.Pread(t.fd, c.buf[:], 0)
	if err != nil || n <= 0 {
		return 0, false
	}
	run, delay, ok := schedTimes(c.buf[:n])
	if !ok {
		return 0, false
	}
	dr, dd := run-t.run, delay-t.delay
	if first || dr < 0 || dd < 0 {
		t.run, t.delay = run, delay
		return 0, false
	}
	if dr+dd < minWanted {
		return 0, false // too soon: keep the last reading
	}
	t.run, t.delay = run, delay
	return float64(dd) / float64(dr+dd), true
}

// close closes every thread's schedstat file.
func (c *delayClock) close() {
	for i := range c.threads {
		c.threads[i].close()
	}
}

func (t *threadClock) close() {
	if t.fd > 0 {
		syscall.Close(t.fd)
	}
	*t = threadClock{}
}
