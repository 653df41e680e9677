package runtime

import "github.com/noxlang/nox/compiler/ir"

// Pool maps rows through one program for many goroutines at once, as a
// model's scoring does: it keeps a few planned Mappers per batch size
// (Batches), and a call takes the smallest that holds its rows (or the
// largest, in chunks), so scoring one row costs one row's work and a
// steady stream of calls plans nothing.
type Pool struct {
	prog   *ir.Program
	params *Params
	out    string
	free   []chan *Mapper // per batch size
}

// Batches are the batch sizes a Pool plans for.
var Batches = [...]int{1, 16, 256, 1000}

// NewPool returns a pool of Mappers of p's output out over params.
func NewPool(p *ir.Program, params *Params, out string) *Pool {
	pl := &Pool{prog: p, params: params, out: out, free: make([]chan *Mapper, len(Batches))}
	for i := range pl.free {
		pl.free[i] = make(chan *Mapper, 4)
	}
	return pl
}

// Map writes the output of each of n rows (each the program's inputs
// side by side) to dst, as Mapper.Map. It is safe for concurrent use.
func (pl *Pool) Map(dst, rows []float64, n int) {
	k := len(Batches) - 1
	for i, b := range Batches {
		if n <= b {
			k = i
			break
		}
	}
	var mp *Mapper
	select {
	case mp = <-pl.free[k]:
	default:
		mp = NewMapper(pl.prog, pl.params, pl.out, Batches[k], nil)
	}
	mp.Map(dst, rows, n)
	// A Mapper waiting in the pool may wait for good: its team must not
	// hold the process's count of threads down or up meanwhile (procs.go).
	mp.team.park()
	select {
	case pl.free[k] <- mp:
	default:
		mp.Close()
	}
}
