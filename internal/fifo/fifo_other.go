//go:build !unix

package fifo

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }
