package compiler

import (
	"strings"
	"testing"
)

// TestPolicy: what a confined program may name (issue 23). Names that
// merely start with dots are files like any other; a path that is
// absolute or goes through .. is refused whatever it names; a path
// whose file (canon, links resolved) is outside the root leads out.
func TestPolicy(t *testing.T) {
	p := Policy{ReadRoot: "/p", WriteRoot: "/out"}
	for _, c := range []struct {
		write       bool
		path, canon string
		want        string // "": allowed
	}{
		{false, "data.csv", "/p/data.csv", ""},
		{false, "sub/data.csv", "/p/sub/data.csv", ""},
		{false, "..data.csv", "/p/..data.csv", ""},
		{false, "a/..b/c.csv", "/p/a/..b/c.csv", ""},
		{false, ".", "/p", ""},
		{false, "/p/data.csv", "/p/data.csv", "is an absolute path"},
		{false, "../q/data.csv", "/q/data.csv", "goes through .."},
		{false, "sub/../data.csv", "/p/data.csv", "goes through .."},
		{false, "sub/..", "/p", "goes through .."},
		{false, "..", "/", "goes through .."},
		{false, "link.csv", "/etc/passwd", `leads out of /p through a symbolic link (to /etc/passwd)`},
		{false, "link.csv", "/pp/x.csv", "leads out of /p"},
		{true, "s.csv", "/out/s.csv", ""},
		{true, "s.csv", "/p/s.csv", "leads out of /out"},
		{true, "/out/s.csv", "/out/s.csv", "may write only files below /out"},
	} {
		check := p.Read
		if c.write {
			check = p.Write
		}
		err := check(c.path, c.canon)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q (%s): %v, want %q", c.path, c.canon, err, c.want)
		}
	}
	if err := (Policy{}).Write("/anywhere", "/anywhere"); err != nil {
		t.Errorf("the zero Policy refused a write: %v", err)
	}
}
