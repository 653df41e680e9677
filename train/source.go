package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
)

// Training on a data set too large for memory (a streamed .npy file,
// dataset.StreamBytes). The split is drawn as for rows in memory —
// rng.Perm up to PermBound rows, so that a streamed file splits exactly
// as the same rows loaded, a keyed Feistel permutation above — but is
// kept as an order, not as copies of the rows. Then:
//
//   - if all the rows fit in PoolBytes, one sequential pass over the
//     file gathers the three parts in the order of the permutation, and
//     training is exactly that of the same rows in memory (Likelihood);
//   - else the validation and test rows are read (at most HeldBytes of
//     them), the standardization's statistics are computed in one
//     sequential pass over the file (per-chunk means and sums of squares
//     merged by Chan's formula, the held-out rows' contribution then
//     taken out), and minibatches are drawn from a pool: a resident
//     sample of PoolBytes of training rows, filled from blocks of
//     poolBlock consecutive rows at random places. Before every step
//     poolBlock training rows replace the pool's oldest (a ring), taken
//     in order from a stage of stageBytes of consecutive rows read at a
//     random place. Whitening, the grid widths of dequantize and the
//     reported training NLL use the pool (a sample of the training
//     rows) rather than all of them.
//
// The refresh is cheap beside a step: one read of ~2 KB and 256 rows
// written at random places in a 32 MB pool took ~16 µs before each
// moons step (~80 µs), the read 9 µs of it (a system call) and the
// scattered writes 6 µs (a cache miss each). The stage makes it one
// read every few steps, and the ring a copy per run of consecutive
// training rows (a run ends at a held-out row, the stage's end or the
// ring's). The places of the next stageAhead stages are drawn ahead, in
// the order they are used (so the rows are those a draw on the spot
// would give), and the operating system is told they will be read
// (dataset.WillNeed): from a file the page cache does not hold, storage
// reads them while the steps use the stages before, and the read when
// a stage's turn comes finds them in memory.

// PoolBytes bounds the training rows held in memory (as float64) when
// the data are streamed; HeldBytes bounds the validation and test rows.
// Variables so that tests can lower them.
var (
	PoolBytes int64 = 32 << 20
	HeldBytes int64 = 128 << 20
)

// poolBlock is the number of consecutive rows a pool reads at once when
// it fills, and the number of training rows it takes in before every
// step.
const poolBlock = 256

// stageBytes is about the size (as float64) of the consecutive rows a
// pool reads at once to refresh itself: at least poolBlock rows.
const stageBytes = 32 << 10

