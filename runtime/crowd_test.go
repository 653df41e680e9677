package runtime

import "testing"

func TestRunnable(t *testing.T) {
	tests := []struct {
		in string
		r  int
		ok bool
	}{
		{"0.72 1.29 1.76 1/85 15114\n", 1, true},
		{"3.29 2.69 2.38 3/93 512", 3, true},
		{"10.00 9.00 8.00 117/2048 99999\n", 117, true},
		{"0.72 1.29 1.76", 0, false},
		{"0.72 1.29 1.76 x/85 1", 0, false},
		{"0.72 1.29 1.76 12", 0, false},
		{"", 0, false},
		{"0.72 1.29 1.76 99999999999999999999/1 1", 0, false},
		{"0.72 1.29 1.76 9300000000000000000/1 1", 0, false},
	}
	for _, tt := range tests {
		r, ok := runnable([]byte(tt.in))
		if r != tt.r || ok != tt.ok {
			t.Errorf("runnable(%q) = %d, %v; want %d, %v", tt.in, r, ok, tt.r, tt.ok)
		}
	}
}

// TestCrowdedAllocs checks that looking at the run queue allocates
// nothing: a Trainer does it inside its steps.
func TestCrowdedAllocs(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's bookkeeping allocates")
	}
	crowded(0)
	if a := testing.AllocsPerRun(100, func() { crowded(0) }); a != 0 {
		t.Fatalf("crowded allocates %v times a call", a)
	}
}

func TestCPUList(t *testing.T) {
	tests := []struct {
		in string
		n  int
		ok bool
	}{
		{"0-1\n", 2, true},
		{"0", 1, true},
		{"0-3,5,7-8\n", 7, true},
		{"0-63", 64, true},
		{"", 0, false},
		{"3-1", 0, false},
		{"0-", 0, false},
		{"a", 0, false},
		{"0,,1", 0, false},
	}
	for _, tt := range tests {
		n, ok := cpuList([]byte(tt.in))
		if n != tt.n || ok != tt.ok {
			t.Errorf("cpuList(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

func TestSchedTimes(t *testing.T) {
	tests := []struct {
		in         string
		run, delay int64
		ok         bool
	}{
		{"2139235 386469 1\n", 2139235, 386469, true},
		{"0 0 0", 0, 0, true},
		{"12", 0, 0, false},
		{"12 ", 0, 0, false},
		{" 12 3", 0, 0, false},
		{"", 0, 0, false},
		{"1 99999999999999999999999 1", 0, 0, false},
		{"9300000000000000000 1 1", 0, 0, false},
	}
	for _, tt := range tests {
		run, delay, ok := schedTimes([]byte(tt.in))
		if run != tt.run || delay != tt.delay || ok != tt.ok {
			t.Errorf("schedTimes(%q) = %d, %d, %v; want %d, %d, %v", tt.in, run, delay, ok, tt.run, tt.delay, tt.ok)
		}
	}
}
