//go:build race

package train

// raceOn is raceDetector (race_on_test.go) for the package's internal
// tests.
const raceOn = true
