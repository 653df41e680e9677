package runtime

//go:noescape
func gatherAVX512s(out, src *float32, idx *int32, masks *uint16, n, period, stride, add int)

//go:noescape
func gatherAVX512d(out, src *float64, idx *int32, masks *uint16, n, period, stride, add int)

//go:noescape
func permuteAVX512s(out, src *float32, idx *int32, masks *uint16, win *int32, n, period, stride, srcLen, add int)

//go:noescape
func permuteAVX512d(out, src *float64, idx *int32, masks *uint16, win *int32, n, period, stride, srcLen, add int)

// gatherVec runs t (gather.go) with the AVX-512 kernels.
func gatherVec[T Float](out, src []T, t *gatherTable, add int) bool {
	if !useAVX512 {
		return false
	}
	if t.win != nil {
		switch o := any(out).(type) {
		case []float32:
			permuteAVX512s(&o[0], &any(src).([]float32)[0], &t.idx[0], &t.masks[0], &t.win[0], len(o), t.period, t.stride, t.srcLen, add)
		case []float64:
			permuteAVX512d(&o[0], &any(src).([]float64)[0], &t.idx[0], &t.masks[0], &t.win[0], len(o), t.period, t.stride, t.srcLen, add)
		}
		return true
	}
	switch o := any(out).(type) {
	case []float32:
		gatherAVX512s(&o[0], &any(src).([]float32)[0], &t.idx[0], &t.masks[0], len(o), t.period, t.stride, add)
	case []float64:
		gatherAVX512d(&o[0], &any(src).([]float64)[0], &t.idx[0], &t.masks[0], len(o), t.period, t.stride, add)
	}
	return true
}
