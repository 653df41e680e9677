package runtime

import "os"

// NOX_PROBE_NOSLAB=1 plans every buffer with its own allocation, as
// before plan's slab, so that one test binary measures both layouts.
func init() {
	if os.Getenv("NOX_PROBE_NOSLAB") == "1" {
		slabPlans = false
	}
}
