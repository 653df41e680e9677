package runtime

import (
	"math/rand/v2"
	goruntime "runtime"
	"time"

	"github.com/noxlang/nox/compiler/ir"
)

// Mapper applies a program with at most one input and one output of
// interest to any number of rows, in chunks of a fixed batch size. Each
// chunk is split into parts (partsFor: a fixed number for the program,
// dtype and batch), which the members of a team claim one by one and run
// concurrently. The last chunk
// is padded with copies of its first row and the padding's results
// dropped, so one plan serves every row count. The values that depend on
// the parameters alone (masked weights) are computed once, and again only
// after the parameters change: a training step, or Params.Changed after
// writing them. Close releases its goroutines.
type Mapper struct {
	parts  []part
	team   *team // task j: part j, or list j of a prelude level
	params *Params
	// pre lists, per level and member, the prelude steps of parts[0]
	// (shared by all parts), run only when the parameters' generation
	// differs from gen.
	pre     [][][]int
	gen     uint64
	fresh   bool // gen is valid
	phase   int  // -1: run the parts; l ≥ 0: level l of the prelude
	batch   int
	inCols  int
	cols    []int // per input
	outCols int
	out     ir.Value
	// starts holds each part's first row in a chunk; src, dst, lo and k
	// are the chunk a run maps (Map), read by the parts' tasks, each of
	// which copies its own rows in and its results out (load, store).
	starts   []int
	src, dst []float64
	lo, k    int
}

// part is one shard of a Mapper's or a Trainer's batch: a program planned
// in some element type, filled and read in float64.
type part interface {
	// setRow stores row i of the program's inputs (side by side in src).
	setRow(i int, src []float64)
	// getRow copies row i of output v into dst.
	getRow(v ir.Value, i int, dst []float64)
	// value returns element j of value v.
	value(v ir.Value, j int) float64
	// accumulate sets dst = w·v[lo:hi] (or adds it, if add) for value v.
	accumulate(dst []float64, v ir.Value, lo int, w float64, add bool)
	// run runs the program without its prelude.
	run()
	// startShared and help: see share.go.
	startShared()
	help() (running bool, ran int)
	// progress is the number of main steps run since startShared, where
	// tracked (share.track).
	progress() int
	track(on bool)
	// prelude runs the prelude steps listed (see Exec.preludeWork).
	prelude(steps []int)
	preludeWork(k int) [][][]int
	preludeSize() int
	// preludeOut is the number of elements prelude step j writes.
	preludeOut(j int) int
	numRows() int
	// freshBytes: see commit.go.
	freshBytes() [][]byte
}

type execPart[T Float] struct {
	exec *Exec[T]
	ins  [][]T // per program input
	cols []int
}

func newPart[T Float](p *ir.Program, params *Params, rows int, rng *rand.Rand, owner part) *execPart[T] {
	return newPartWith[T](p, params, rows, rng, owner, nil)
}

// newPartWith is newPart with buffers for some of the values (plan's
// external).
func newPartWith[T Float](p *ir.Program, params *Params, rows int, rng *rand.Rand, owner part, external map[ir.Value][]T) *execPart[T] {
	var o *Exec[T]
	if owner != nil {
		o = owner.(*execPart[T]).exec
	}
	e := newExecWith[T](p, params, rows, rng, o, external)
	pt := &execPart[T]{exec: e}
	for i, in := range p.Inputs {
		pt.ins = append(pt.ins, e.Input(i))
		pt.cols = append(pt.cols, in.Cols)
	}
	return pt
}

// newPartOf plans a part in params' DType. If owner is not nil (a part
// of the same program and parameters), the new part shares its static
// values and has no prelude of its own.
func newPartOf(p *ir.Program, params *Params, rows int, rng *rand.Rand, owner part) part {
	if params.DType == Float32 {
		return newPart[float32](p, params, rows, rng, owner)
	}
	return newPart[float64](p, params, rows, rng, owner)
}

func (pt *execPart[T]) setRow(i int, src []float64) {
	for k, in := range pt.ins {
		c := pt.cols[k]
		convert(in[i*c:(i+1)*c], src[:c])
		src = src[c:]
	}
}

func (pt *execPart[T]) getRow(v ir.Value, i int, dst []float64) {
	n := len(dst)
	convert(dst, pt.exec.bufs[v][i*n:(i+1)*n])
}

func (pt *execPart[T]) value(v ir.Value, j int) float64 { return float64(pt.exec.bufs[v][j]) }

func (pt *execPart[T]) accumulate(dst []float64, v ir.Value, lo int, w float64, add bool) {
	if pt.exec.bufs[v] == nil && pt.exec.prog.Instrs[v].Op == ir.OpConst {
		// A constant no step reads has no buffer (unreadConsts): its
		// values are its data.
		accumulateInto(dst, pt.exec.prog.Instrs[v].Data[lo:lo+len(dst)], w, add)
		return
	}
	accumulateInto(dst, pt.exec.bufs[v][lo:lo+len(dst)], w, add)
}

