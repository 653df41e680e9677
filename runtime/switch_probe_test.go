package runtime

import "os"

// NOX_PROBE_NOEARLY=1 turns the early update off, so that one test
// binary measures the step with and without it.
func init() {
	if os.Getenv("NOX_PROBE_NOEARLY") == "1" {
		earlyUpdate = false
	}
}

// NOX_PROBE_NOROWS=1 turns the row kernels off (rows_amd64.go), for the
// same comparison.
func init() {
	if os.Getenv("NOX_PROBE_NOROWS") == "1" {
		rowKernels = false
	}
}

// NOX_PROBE_NOHALVES=1 turns halves blocks off (masked.go, halvesOf),
// and NOX_PROBE_NOEXACT=1 the row-by-row plan of a block's parts
// (maskplan.go), for the same comparison.
func init() {
	if os.Getenv("NOX_PROBE_NOHALVES") == "1" {
		maskHalves = false
	}
	if os.Getenv("NOX_PROBE_NOEXACT") == "1" {
		maskExact = false
	}
}
