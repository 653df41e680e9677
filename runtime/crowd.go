package runtime

// runnable parses the number of runnable scheduling entities from the
// text of /proc/loadavg ("0.50 0.40 0.30 3/93 512": 3); ok is false if
// the text is not in that form.
func runnable(b []byte) (r int, ok bool) {
	field := 0
	for i := 0; i < len(b); i++ {
		if b[i] == ' ' {
			field++
			continue
		}
		if field < 3 {
			continue
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if r > 1<<20 {
				return 0, false
			}
			r = r*10 + int(b[i]-'0')
			ok = true
		}
		if !ok || i == len(b) || b[i] != '/' {
			return 0, false
		}
		return r, true
	}
	return 0, false
}

// cpuList counts the CPUs in a kernel CPU list ("0-3,5,7-8": 7), as in
// /sys/devices/system/cpu/online; ok is false if the text is not one.
func cpuList(b []byte) (n int, ok bool) {
	num := func(i int) (v, j int, ok bool) {
		for j = i; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
			if v > 1<<20 {
				return 0, j, false
			}
			v = v*10 + int(b[j]-'0')
		}
		return v, j, j > i
	}
	i := 0
	for i < len(b) && b[i] != '\n' {
		lo, j, ok := num(i)
		if !ok {
			return 0, false
		}
		hi := lo
		if j < len(b) && b[j] == '-' {
			if hi, j, ok = num(j + 1); !ok || hi < lo {
				return 0, false
			}
		}
		n += hi - lo + 1
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
	num := func(i int) (v int64, j int, ok bool) {
		for j = i; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
			if v > 1<<58 { // the next digit could overflow
				return 0, j, false
			}
			v = v*10 + int64(b[j]-'0')
		}
		return v, j, j > i
	}
	run, i, ok := num(0)
	if !ok || i == len(b) || b[i] != ' ' {
		return 0, 0, false
	}
	delay, _, ok = num(i + 1)
	if !ok {
		return 0, 0, false
	}
	return run, delay, true
}
