//go:build !race

package train_test

// raceDetector: see race_on_test.go.
const raceDetector = false
