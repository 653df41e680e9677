// Command bigdata writes a large data set for bench/bigdata.sh: rows of
// a two-moons-like distribution, as a float32 .npy file (-npy) or as CSV
// (-csv), streaming, in the memory of one buffer, however many rows.
//
//	go run ./bench/bigdata -rows 500000000 -npy /tmp/big.npy
//	go run ./bench/bigdata -rows 100000000 -csv /tmp/big.csv
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	rows := flag.Int("rows", 1000000, "number of rows")
	npy := flag.String("npy", "", "write a float32 .npy file here")
	csv := flag.String("csv", "", "write a CSV file here")
	seed := flag.Uint64("seed", 1, "seed")
	flag.Parse()
	if (*npy == "") == (*csv == "") {
		fmt.Fprintln(os.Stderr, "bigdata: give one of -npy and -csv")
		os.Exit(2)
	}
	path := *npy + *csv
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigdata:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(*seed, 7))
	if *npy != "" {
		w.Write(header(*rows))
	} else {
		w.WriteString("x,y\n")
	}
	var b []byte
	for range *rows {
		x, y := moon(rng)
		if *npy != "" {
			b = binary.LittleEndian.AppendUint32(b[:0], math.Float32bits(float32(x)))
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(y)))
		} else {
			b = strconv.AppendFloat(b[:0], float64(float32(x)), 'g', -1, 32)
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(float32(y)), 'g', -1, 32)
			b = append(b, '\n')
		}
		w.Write(b)
	}
	if err := w.Flush(); err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigdata:", err)
		os.Exit(1)
	}
}

// moon draws a point of two interleaving half circles with noise 0.1, as
// scikit-learn's make_moons.
func moon(rng *rand.Rand) (x, y float64) {
	t := math.Pi * rng.Float64()
	if rng.IntN(2) == 0 {
		x, y = math.Cos(t), math.Sin(t)
	} else {
		x, y = 1-math.Cos(t), 0.5-math.Sin(t)
	}
	return x + 0.1*rng.NormFloat64(), y + 0.1*rng.NormFloat64()
}

// header is a .npy version 1.0 header for rows × 2 float32, padded to 64
// bytes as numpy.save pads it.
func header(rows int) []byte {
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 2), }", rows)
	hlen := len(dict) + 1
	pad := 64 - (10+hlen)%64
	out := append([]byte("\x93NUMPY\x01\x00"), byte(hlen+pad), byte((hlen+pad)>>8))
	out = append(out, dict...)
	for range pad {
		out = append(out, ' ')
	}
	return append(out, '\n')
}
