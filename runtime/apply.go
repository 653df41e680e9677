package runtime

import "github.com/noxlang/nox/compiler/ir"

// Apply runs p over n rows in float64 (each row p's inputs side by side)
// in chunks of at most batch rows, and copies each output named in outs
// into its slice, row-major (len(outs[name]) / n columns). It plans one
// Exec per chunk size: for calls over whole data sets, where planning is
// cheap beside the work, not for a hot loop (see Mapper).
func Apply(p *ir.Program, params *Params, rows []float64, n, batch int, outs map[string][]float64) {
	if n == 0 {
		return
	}
	width := len(rows) / n
	execs := map[int]*Exec[float64]{}
	for lo := 0; lo < n; lo += batch {
		k := min(batch, n-lo)
		e := execs[k]
		if e == nil {
			e = New(p, params, k, nil)
			execs[k] = e
		}
		for i := range k {
			row := rows[(lo+i)*width : (lo+i+1)*width]
			for j, in := range p.Inputs {
				copy(e.Input(j)[i*in.Cols:(i+1)*in.Cols], row[:in.Cols])
				row = row[in.Cols:]
			}
		}
		e.Run()
		for name, dst := range outs {
			cols := len(dst) / n
			copy(dst[lo*cols:(lo+k)*cols], e.Output(name)[:k*cols])
		}
	}
}
