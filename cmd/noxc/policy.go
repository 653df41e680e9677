package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
)

// policyFlags bound what a program may do: which files it touches
// (-sandbox, -outdir, for run, check and repl) and how much memory it may
// ask for (-max-memory, also for sample and eval).
type policyFlags struct {
	sandbox   bool
	outDir    string
	maxMemory int64 // bytes; 0: the default (the memory available)
}

// defineMemory adds -max-memory to fs (run, check, repl, sample, eval).
func (p *policyFlags) defineMemory(fs *flag.FlagSet) {
	fs.Func("max-memory", "refuse statements estimated to need more than SIZE bytes (512MB, 4GiB, 2G)", func(v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		p.maxMemory = n
		return nil
	})
}

// defineFiles adds -sandbox and -outdir to fs (run, check, repl).
func (p *policyFlags) defineFiles(fs *flag.FlagSet) {
	fs.BoolVar(&p.sandbox, "sandbox", false, "read only below the program's directory, write only below -outdir")
	fs.StringVar(&p.outDir, "outdir", "", "write the program's outputs below DIR (default: the program's directory)")
}

// apply sets o from the flags and Go's soft memory limit from -max-memory,
// so that the garbage collector works hard before the system runs out.
// An -outdir that is not a directory is an error.
func (p *policyFlags) apply(o *nox.CompileOptions) error {
	if p.outDir != "" {
		st, err := os.Stat(p.outDir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("-outdir %s does not exist", p.outDir)
		case err != nil:
			return fmt.Errorf("-outdir: %v", err)
		case !st.IsDir():
			return fmt.Errorf("-outdir %s is not a directory", p.outDir)
		}
	}
	o.Sandbox, o.OutDir = p.sandbox, p.outDir
	o.Limits.MaxMemory = p.maxMemory
	p.setMemoryLimit()
	return nil
}

// setMemoryLimit sets Go's soft memory limit to -max-memory, if given.
func (p *policyFlags) setMemoryLimit() {
	if p.maxMemory > 0 {
		debug.SetMemoryLimit(p.maxMemory)
	}
}

// readData reads the data file at path within -max-memory (default: the
// memory available), refusing a file estimated to need more before it is
// read, as noxc run's checker refuses such a csv(...): a CSV
// file, or a .npy file, which is streamed (its rows read on demand, see
// dataset.StreamBytes) when its values are too large to load.
func (p *policyFlags) readData(path string) (*dataset.Table, error) {
	limit := nox.CompileOptions{}.Limits
	limit.MaxMemory = p.maxMemory
	max := limit.WithDefaults().MaxMemory
	if dataset.IsNPY(path) {
		return dataset.ReadFileWithin(path, max)
	}
	if err := dataset.Within(path, max); err != nil {
		return nil, err
	}
	return readCSV(path)
}

// sizeUnits are the units of parseSize: SI prefixes are powers of 1000,
// binary ones (KiB) and bare letters (4G, as in docker and ulimit)
// powers of 1024.
var sizeUnits = []struct {
	suffix string
	scale  float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// parseSize reads a size in bytes: a number and an optional unit, 512MB,
// 4GiB, 2G, 1.5GB or 1000000.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	scale := 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, scale = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "xXpP_eEnN") || v <= 0 || v*scale >= math.MaxInt64 {
		return 0, fmt.Errorf("want a size in bytes such as 512MB, 4GiB or 2G, got %q", s)
	}
	n := int64(v * scale)
	if n < 1<<20 {
		return 0, fmt.Errorf("%q is less than 1 MiB; nox needs more than that to run", s)
	}
	return n, nil
}
