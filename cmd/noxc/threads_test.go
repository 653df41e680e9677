package main

import (
	"bytes"
	"encoding/json"
	goruntime "runtime"
	"strings"
	"testing"
)

// TestThreads: noxc run -threads N (and NOX_THREADS) set GOMAXPROCS, and
// the results are bit-identical whatever N (issue 24).
func TestThreads(t *testing.T) {
	prev := goruntime.GOMAXPROCS(0)
	t.Cleanup(func() { goruntime.GOMAXPROCS(prev) })
	moons := example(t)
	nlls := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := mainErr(append([]string{"run", moons, "-json", "-steps", "20"}, args...), nil, &stdout, &stderr); code != 0 {
			t.Fatalf("run %v: exit %d\n%s", args, code, stderr.String())
		}
		var out []string
		for line := range strings.Lines(stdout.String()) {
			var ev map[string]json.RawMessage // the numbers as printed
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
			if string(ev["statement"]) != `"train"` {
				continue
			}
			for _, k := range []string{"train_nll", "val_nll", "test_nll"} {
				if len(ev[k]) == 0 {
					t.Fatalf("run %v: no %s in %s", args, k, line)
				}
				out = append(out, k+"="+string(ev[k]))
			}
		}
		if len(out) == 0 {
			t.Fatalf("run %v: no train event in\n%s", args, stdout.String())
		}
		return strings.Join(out, " ")
	}
	one := nlls("-threads", "1")
	if got := goruntime.GOMAXPROCS(0); got != 1 {
		t.Errorf("-threads 1: GOMAXPROCS is %d", got)
	}
	two := nlls("-threads", "2")
	if got := goruntime.GOMAXPROCS(0); got != 2 {
		t.Errorf("-threads 2: GOMAXPROCS is %d", got)
	}
	if one != two {
		t.Errorf("-threads 1 and 2 differ:\n%s\n%s", one, two)
	}
	t.Setenv("NOX_THREADS", "1")
	if env := nlls(); env != one || goruntime.GOMAXPROCS(0) != 1 {
		t.Errorf("NOX_THREADS=1: %s, GOMAXPROCS %d", env, goruntime.GOMAXPROCS(0))
	}

	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"-threads", "0"}, `invalid value "0" for flag -threads: want a whole number from 1 to 65536`},
		{"", []string{"-threads", "-3"}, `invalid value "-3" for flag -threads`},
		{"", []string{"-threads", "two"}, `invalid value "two" for flag -threads`},
		{"many", nil, `NOX_THREADS must be a whole number from 1 to 65536, got "many"`},
		{"0", nil, `NOX_THREADS must be a whole number from 1 to 65536, got "0"`},
	} {
		t.Setenv("NOX_THREADS", c.env)
		var stdout, stderr bytes.Buffer
		code := mainErr(append([]string{"run", moons}, c.args...), nil, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("NOX_THREADS=%q run %v: exit %d, stderr %q; want 2 and %q", c.env, c.args, code, stderr.String(), c.want)
		}
	}
}

// TestEnvProcs: a GOMAXPROCS that Go takes (a positive number) is the
// user's count, which the runtime restores by value after lowering it;
// one Go ignores leaves Go's default, which follows the CPU limit.
func TestEnvProcs(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "-2": false, "two": false, "3": true, "1": true} {
		if got := envProcs(func(string) string { return v }); got != want {
			t.Errorf("GOMAXPROCS=%q: %v, want %v", v, got, want)
		}
	}
}