// LikelihoodSource is Likelihood for rows from src, which need not be
// in memory (see the comment above): a table of numbers in memory is
// trained on exactly as Likelihood trains its Values.
func LikelihoodSource(ctx context.Context, m *compiler.Model, src dataset.Source, o compiler.TrainOptions, steps int, h Hooks, start []float64) (*Result, error) {
	if t, ok := src.(*dataset.Table); ok && t.Src == nil {
		return Likelihood(ctx, m, t.Values, o, steps, h, start)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	w := m.Dim + m.ContextDim
	if src.Width() != w {
		return nil, fmt.Errorf("rows of %d columns for a model of %d", src.Width(), w)
	}
	n := src.Len()
	nTest, nVal := dataset.SplitSizes(n, o.TestFrac, o.ValFrac)
	nHeld := nTest + nVal
	if n-nHeld < 1 {
		return nil, fmt.Errorf("%d rows leave none to train on after test_frac = %g and val_frac = %g", n, o.TestFrac, o.ValFrac)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6e6f78))
	ord := newOrder(n, rng)
	s := &split{}
	if int64(n)*int64(w)*8 <= PoolBytes {
		all := make([]float64, n*w)
		if err := gather(src, ord, all); err != nil {
			return nil, err
		}
		s.test, s.val, s.train = all[:nTest*w:nTest*w], all[nTest*w:nHeld*w:nHeld*w], all[nHeld*w:]
		return run(ctx, m, s, o, steps, h, start, rng)
	}
	if need := int64(nHeld) * int64(w) * 8; need > HeldBytes {
		return nil, fmt.Errorf("test_frac = %g and val_frac = %g hold out %d of the %d rows, which need %s of memory; a streamed data set may hold out at most %s (lower them)",
			o.TestFrac, o.ValFrac, nHeld, n, dataset.FormatBytes(float64(need)), dataset.FormatBytes(float64(HeldBytes)))
	}
	held := make([]float64, nHeld*w)
	heldRows := make([]int, nHeld)
	for pos := range nHeld {
		r := ord.at(pos)
		heldRows[pos] = r
		if err := src.ReadRows(held[pos*w:(pos+1)*w], r, r+1); err != nil {
			return nil, err
		}
	}
	s.test, s.val = held[:nTest*w:nTest*w], held[nTest*w:]
	mean, std, err := streamStats(src, held)
	if err != nil {
		return nil, err
	}
	s.x = &compiler.Standardize{Mean: mean[:m.Dim], Std: std[:m.Dim]}
	if m.ContextDim > 0 {
		s.c = &compiler.Standardize{Mean: mean[m.Dim:], Std: std[m.Dim:]}
	}
	slices.Sort(heldRows)
	p := newPool(src, heldRows, int(PoolBytes/int64(w)/8), rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	if err := p.fill(); err != nil {
		return nil, err
	}
	s.pool, s.train = p, p.buf
	return run(ctx, m, s, o, steps, h, start, rng)
}

// gather reads every row of src once, sequentially, into dst at its
// position in ord: dst is then the rows in the order of the split.
func gather(src dataset.Source, ord order, dst []float64) error {
	w := src.Width()
	return dataset.Each(src, func(lo int, rows []float64) error {
		for k := range len(rows) / w {
			p := ord.pos(lo + k)
			copy(dst[p*w:(p+1)*w], rows[k*w:(k+1)*w])
		}
		return nil
	})
}

// moments are the count, mean and sum of squared deviations of each
// column of some rows.
type moments struct {
	n       float64
	mean, s []float64
}

// momentsOf computes the moments of rows (width w) in two passes.
func momentsOf(rows []float64, w int) moments {
	n := len(rows) / w
	m := moments{n: float64(n), mean: make([]float64, w), s: make([]float64, w)}
	if n == 0 {
		return m
	}
	for i := range n {
		for j := range w {
			m.mean[j] += rows[i*w+j]
		}
	}
	for j := range w {
		m.mean[j] /= float64(n)
	}
	for i := range n {
		for j := range w {
			d := rows[i*w+j] - m.mean[j]
			m.s[j] += d * d
		}
	}
	return m
}

// merge adds the rows of b to a (Chan, Golub and LeVeque's formula), or
// with sign −1 takes b's rows, a part of a's, out of a.
func (a *moments) merge(b moments, sign float64) {
	n := a.n + sign*b.n
	if n <= 0 {
		*a = moments{mean: make([]float64, len(a.mean)), s: make([]float64, len(a.s))}
		return
	}
	for j := range a.mean {
		if sign > 0 {
			d := b.mean[j] - a.mean[j]
			a.mean[j] += d * b.n / n
			a.s[j] += b.s[j] + d*d*a.n*b.n/n
			continue
		}
		rest := (a.n*a.mean[j] - b.n*b.mean[j]) / n
		d := b.mean[j] - rest
		a.s[j] = max(0, a.s[j]-b.s[j]-d*d*n*b.n/a.n)
		a.mean[j] = rest
	}
	a.n = n
}

// streamStats returns the mean and population standard deviation of
// each column of the rows of src other than held (rows of src, not
// among the training rows), in one sequential pass; a constant column
// gets std 1, as in Standardization.
func streamStats(src dataset.Source, held []float64) (mean, std []float64, err error) {
	w := src.Width()
	all := moments{mean: make([]float64, w), s: make([]float64, w)}
	err = dataset.Each(src, func(_ int, rows []float64) error {
		all.merge(momentsOf(rows, w), 1)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	all.merge(momentsOf(held, w), -1)
	std = make([]float64, w)
	for j := range w {
		std[j] = math.Sqrt(all.s[j] / all.n)
		if std[j] < 1e-12*math.Max(1, math.Abs(all.mean[j])) {
			std[j] = 1
		}
	}
	return all.mean, std, nil
}

// pool is a resident sample of the training rows of a streamed source,
// which the trainer draws its minibatches from (buf is its data).
type pool struct {
	src   dataset.Source
	held  []int // the rows not to train on, ascending
	buf   []float64
	rows  int
	head  int // the ring's oldest row, the next that refresh replaces
	block []float64
	// stage holds rows read from row stageLo of src; taken of them
	// have been looked at (all of them before the first read), h
	// indexes the first held row ≥ the next. ahead holds the first rows
	// of the next nAhead stages, drawn and announced (nextStage).
	stage          []float64
	stageLo, taken int
	h              int
	ahead          [stageAhead + 1]int
	nAhead         int
	rng            *rand.Rand
	err            error
}

func newPool(src dataset.Source, held []int, rows int, rng *rand.Rand) *pool {
	w := src.Width()
	rows = max(1, min(rows, src.Len()-len(held)))
	b := min(poolBlock, src.Len())
	sr := min(max(poolBlock, stageBytes/8/w), src.Len())
	return &pool{src: src, held: held, rows: rows, buf: make([]float64, rows*w), block: make([]float64, b*w),
		stage: make([]float64, sr*w), taken: sr, rng: rng}
}

// next reads a block of consecutive rows at a random place and calls
// put with each of its training rows.
func (p *pool) next(put func(row []float64)) error {
	w := p.src.Width()
	b := len(p.block) / w
	lo := p.rng.IntN(p.src.Len() - b + 1)
	if err := p.src.ReadRows(p.block, lo, lo+b); err != nil {
		return err
	}
	h, _ := slices.BinarySearch(p.held, lo)
	for k := range b {
		for h < len(p.held) && p.held[h] < lo+k {
			h++
		}
		if h < len(p.held) && p.held[h] == lo+k {
			continue
		}
		put(p.block[k*w : (k+1)*w])
	}
	return nil
}

// fill fills the pool from random blocks.
func (p *pool) fill() error {
	w := p.src.Width()
	at := 0
	for at < p.rows {
		err := p.next(func(row []float64) {
			if at < p.rows {
				copy(p.buf[at*w:], row)
				at++
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// refresh replaces the pool's poolBlock oldest rows (fewer if it holds
// fewer) by the next training rows of the stage, reading a new stage
// when it is used up; a read error is kept (err) and returned.
func (p *pool) refresh() error {
	if p.err != nil {
		return p.err
	}
	w := p.src.Width()
	sr := len(p.stage) / w
	for n := min(poolBlock, p.rows); n > 0; {
		if p.taken == sr {
			if p.err = p.nextStage(); p.err != nil {
				return p.err
			}
		}
		// The next training rows: a run up to the next held row, the
		// stage's end, the ring's end or the count, copied at once.
		r := p.stageLo + p.taken
		for p.h < len(p.held) && p.held[p.h] < r {
			p.h++
		}
		if p.h < len(p.held) && p.held[p.h] == r {
			p.taken++
			continue
		}
		k := min(n, sr-p.taken, p.rows-p.head)
		if p.h < len(p.held) {
			k = min(k, p.held[p.h]-r)
		}
		copy(p.buf[p.head*w:(p.head+k)*w], p.stage[p.taken*w:(p.taken+k)*w])
		p.taken += k
		p.head = (p.head + k) % p.rows
		n -= k
	}
	return nil
}

// stageAhead is how many stages beyond the one in use the pool has
// drawn and announced to the operating system. A stage of a moons MAF
// lasts 8 steps, ~1 ms; two stages give storage 2 ms or more to read
// one, where a random 16 KiB read from a disk takes 0.1–10 ms.
const stageAhead = 2

// nextStage reads the next stage, and draws and announces the places of
// those after it (dataset.WillNeed). The read is on the caller: a
// reader goroutine, which this pool had, got no processor while the
// team's members spun on both of a 2-core machine's, so it ran only
// when the caller waited for it, and from a file in the page cache the
// synchronous read measured as fast (TestProbeStreamed). From a 3.8 GB
// file in the page cache a 16 KiB read took ~11 µs; from one that is
// not, the announcement has had storage read it in the background. The
// announcement itself is a system call on the caller, which returns at
// once on a local file system (it may wait on a network one).
func (p *pool) nextStage() error {
	sr := len(p.stage) / p.src.Width()
	for p.nAhead < len(p.ahead) {
		lo := p.rng.IntN(p.src.Len() - sr + 1)
		p.ahead[p.nAhead] = lo
		if p.nAhead > 0 {
			dataset.WillNeed(p.src, lo, lo+sr)
		}
		p.nAhead++
	}
	lo := p.ahead[0]
	copy(p.ahead[:], p.ahead[1:])
	p.nAhead--
	if err := p.src.ReadRows(p.stage, lo, lo+sr); err != nil {
		return err
	}
	p.stageLo, p.taken = lo, 0
	p.h, _ = slices.BinarySearch(p.held, p.stageLo)
	return nil
}
