package lang

// The grammar of target densities (issue 18): `density NAME(VAR: DIM) =
// BODY`, BODY an arithmetic expression with the usual precedence —
// binary + and - loosest, then * and /, then unary minus, then ^ (right
// associative, so -x^2 is -(x^2) and 2^-1 is 2^(-1)), then indexing and
// slicing (z[0], z[1:], r[0:30]) — over numbers, names, calls
// (`normal_lpdf(z[0], 0, 3)`) and sums over the rows of a data set
// (`sum(r in data: ...)`, a call whose one argument binds a row). The
// grammar knows no function names or dimensions: package compiler checks
// them.

// Density is `density NAME(VAR: DIM) = BODY`: an unnormalised
// log-density over a vector VAR of DIM elements.
type Density struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident `parser:"\"density\" @@"`
	Var    *Ident `parser:"\"(\" @@"`
	Dim    *Arith `parser:"\":\" @@ \")\""`
	Body   *Arith `parser:"\"=\" @@"`
}

// Fit is `fit FLOW to TARGET { options }`: variational inference, the
// flow fitted to the density TARGET by reverse KL.
type Fit struct {
	Pos    Pos
	EndPos Pos
	Flow   *Ident   `parser:"\"fit\" @@"`
	Target *Ident   `parser:"\"to\" @@"`
	Opts   *Options `parser:"@@?"`
}

// Arith is a sum of terms: `a + b - c`.
type Arith struct {
	Pos    Pos
	EndPos Pos
	Left   *Product `parser:"@@"`
	Rest   []*AddOp `parser:"@@*"`
}

// AddOp is one `+ term` or `- term` of an Arith.
type AddOp struct {
	Pos    Pos
	EndPos Pos
	Op     string   `parser:"@(\"+\" | \"-\")"`
	Right  *Product `parser:"@@"`
}

// Product is a product of factors: `a * b / c`.
type Product struct {
	Pos    Pos
	EndPos Pos
	Left   *Unary   `parser:"@@"`
	Rest   []*MulOp `parser:"@@*"`
}

// MulOp is one `* factor` or `/ factor` of a Product.
type MulOp struct {
	Pos    Pos
	EndPos Pos
	Op     string `parser:"@(\"*\" | \"/\")"`
	Right  *Unary `parser:"@@"`
}

// Unary is a power with an optional minus: `-x^2` is -(x^2).
type Unary struct {
	Pos    Pos
	EndPos Pos
	Neg    bool   `parser:"@\"-\"?"`
	Power  *Power `parser:"@@"`
}

// Power is `base ^ exponent`; the exponent is a Unary, so ^ is right
// associative and takes a signed exponent.
type Power struct {
	Pos    Pos
	EndPos Pos
	Base   *Postfix `parser:"@@"`
	Exp    *Unary   `parser:"( \"^\" @@ )?"`
}

// Postfix is an atom with indexes and slices: `z[0]`, `r[1:]`.
type Postfix struct {
	Pos     Pos
	EndPos  Pos
	Atom    *Atom    `parser:"@@"`
	Indexes []*Index `parser:"@@*"`
}

// Index is `[i]` or a slice `[lo:hi]` (either bound may be omitted).
type Index struct {
	Pos    Pos
	EndPos Pos
	Lo     *Arith `parser:"\"[\" @@?"`
	Colon  bool   `parser:"@\":\"?"`
	Hi     *Arith `parser:"@@? \"]\""`
}

// Atom is a number, a call, a name or a parenthesised expression.
type Atom struct {
	Pos    Pos
	EndPos Pos
	Number *string    `parser:"@(Float | Int)"`
	Call   *ArithCall `parser:"| @@"`
	Paren  *Arith     `parser:"| \"(\" @@ \")\""`
}

// ArithCall is a name, optionally applied to arguments.
type ArithCall struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident      `parser:"@@"`
	Parens bool        `parser:"( @\"(\""`
	Args   []*ArithArg `parser:"( @@ ( \",\" @@ )* \",\"? )? \")\" )?"`
}

// ArithArg is an argument; `r in data: expr` binds r to each row of
// data (the argument of sum over rows).
type ArithArg struct {
	Pos    Pos
	EndPos Pos
	Var    *Ident `parser:"( @@ \"in\""`
	Data   *Ident `parser:"  @@ \":\" )?"`
	Value  *Arith `parser:"@@"`
}
