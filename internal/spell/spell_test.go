package spell

import "testing"

func TestSuggest(t *testing.T) {
	cands := []string{"Gaussian", "MAF", "Reverse", "steps", "checkerboard", "moons"}
	for _, c := range []struct{ name, want string }{
		{"Gausian", "Gaussian"},
		{"gaussian", "Gaussian"}, // case is ignored
		{"setps", "steps"},
		{"checkerbord", "checkerboard"},
		{"moon", "moons"},
		{"MAF", ""}, // an exact name is no misspelling
		{"xyz", ""},
		{"Revers", "Reverse"},
	} {
		if got := Suggest(c.name, cands); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if got := DidYouMean("setps", cands); got != " (did you mean steps?)" {
		t.Errorf("DidYouMean: %q", got)
	}
}
