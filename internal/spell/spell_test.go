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

// TestSuggested reads back the name DidYouMean proposes, and nothing
// from a message without one.
func TestSuggested(t *testing.T) {
	for _, c := range []struct {
		msg, want string
		ok        bool
	}{
		{"undefined: Revrse" + DidYouMean("Revrse", []string{"Reverse"}), "Reverse", true},
		{"unknown option setps (did you mean steps?) (options: steps, lr)", "steps", true},
		{"undefined: x", "", false},
		{"odd (did you mean two words?)", "", false},
	} {
		if got, ok := Suggested(c.msg); got != c.want || ok != c.ok {
			t.Errorf("Suggested(%q) = %q, %v; want %q, %v", c.msg, got, ok, c.want, c.ok)
		}
	}
}
