package compiler

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// Limits bound what a program may ask of the machine. The checker
// computes each flow's cost from static shapes (stages after repeat and
// def expansion, parameters, each statement's memory) and refuses,
// positioned and naming the estimate, whatever exceeds a limit: before
// anything large is allocated, so that no file can crash the process
// that checks or runs it. A zero field takes its default.
type Limits struct {
	// MaxStages bounds a flow's stages after expansion (default 10⁵: the
	// largest published flows have a few hundred; a refused program's
	// check stays well under a second).
	MaxStages int
	// MaxParams bounds a flow's parameters, trained and fixed (default
	// 10⁸: 800 MB of float64, before the optimizer's state).
	MaxParams int64
	// MaxMemory bounds the memory a statement is estimated to need, in
	// bytes (default: the memory the machine has available when the
	// program is checked, or 16 GiB where that cannot be read).
	MaxMemory int64
}

// Default limits.
const (
	DefaultMaxStages = 100_000
	DefaultMaxParams = 100_000_000
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxStages <= 0 {
		l.MaxStages = DefaultMaxStages
	}
	if l.MaxParams <= 0 {
		l.MaxParams = DefaultMaxParams
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = AvailableMemory()
	}
	return l
}

// AvailableMemory is the memory the machine can give a new allocation
// now: MemAvailable of /proc/meminfo, or less where the process runs in
// a cgroup (a container) whose memory.max leaves less; 16 GiB where
// neither can be read. An rlimit on address space (ulimit -v) is not
// counted: Go reserves far more address space than it uses.
func AvailableMemory() int64 {
	const fallback = 16 << 30
	avail := int64(-1)
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := bytes.Fields(sc.Bytes())
			if len(f) >= 2 && string(f[0]) == "MemAvailable:" {
				if kb, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil && kb > 0 {
					avail = kb << 10
				}
			}
		}
	}
	if limit, ok := readInt("/sys/fs/cgroup/memory.max"); ok {
		used, _ := readInt("/sys/fs/cgroup/memory.current")
		if left := limit - used; avail < 0 || left < avail {
			avail = max(left, 1)
		}
	}
	if avail < 0 {
		return fallback
	}
	return avail
}

// readInt reads a file holding one integer ("max" and errors: false).
func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	return n, err == nil && n > 0
}
