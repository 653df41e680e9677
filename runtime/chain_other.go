//go:build !amd64

package runtime

func chainAsm() bool { return false }

func chainRun[T Float](prog []uint64, n int) { panic("runtime: no chain engine") }
