package runtime

// Dequantization noise (Trainer.SetNoise) is drawn from a counter-based
// stream: the noise of column j of row b of a step's batch is a pure
// function of the trainer's noise key and its position in the stream,
// at + b·dim + j, where at counts the values of the batches before.
//
// Why not the trainer's rng, which draws the rows: a stream of state
// must be drawn in order, so the noise of a digits batch (256 rows of 64
// columns) was drawn on the calling goroutine, value by value between
// the row picks, 66–69 µs of a step that the shards' tasks could not
// share (BenchmarkDrawNoiseDigits). A counter-based stream lets each
// shard's task add its own rows' noise as it copies them (work), on its
// own core, and the values still depend only on the key and the
// positions: not on the number of cores, the shards' sizes or which
// member copies a row.
//
// The stream is SplitMix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014): its n-th value is
// mix(key + (n+1)·γ), so any position is reached at once. Its outputs
// pass BigCrush, and a row of noise needs nothing stronger: the values
// only blur data recorded on a grid.

// splitGamma is SplitMix64's increment, the odd integer nearest 2⁶⁴/φ.
const splitGamma = 0x9e3779b97f4a7c15

// splitMix returns value n of the SplitMix64 stream seeded with key.
func splitMix(key, n uint64) uint64 {
	z := key + (n+1)*splitGamma
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// uniformAt returns value n of the stream seeded with key as a float64
// in [0, 1), as math/rand/v2's Float64 makes one of a Uint64: its top 53
// bits.
func uniformAt(key, n uint64) float64 {
	return float64(splitMix(key, n)>>11) / (1 << 53)
}

// addNoise adds to row, a training row of t.dim columns, the noise of
// the stream's positions at, at+1, …: uniform in ±width[j] for column j.
// Columns of width 0 get none, but keep their positions, so that a
// row's noise does not depend on which of its columns are noised.
func (t *Trainer) addNoise(row []float64, at uint64) {
	for j, w := range t.noise {
		if w > 0 {
			row[j] += w * (2*uniformAt(t.noiseKey, at+uint64(j)) - 1)
		}
	}
}

// noisyRow returns data row r with the noise of batch row b of the batch
// whose noise starts at position at, in buf.
func (t *Trainer) noisyRow(buf []float64, r, b int, at uint64) []float64 {
	d := t.dim
	copy(buf, t.data[r*d:(r+1)*d])
	t.addNoise(buf, at+uint64(b*d))
	return buf
}
