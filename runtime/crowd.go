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
			r = r*10 + int(b[i]-'0')
			ok = true
			if r > 1<<20 {
				return 0, false
			}
		}
		if !ok || i == len(b) || b[i] != '/' {
			return 0, false
		}
		return r, true
	}
	return 0, false
}
