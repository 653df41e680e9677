package runtime

// The parsers of the small /proc and /sys files the pacer reads
// (crowd_linux.go). They allocate nothing: a look sits inside a step.

// maxNumber bounds the numbers they accept: far above any count of
// threads or CPUs, or any time in ns a schedstat holds, and far enough
// below the int64 limit that no digit can overflow it.
const maxNumber = 1 << 58

// number reads the decimal digits of b from i on; j is the index after
// them, and ok is false if there are none or the number exceeds
// maxNumber.
func number(b []byte, i int) (v int64, j int, ok bool) {
	for j = i; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		if v = v*10 + int64(b[j]-'0'); v > maxNumber {
			return 0, j, false
		}
	}
	return v, j, j > i
}

// runnable parses the number of runnable scheduling entities from the
// text of /proc/loadavg ("0.50 0.40 0.30 3/93 512": 3); ok is false if
// the text is not in that form.
func runnable(b []byte) (r int, ok bool) {
	i := 0
	for field := 0; field < 3; i++ {
		if i == len(b) {
			return 0, false
		}
		if b[i] == ' ' {
			field++
		}
	}
	v, j, ok := number(b, i)
	if !ok || j == len(b) || b[j] != '/' {
		return 0, false
	}
	return int(v), true
}

// cpuList counts the CPUs in a kernel CPU list ("0-3,5,7-8": 7), as in
// /sys/devices/system/cpu/online; ok is false if the text is not one.
func cpuList(b []byte) (n int, ok bool) {
	i := 0
	for i < len(b) && b[i] != '\n' {
		lo, j, ok := number(b, i)
		if !ok {
			return 0, false
		}
		hi := lo
		if j < len(b) && b[j] == '-' {
			if hi, j, ok = number(b, j+1); !ok || hi < lo {
				return 0, false
			}
		}
		if n += int(hi - lo + 1); n > 1<<20 {
			return 0, false
		}
		if i = j; i < len(b) && b[i] == ',' {
			i++
		}
	}
	return n, n > 0
}

// schedTimes parses the first two fields of a thread's schedstat ("1234
// 5678 9": 1234 ns on a CPU, 5678 ns waiting on a run queue); ok is false
// if the text is not in that form.
func schedTimes(b []byte) (run, delay int64, ok bool) {
	run, i, ok := number(b, 0)
	if !ok || i == len(b) || b[i] != ' ' {
		return 0, 0, false
	}
	if delay, _, ok = number(b, i+1); !ok {
		return 0, 0, false
	}
	return run, delay, true
}
