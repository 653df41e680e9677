package runtime

//go:noescape
func adamAVX512(p, m, v, gr *float64, n int, k *[8]float64)

//go:noescape
func adamAVX512f32(p, m, v, gr *float32, n int, k *[8]float32)

// adamVec runs the Adam update on all the elements with AVX-512 where
// the machine has it (the last partial vector under a lane mask), and
// returns how many it did: all, or none.
func adamVec[T Float](p, m, v, g []T, k *[8]T) int {
	n := len(p)
	if !useAVX512 || n == 0 {
		return 0
	}
	switch p := any(p).(type) {
	case []float64:
		adamAVX512(&p[0], &any(m).([]float64)[:n][0], &any(v).([]float64)[:n][0], &any(g).([]float64)[:n][0], n, any(k).(*[8]float64))
	case []float32:
		adamAVX512f32(&p[0], &any(m).([]float32)[:n][0], &any(v).([]float32)[:n][0], &any(g).([]float32)[:n][0], n, any(k).(*[8]float32))
	}
	return n
}

//go:noescape
func squaresAVX512(sums *[8]float64, x *float64, n, lane int)

//go:noescape
func squaresAVX512f32(sums *[8]float64, x *float32, n, lane int)

// squaresVec adds the square of each x[j] to sums[(at+j) mod 8] with
// AVX-512 where the machine has it, and returns how many it did: all, or
// none. at is x[0]'s place, not negative.
func squaresVec[T Float](sums *[8]float64, x []T, at int) int {
	n := len(x)
	if !useAVX512 || n == 0 {
		return 0
	}
	switch x := any(x).(type) {
	case []float64:
		squaresAVX512(sums, &x[0], n, at&7)
	case []float32:
		squaresAVX512f32(sums, &x[0], n, at&7)
	}
	return n
}

//go:noescape
func squaresRowsAVX512(sums *[32]float64, x *float64, rows, cols, ld int)

//go:noescape
func squaresRowsAVX512f32(sums *[32]float64, x *float32, rows, cols, ld int)

// squaresRows adds the squares of rows×cols elements of x, rows ld
// apart, to sums (element j of a row to sums[j mod 32]) with AVX-512
// where the machine has it, and reports whether it did. rows and cols
// are positive and x holds (rows−1)·ld + cols elements.
func squaresRows[T Float](sums *[32]float64, x []T, rows, cols, ld int) bool {
	if !useAVX512 || len(x) < (rows-1)*ld+cols {
		return false
	}
	switch x := any(x).(type) {
	case []float64:
		squaresRowsAVX512(sums, &x[0], rows, cols, ld)
	case []float32:
		squaresRowsAVX512f32(sums, &x[0], rows, cols, ld)
	}
	return true
}

//go:noescape
func adamRunsAVX512(p, m, v, g0, g1, cp *float64, runs *int32, n int, k *[10]float64, mode int)

//go:noescape
func adamRunsAVX512f32(p, m, v, g0, g1, cp *float32, runs *int32, n int, k *[10]float32, mode int)

// adamRunsVec runs Adam on the runs of one parameter tensor with the
// runs kernel where the machine has AVX-512 and reports whether it did:
// p, g0, g1 and cp start at the tensor's first element (g1 and cp may be
// nil), m and v at the moments' first; runs holds triples (first element,
// length, first moment) that lie inside them (checked when planned:
// optState.planRuns); k is adamBlock's constants, then the shards'
// weights w0 and w1; mode says how the gradient is combined (0: g0 as it
// is; 1: w0·g0; 2: w0·g0 + w1·g1).
func adamRunsVec[T Float](p, m, v, g0, g1, cp []T, runs []int32, k *[10]T, mode int) bool {
	if !useAVX512 {
		return false
	}
	if len(runs) == 0 {
		return true
	}
	switch k := any(k).(type) {
	case *[10]float64:
		c := func(x []T) *float64 { return any(first(x)).(*float64) }
		adamRunsAVX512(c(p), c(m), c(v), c(g0), c(g1), c(cp), &runs[0], len(runs)/3, k, mode)
	case *[10]float32:
		c := func(x []T) *float32 { return any(first(x)).(*float32) }
		adamRunsAVX512f32(c(p), c(m), c(v), c(g0), c(g1), c(cp), &runs[0], len(runs)/3, k, mode)
	}
	return true
}

// first is &x[0], or nil for an empty x.
func first[T Float](x []T) *T {
	if len(x) == 0 {
		return nil
	}
	return &x[0]
}

//go:noescape
func normRuns1f32(sums *[8]float64, g0, g1 *float32, runs *int32, n int, w *[2]float32, off int)

//go:noescape
func normRuns2f32(sums *[8]float64, g0, g1 *float32, runs *int32, n int, w *[2]float32, off int)

//go:noescape
func normRuns1f64(sums *[8]float64, g0, g1 *float64, runs *int32, n int, w *[2]float64, off int)

//go:noescape
func normRuns2f64(sums *[8]float64, g0, g1 *float64, runs *int32, n int, w *[2]float64, off int)

// normRunsVec adds the squares of the combined gradient over a segment's
// runs (triples, as the runs kernel's) to sums with AVX-512 where the
// machine has it, and reports whether it did: g1 is nil in mode 1 (one
// gradient, times w[0]), shard 1's gradient in mode 2; off is the
// parameter's place in params.Data, whose elements' places choose the
// lanes.
func normRunsVec[T Float](sums *[8]float64, g0, g1 []T, runs []int32, w *[2]T, mode, off int) bool {
	if !useAVX512 {
		return false
	}
	if len(runs) == 0 {
		return true // a segment outside the parameter's live runs
	}
	n := len(runs) / 3 // inside the gradients: planRuns checked each run against the parameter
	switch g := any(g0).(type) {
	case []float64:
		if w := any(w).(*[2]float64); mode == 2 {
			normRuns2f64(sums, &g[0], &any(g1).([]float64)[0], &runs[0], n, w, off)
		} else {
			normRuns1f64(sums, &g[0], &g[0], &runs[0], n, w, off)
		}
	case []float32:
		if w := any(w).(*[2]float32); mode == 2 {
			normRuns2f32(sums, &g[0], &any(g1).([]float32)[0], &runs[0], n, w, off)
		} else {
			normRuns1f32(sums, &g[0], &g[0], &runs[0], n, w, off)
		}
	}
	return true
}
