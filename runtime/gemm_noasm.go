//go:build noasm

package runtime

// noasm is set by the noasm build tag, which disables every assembly
// kernel (matrix and elementwise) so the portable paths can be tested on
// any machine: go test -tags noasm ./runtime/...
const noasm = true
