// Package runtime executes IR programs in float64 or float32: it plans a
// program once for a batch size, then runs it, trains over it (Adam over
// a gradient program) or maps it over any number of rows.
//
// The package imports the IR (compiler/ir), its own internal packages
// (runtime/internal/gemm: the matrix kernels) and golang.org/x/sys/cpu
// (which vector instructions the CPU has); nothing else outside the
// standard library. It knows nothing of the language or the layer
// library.
//
// # Terms
//
// A program is an ir.Program: a straight-line list of instructions over
// 2-D values, the batch the only dimension not known before it runs.
// Before planning, the runtime rewrites it into its backend form
// (Backend): fused products, additions and transposes and masked copies,
// declared as the backend ops of package ir, so the form it runs prints
// like any other program; a slice, pad or permutation that leaves its
// operand as it is becomes a no-op whose users read the operand
// (identity.go).
//
// To plan a program is to fix everything a run needs for a batch size
// and element type (New, NewExec): every value's buffer (plan: buffers
// are recycled after a value's last use and allocated once, carved from
// one slab in a layout that does not depend on the goroutine's
// processor; an elementwise step writes over an operand that dies
// there, overwritable), every kernel's shapes, how large products are
// split, and which runs of elementwise steps run as chains (chain.go:
// group by group of 256 bytes, each result kept in registers for the
// steps after it, computing the same bits as the steps one by one), and
// which relu derivatives sum their rows into a bias gradient in the same
// pass (relusum.go), which layout steps over rows of a few columns run
// as one pass of gathers or permutations over a periodic pattern
// (gather.go), and which biased products of a few terms run in one pass
// with their bias (smallk.go).
// The result is an Exec. A step is one instruction of the planned
// program with its shapes resolved and its buffers bound; Exec.Run runs
// its steps in order. (A training step, Trainer.Step, is one minibatch
// update: it runs the steps of several Execs and then Adam.)
//
// Static values are those that depend only on parameters and constants
// (a MADE layer's masked weights): the same for every row. The steps
// that compute them form an Exec's prelude, run apart from the per-row
// steps into buffers of their own: a Mapper runs it again only after the
// parameters change, a Trainer once per training step, and the Execs
// that share a batch share one prelude. A masked weight whose masked-out
// entries are kept at +0 (Params.ZeroMasked: no program of the model
// reads them) needs no step at all where the plan reads it in place
// (masked.go, maskInPlace): W⊙M is W. Where it is copied instead (the
// weights fit in cache), a Trainer's update writes the copy as it writes
// W, and the next step's prelude leaves it out (maskkeep.go). The update
// itself runs each segment of a parameter in one call of the runs kernel
// where the machine has AVX-512 (update.go): the shards' gradients are
// combined in registers and Adam applied to the live runs only.
//
// A batch is split by rows. A shard is one of the Shards(batch) row
// ranges of a Trainer's batch, each run by its own Exec over the shared
// parameters. A part is one program planned for some rows (the part
// interface): a Trainer's parts are its shards; a Mapper cuts each chunk
// of rows into partsFor parts, a multiple of Shards(chunk), which may be
// more than it has goroutines.
//
// A team runs the tasks of a run on its members: member 0 on the calling
// goroutine, the others on helper goroutines that live as long as the
// team (team.go). A task is a part, one list of a prelude level's steps,
// or a range of the clipping norm or of the update; whichever member is
// free claims the next one (the caller from the front of the run, the
// helpers from the back, so that a task keeps its member from run to
// run), and a run is over when all its tasks are done, so a helper the OS
// has descheduled holds up nothing it has not claimed. A team whose helpers keep arriving too late runs alone for a
// while (solo); a team whose tasks are short runs alone, its helpers
// blocked, while the machine's cores are all busy with other work (quiet:
// a pacer watches the run queue and the tasks' length, pace.go); and with
// GOMAXPROCS 1 a team always runs alone. Where the program owns its
// process (AdaptProcs), a governor lowers GOMAXPROCS to 1 while the teams
// are quiet and none has decided to run parallel, and from the start
// where the cores are busy when the program adapts, or when the last
// quiet team goes, until a team's next first unit of work (procs.go).
//
// A large matrix product is cut into pieces (share.go): ranges of
// columns, or its blocks. Blocks are the column blocks of a product over
// a masked matrix (masked.go: 32 columns, or 64 in float32 where A is
// too large for L1, maskBlockColsFor), each computed over only the rows or the
// inner range its mask keeps, in parts planned row by row by a cost
// model (maskplan.go); where the mask's two halves of columns are equal
// (a MADE's μ and α), a block covers the same columns of both, half of
// each vector from each (gemm.SgemmHalves), so that along the staircase
// a vector spans half as many degrees; and where B is the masked matrix
// transposed (backpropagation's dY·(W⊙M)ᵀ) and C has 5 to 64 rows, in
// float32 on the AVX-512 kernels, a block computes its columns of C as
// rows of Cᵀ = (W⊙M)·dYᵀ, reading W in place, then transposes them
// (rowwise.go). A member that has finished its own part
// updates, in a Trainer that does not clip, the ranges of the parameters
// that every shard is done with (early.go), and claims pieces of the
// products the others are running. A segment is
// the part of one parameter tensor that lies in one range of the update
// or of the norm (Trainer).
//
// # Invariants
//
// A run allocates nothing: every buffer is allocated when the program is
// planned, so in steady state Exec.Run, Mapper.Map and Trainer.Step
// allocate nothing (TestTrainStepAllocs, TestLogProbAllocs).
//
// Results do not depend on the number of cores. The shards of a batch
// have fixed sizes (Shards and shardSizes depend only on the batch size),
// a Mapper's parts too (mapParts depends on the program, its element
// type and the batch size), and the ranges of the update and of the
// clipping norm (the parameter count and the shard count); a product is cut into the same pieces
// whoever runs them, and each element of a product is summed in an order
// fixed by the shape; the shards' gradients are combined, and the
// squared norm of the gradient summed, in a fixed order. Which member
// runs a part, a piece, a prelude step or a range therefore changes no
// bit. The
// matrix kernels are chosen by shape and CPU features (dgemmChoose),
// never by the data or the core count, so results are bit-identical on
// a given machine. The elementwise kernels go further: exp and tanh in
// both dtypes (math32.go, math64.go) give the same bits in their AVX-512,
// AVX2 and Go forms, relu and its derivative in their AVX2 and Go forms,
// so a vector's tail, or a machine without the wider instructions,
// computes what the lanes do.
//
// Kernels never return errors: the IR builder proved every shape when
// the program was built, so a kernel only computes. An op without a
// kernel is a bug in nox, and panics.
//
// Figures that justify the runtime's design choices (timings, sizes,
// speed-ups) are kept with the benchmarks, in bench/README.md ("Figures
// behind runtime design choices"), not in this package's comments.
package runtime
