//go:build !linux

package main

import (
	"fmt"
	"os"
)

// The probe pins threads to CPUs with sched_setaffinity: Linux only.
func main() {
	fmt.Fprintln(os.Stderr, "cores: Linux only (threads are pinned with sched_setaffinity)")
	os.Exit(1)
}
