package runtime

import (
	"os"
	goruntime "runtime"
	"sync"
	"syscall"
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
