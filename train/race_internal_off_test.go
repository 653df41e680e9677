//go:build !race

package train

// raceOn: see race_internal_on_test.go.
const raceOn = false