// accumulateInto sets dst to w·src, or adds it if add.
func accumulateInto[S Float](dst []float64, src []S, w float64, add bool) {
	if add {
		for j, x := range src {
			dst[j] += w * float64(x)
		}
		return
	}
	for j, x := range src {
		dst[j] = w * float64(x)
	}
}

func (pt *execPart[T]) run()                        { pt.exec.runMain() }
func (pt *execPart[T]) startShared()                { pt.exec.startShared() }
func (pt *execPart[T]) help() (bool, int)           { return pt.exec.help() }
func (pt *execPart[T]) progress() int               { return int(pt.exec.share.progress.Load()) }
func (pt *execPart[T]) track(on bool)               { pt.exec.share.track = on }
func (pt *execPart[T]) prelude(steps []int)         { pt.exec.runPrelude(steps) }
func (pt *execPart[T]) preludeWork(k int) [][][]int { return pt.exec.preludeWork(k) }
func (pt *execPart[T]) preludeSize() int            { return pt.exec.preludeSize() }
func (pt *execPart[T]) preludeOut(j int) int        { return len(pt.exec.pre[j].out) }
func (pt *execPart[T]) numRows() int                { return pt.exec.Batch }

// NewMapper plans p (its inputs, side by side in each source row, and the
// output named out) for chunks of batch rows, in params.DType. rng seeds
// the program's random ops (one stream per shard); it may be nil for a
// program without them.
func NewMapper(p *ir.Program, params *Params, out string, batch int, rng *rand.Rand) *Mapper {
	m := &Mapper{batch: batch, outCols: p.Type(p.Output(out)).Cols, params: params, phase: -1}
	for _, in := range p.Inputs {
		m.inCols += in.Cols
		m.cols = append(m.cols, in.Cols)
	}
	first := 0 // the next part's first row in a chunk
	for _, n := range shardSizes(batch, partsFor(p, params.DType, batch)) {
		var r *rand.Rand
		if rng != nil {
			r = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
		}
		var owner part
		if len(m.parts) > 0 {
			owner = m.parts[0]
		}
		m.starts = append(m.starts, first)
		m.parts = append(m.parts, newPartOf(p, params, n, r, owner))
		first += n
	}
	m.out = p.Output(out)
	members := min(len(m.parts), max(2, goruntime.NumCPU()))
	m.pre = m.parts[0].preludeWork(members)
	m.team = newTeam(members, func(_, j int) {
		if m.phase >= 0 {
			m.parts[0].prelude(m.pre[m.phase][j])
			return
		}
		m.load(j)
		m.parts[j].run()
		m.store(j)
	}, func(int) bool { return helpParts(m.parts) })
	return m
}

// refresh recomputes the static values if the parameters changed since
// they were computed.
func (m *Mapper) refresh() {
	g := m.params.generation()
	if m.fresh && g == m.gen {
		return
	}
	runPrelude(m.team, &m.phase, m.pre, m.parts[0])
	m.gen, m.fresh = g, true
}

// runPrelude runs a part's prelude on a team whose task j runs list j of
// level *phase of work (any member may run any list: only one list of a
// level holds matrix products, which use the Exec's one transpose
// scratch); a small prelude (fewer than minPrelude elements written)
// runs on the calling goroutine alone, where waking the team would cost
// more than it saves. It leaves *phase at -1.
func runPrelude(t *team, phase *int, work [][][]int, p part) {
	runPreludeOf(t, phase, work, p, p.preludeSize())
}

// minPrelude is the size of the smallest prelude run on a team.
const minPrelude = 1 << 16

// runPreludeOf is runPrelude of work that writes size elements (a
// Trainer's prelude without the masked copies its update keeps).
func runPreludeOf(t *team, phase *int, work [][][]int, p part, size int) {
	if size < minPrelude {
		for _, lvl := range work {
			for _, steps := range lvl {
				p.prelude(steps)
			}
		}
	} else {
		for l := range work {
			*phase = l
			t.run(len(work[l]), uneven)
		}
	}
	*phase = -1
}

// Close stops the mapper's helper goroutines.
func (m *Mapper) Close() { m.team.close() }

// Map runs the program over n rows of src (n×inCols) into dst (n×outCols).
// A program without inputs (a sampler) ignores src. Each chunk of rows is
// a unit of the team's pacer (pace.go).
func (m *Mapper) Map(dst, src []float64, n int) {
	m.refresh()
	m.src, m.dst = src, dst
	for lo := 0; lo < n; lo += m.batch {
		start := time.Now()
		m.lo, m.k = lo, min(m.batch, n-lo) // real rows in this chunk
		for _, p := range m.parts {
			p.startShared()
		}
		m.team.run(len(m.parts), partsRun)
		m.team.paced(time.Since(start))
	}
	m.src, m.dst = nil, nil
}

