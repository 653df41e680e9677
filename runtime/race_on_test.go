//go:build race

package runtime

// raceDetector is set when the tests run with -race, whose shadow memory
// and bookkeeping tests that measure memory or allocations would count.
const raceDetector = true
