package runtime

// SetMapParts sets the bounds mapParts applies to Mappers planned after
// it and returns a function that restores them.
func SetMapParts(bytes, rows, max, sweeps int) (restore func()) {
	b, r, m, s := partBytes, partRows, maxParts, minSweeps
	partBytes, partRows, maxParts, minSweeps = bytes, rows, max, sweeps
	return func() { partBytes, partRows, maxParts, minSweeps = b, r, m, s }
}

// DrawBatchForBench draws the next minibatch into the shards, as Step
// does first, the shards' copies (which their tasks make side by side)
// one after the other (BenchmarkDrawNoiseDigits).
func (t *Trainer) DrawBatchForBench() {
	t.drawBatch()
	if t.drawn {
		for j := range t.shards {
			t.copyRows(j)
		}
	}
}