// load copies part j's rows of the current chunk into its inputs, the
// chunk's first row into the rows past its end (padding). It runs in
// part j's task, so that the members copy their parts' rows side by
// side, and store their results. Copied by the caller before and after
// the run, while the helper waited, a moons chunk's 1,000 rows took
// 11–13 % of its log-prob's time: 3.93 M rows/s against 4.42 M in
// float64, 4.86 M against 5.58 M in float32 (medians of 10 alternating
// rounds, bench/README.md); on digits, whose rows take far longer to
// score, the change is within the noise.
func (m *Mapper) load(j int) {
	ic := m.inCols
	if ic == 0 {
		return
	}
	p, r := m.parts[j], m.lo+m.starts[j]
	for i := range p.numRows() {
		row := r + i
		if row >= m.lo+m.k {
			row = m.lo // padding
		}
		p.setRow(i, m.src[row*ic:(row+1)*ic])
	}
}

// store copies part j's results for the real rows of the current chunk
// into dst; it runs in part j's task, after the part (see load).
func (m *Mapper) store(j int) {
	oc := m.outCols
	p, r := m.parts[j], m.lo+m.starts[j]
	for i := 0; i < p.numRows() && r+i < m.lo+m.k; i++ {
		p.getRow(m.out, i, m.dst[(r+i)*oc:(r+i+1)*oc])
	}
}

// The parts of a Mapper's chunk are claimed by whichever member is free,
// so a member on a faster core runs more of them: one slow core delays a
// run by at most one part, where with one part per member the run lasts
// as long as the slow core's half. And a part's activations stay in a
// core's cache only if its rows are few, which matters to a program that
// reads them over and over: sampling's sequential solve (stdlib/made.go)
// reads each hidden layer's activations once per dimension. A program
// that reads its activations a few times (a density, one pass) keeps one
// part per member: smaller parts would only add steps dispatched, and
// weights packed per product.
var (
	partBytes = 1 << 20 // a part's activations, at most, where rows allow
	partRows  = 64      // fewest rows of a part beyond the first Shards(batch)
	maxParts  = 8
	minSweeps = 16 // reads of its activations that make a program sequential
)

// mapParts is how many parts a Mapper splits a chunk of batch rows into,
// for a program whose activations take rowBytes per row and are read
// sweeps times: a multiple of Shards(batch), so that two cores finish
// together (5 equal parts on 2 cores take 3 parts' time: at most 1.67×
// over one core). It depends only on the program, its element type and
// batch, never on the machine.
func mapParts(batch, rowBytes, sweeps int) int {
	s := Shards(batch)
	if sweeps < minSweeps {
		return s
	}
	rows := max(partRows, partBytes/max(rowBytes, 1))
	n := min(maxParts, batch/rows)
	return max(s, (n+s-1)/s*s)
}

// sweeps returns how many times the planned program q (Backend's output)
// reads its activations: the columns per row its products over the batch
// read from their first operand, over rowFloats.
func sweeps(q *ir.Program) int {
	read := 0
	for _, in := range q.Instrs {
		if !isProduct(in.Op) || !q.Instrs[in.Args[0]].Shape.Batched() {
			continue
		}
		if in.Op == ir.OpGemm && in.Int&ir.GemmSliceA != 0 {
			read += in.Ints[1]
		} else {
			read += q.Instrs[in.Args[0]].Shape.Cols
		}
	}
	return read / max(rowFloats(q), 1)
}

// rowFloats estimates the elements per row that the planned program q
// (Backend's output) holds at once in values over the batch: plan's pooled
// buffers, without its rounding to reusable sizes.
func rowFloats(q *ir.Program) int {
	_, last := useCounts(q)
	for _, o := range q.Outputs {
		last[o.Value] = len(q.Instrs)
	}
	live, peak := 0, 0
	free := func(i int) {
		for _, a := range q.Instrs[i].Args {
			if last[a] == i && q.Instrs[a].Shape.Batched() {
				live -= q.Instrs[a].Shape.Cols
				last[a] = -1 // an operand used twice dies once
			}
		}
	}
	for i, in := range q.Instrs {
		if in.Op == ir.OpNop || !in.Shape.Batched() {
			free(i)
			continue
		}
		inPlace := (in.Op == ir.OpAddCols || in.Op == ir.OpAddRows) && last[in.Args[0]] == i // plan reuses the dying operand
		if inPlace {
			free(i)
		}
		live += in.Shape.Cols
		peak = max(peak, live)
		if !inPlace {
			free(i)
		}
		if last[i] < i {
			live -= in.Shape.Cols // never used
		}
	}
	return peak
}

// partsFor returns mapParts for program p in dtype over chunks of batch
// rows.
func partsFor(p *ir.Program, dtype DType, batch int) int {
	q := Backend(p)
	return mapParts(batch, rowFloats(q)*dtype.size(), sweeps(q))
}
