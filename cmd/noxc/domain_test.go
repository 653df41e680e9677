package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalOutsideSupport (issue 23): noxc eval of rows outside a Logit
// model's domain says how many there are, gives the mean NLL of the
// others, writes −Inf for them, and in JSON counts them as "outside".
func TestEvalOutsideSupport(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 200 {
		u := float64(i%20)/20 + 0.025
		fmt.Fprintf(&b, "%g,%g\n", u, 1/(1+math.Exp(-math.Sin(float64(i)))))
	}
	os.WriteFile(filepath.Join(dir, "unit.csv"), []byte(b.String()), 0o644)
	model := trainNamed(t, dir, "logit", "data = csv(\"unit.csv\")\nflow = Logit |> MAF(8) |> Gaussian\n"+
		"train flow on data { steps = 20, standardize = false, dequantize = false }\n")
	cases := []struct {
		name, rows string
		outside    int
		want       []string
	}{
		{"some", "0.5,0.5\n1,-1\n1,-1000\n0.3,0.6\n", 2,
			[]string{"mean NLL", "over the 2 of 4 rows inside the model's support; 2 rows outside it (log-likelihood -Inf"}},
		{"all", "2,0.5\n-1,0.5\n", 2,
			[]string{"all 2 rows outside the model's support"}},
		{"none", "0.5,0.5\n", 0,
			[]string{"mean NLL", "over 1 row;"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := filepath.Join(dir, c.name+".csv")
			os.WriteFile(data, []byte(c.rows), 0o644)
			ll := filepath.Join(dir, c.name+"_ll.csv")
			code, out, errOut := runNoxc("eval", "-o", ll, model, data)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			written, _ := os.ReadFile(ll)
			if n := strings.Count(string(written), "-Inf"); n != c.outside {
				t.Errorf("%s holds %d -Inf rows:\n%s", ll, n, written)
			}
			_, js, _ := runNoxc("eval", "-json", model, data)
			if want := fmt.Sprintf(`"outside":%d`, c.outside); c.outside > 0 && !strings.Contains(js, want) || c.outside == 0 && strings.Contains(js, "outside") {
				t.Errorf("JSON lacks %s: %s", want, js)
			}
		})
	}
}
