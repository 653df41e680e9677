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
// than CPUs with extra more: then every core is busy, and a team's helper
// takes CPU time from somebody, possibly its own caller (pace.go). Where
// /proc/loadavg cannot be read it reports false: the team stays
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
		// Close-on-exec: a child process (the REPL's pager) must not
		// inherit it.
		fd, err := syscall.Open("/proc/loadavg", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			fd = -1
		}
		loadavg.fd = fd
	})
	if loadavg.fd < 0 {
		return false
	}
	var buf [128]byte
	n, ok := preadRaw(loadavg.fd, buf[:])
	if !ok || n <= 0 {
		return false
	}
	r, ok := runnable(buf[:n])
	return ok && r+extra > loadavg.cpus
}

// threads serves waited, which measures how long the calling thread
// waited for a CPU while it could run, as a share of the time it wanted
// one:
// Δwait / (Δrun + Δwait), from the first two fields of a thread's
// /proc/thread-self/schedstat (ns on a CPU, ns waiting on a run queue).
// On an idle machine that share is about 0; where every core is busy, a
// share of every slice. A goroutine moves between threads (a team's
// caller blocks while it waits for a helper, and resumes on another), so
// the process keeps the files of the last few threads that called, each
// opened by its own thread (the file stays that thread's), and compares a
// thread's reading with its last one, whichever team took it: the share
// is the thread's, recently. The files are the process's, not a team's,
// so a team that is never closed holds none; a slot whose thread has
// exited is freed at its next failed read. Files are opened with raw
// system calls, close-on-exec: a step allocates nothing.
var threads struct {
	mu    sync.Mutex
	slots [8]threadClock
	next  int // the slot to reuse for a new thread
	buf   [128]byte
}

// threadClock is one thread's schedstat file and its last reading.
type threadClock struct {
	open       bool
	tid, fd    int
	run, delay int64
}

// schedstat is the path of the calling thread's schedstat, NUL-ended for
// openat (a package variable: the pointer passed stays valid).
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
func waited() (share float64, ok bool) {
	tid := syscall.Gettid()
	threads.mu.Lock()
	defer threads.mu.Unlock()
	var t *threadClock
	for i := range threads.slots {
		if s := &threads.slots[i]; s.open && s.tid == tid {
			t = s
		}
	}
	first := t == nil
	if first {
		t = &threads.slots[threads.next]
		threads.next = (threads.next + 1) % len(threads.slots)
		t.close()
		fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(&schedstat[0])), syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
		if errno != 0 {
			return 0, false
		}
		*t = threadClock{open: true, tid: tid, fd: int(fd)}
	}
	n, ok := preadRaw(t.fd, threads.buf[:])
	if !ok || n <= 0 {
		t.close() // its thread has exited, or the file is unreadable
		return 0, false
	}
	run, delay, ok := schedTimes(threads.buf[:n])
	if !ok {
		t.close()
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

// close closes the slot's file and frees the slot.
func (t *threadClock) close() {
	if t.open {
		syscall.Close(t.fd)
	}
	*t = threadClock{}
}

// preadRaw reads the start of fd into b by a raw system call, which Go's
// scheduler does not see, and reports whether it succeeded. The files
// read here (/proc/loadavg, a thread's schedstat) answer at once, and a
// quiet team reads one every lookEvery. Through syscall.Pread each read
// entered and left a system call as the scheduler sees it: a thread the
// OS descheduled inside it, as happens all the time on cores other
// processes keep busy, holds its P "in a system call" past a sysmon
// tick (from 20 µs); with no idle P (GOMAXPROCS lowered to 1, procs.go)
// sysmon then hands the P to another thread, woken for it, and the
// caller, back from the call, finds its P gone and its goroutine moves
// to that thread: the wakeups the governor lowers GOMAXPROCS to avoid,
// every few milliseconds of a quiet team's run. Under two busy loops a
// moons run by default switched context 510 times against 471 at
// -threads 1; with raw reads 403 against 444 (bench/README.md,
// twenty-first session).
func preadRaw(fd int, b []byte) (int, bool) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	return int(n), errno == 0
}
