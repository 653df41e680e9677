package main

import (
	"io"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// readSource reads a .nox file: a regular file only (a named pipe or a
// device would block or never end; dataset.OpenRegular), and no more of
// it than one byte past lang.MaxFileSize, so that the parser refuses a
// file too long with its own message without nox reading all of it.
func readSource(path string) ([]byte, error) {
	f, err := dataset.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, lang.MaxFileSize+1))
}
