//go:build ignore

// breast_cancer_gen rebuilds breast_cancer_std.csv, the data of
// examples/logistic_posterior.nox, from its two sources (README.md):
//
//	go run examples/data/breast_cancer_gen.go \
//		-sklearn /tmp/skl/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv \
//		-features /work/shared/data/breast_cancer.csv \
//		-out examples/data/breast_cancer_std.csv
//
// The labels come from scikit-learn's copy of the table (Debian's
// python3-sklearn); the features of that copy must equal the features
// file's row for row, numerically, or nothing is written. Each feature
// column is standardized over all 569 rows to mean 0 and standard
// deviation 1 (the population sd, dividing by N, as scikit-learn's
// StandardScaler does), so that Normal(0, 1) priors on the coefficients
// are on a common scale; the label (1 = benign, 0 = malignant, as in
// scikit-learn) follows unchanged.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

const nFeat = 30

func main() {
	sk := flag.String("sklearn", "", "scikit-learn's breast_cancer.csv (header of counts; 30 features and the target)")
	feat := flag.String("features", "", "the 30 features alone, no header")
	out := flag.String("out", "examples/data/breast_cancer_std.csv", "output file")
	flag.Parse()
	if err := run(*sk, *feat, *out); err != nil {
		fmt.Fprintln(os.Stderr, "breast_cancer_gen:", err)
		os.Exit(1)
	}
}

func run(skPath, featPath, out string) error {
	sk, err := readTable(skPath, true)
	if err != nil {
		return err
	}
	feat, err := readTable(featPath, false)
	if err != nil {
		return err
	}
	if len(sk) != len(feat) {
		return fmt.Errorf("%s has %d rows, %s has %d", skPath, len(sk), featPath, len(feat))
	}
	for i := range sk {
		if len(sk[i]) != nFeat+1 || len(feat[i]) != nFeat {
			return fmt.Errorf("row %d: %d and %d columns, want %d and %d", i+1, len(sk[i]), len(feat[i]), nFeat+1, nFeat)
		}
		for j := range nFeat {
			if sk[i][j] != feat[i][j] {
				return fmt.Errorf("row %d, column %d: %v in %s but %v in %s", i+1, j+1, sk[i][j], skPath, feat[i][j], featPath)
			}
		}
		if y := sk[i][nFeat]; y != 0 && y != 1 {
			return fmt.Errorf("row %d: label %v is not 0 or 1", i+1, y)
		}
	}
	return os.WriteFile(out, []byte(standardized(sk)), 0o644)
}

// standardized formats the table with its feature columns standardized
// (population sd) and the label last.
func standardized(rows [][]float64) string {
	n := float64(len(rows))
	mean, sd := make([]float64, nFeat), make([]float64, nFeat)
	for j := range nFeat {
		for _, r := range rows {
			mean[j] += r[j]
		}
		mean[j] /= n
		for _, r := range rows {
			sd[j] += (r[j] - mean[j]) * (r[j] - mean[j])
		}
		sd[j] = math.Sqrt(sd[j] / n)
	}
	var b strings.Builder
	for j := range nFeat {
		fmt.Fprintf(&b, "x%d,", j+1)
	}
	b.WriteString("benign\n")
	for _, r := range rows {
		for j := range nFeat {
			b.WriteString(strconv.FormatFloat((r[j]-mean[j])/sd[j], 'g', 17, 64))
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%g\n", r[nFeat])
	}
	return b.String()
}

// readTable reads a CSV file of numbers, skipping a header line if asked.
func readTable(path string, header bool) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // scikit-learn's header has 4 cells, its rows 31
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if header {
		if len(recs) == 0 {
			return nil, fmt.Errorf("%s: empty", path)
		}
		recs = recs[1:]
	}
	rows := make([][]float64, len(recs))
	for i, rec := range recs {
		for j, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("%s: line %d, column %d: %v", path, i+1, j+1, err)
			}
			rows[i] = append(rows[i], v)
		}
	}
	return rows, nil
}
