package stdlib

import "github.com/noxlang/nox/compiler/ir"

// Mode is the purpose of the program being emitted.
type Mode int

const (
	// Eval emits the deterministic map used for densities and sampling.
	Eval Mode = iota
	// Train emits the training map: dropout on, batch statistics used and
	// state updates emitted.
	Train
	// Init emits the data-dependent initialisation pass, run once on the
	// first batch before training: a layer that initialises from data
	// (ActNorm) computes its parameters from the batch, emits them with
	// Env.InitParam and uses them, so later layers see initialised input.
	Init
)

// Env is what a layer sees while emitting one program.
type Env struct {
	Mode Mode
	// Context is the conditioning input ([B, ContextDim]) or ir.None.
	Context ir.Value
}

// StatePrefix and InitPrefix name the outputs of state and initial
// values (see SetState and InitParam).
const (
	StatePrefix = ir.StatePrefix
	InitPrefix  = ir.InitPrefix
)

// SetState emits v as the value state parameter p takes after this step
// (Train mode only; elsewhere it does nothing).
func (e *Env) SetState(b *ir.Builder, p int, v ir.Value) {
	if e.Mode == Train {
		b.Output(StatePrefix+b.ParamInfo(p).Name, v)
	}
}

// InitParam emits v as the initial value of parameter p (Init mode only).
func (e *Env) InitParam(b *ir.Builder, p int, v ir.Value) {
	if e.Mode == Init {
		b.Output(InitPrefix+b.ParamInfo(p).Name, v)
	}
}
