package train

import (
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
)

// TargetLogProb writes log p̃ of the target at the rows of x (row-major,
// t.Dim columns) into out, in float64.
func TargetLogProb(t *compiler.Target, x, out []float64) error {
	p, table, err := compiler.LowerTarget(t)
	if err != nil {
		return err
	}
	params := runtime.NewParams(table)
	params.Init(nil)
	n := len(x) / t.Dim
	mp := runtime.NewMapper(p, params, "logp", min(max(n, 1), evalBatch), nil)
	defer mp.Close()
	mp.Map(out[:n], x, n)
	return nil
}
