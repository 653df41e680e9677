package runtime

import "os"

// NOX_PROBE_NOEARLY=1 turns the early update off, so that one test
// binary measures the step with and without it.
func init() {
	if os.Getenv("NOX_PROBE_NOEARLY") == "1" {
		earlyUpdate = false
	}
}
