package lang

import (
	"strings"
	"testing"
)

func BenchmarkZZLimits(b *testing.B) {
	src := []byte("x = 1" + strings.Repeat(" ", 4<<20-10))
	for i := 0; i < b.N; i++ {
		checkLimits("t", src)
	}
}
func BenchmarkZZComment(b *testing.B) {
	src := []byte("#" + strings.Repeat("a", 1<<20) + "\nx = 1")
	for i := 0; i < b.N; i++ {
		Parse("t", src)
	}
}
func BenchmarkZZSpace(b *testing.B) {
	src := []byte("x = 1" + strings.Repeat(" ", 1<<20))
	for i := 0; i < b.N; i++ {
		Parse("t", src)
	}
}
