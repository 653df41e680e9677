package lang

import "fmt"

// ParseExpr parses one flow expression.
func ParseExpr(filename string, src []byte) (*Expr, error) {
	f, err := Parse(filename, append([]byte("__flow__ = "), src...))
	if err != nil {
		return nil, err
	}
	if len(f.Stmts) != 1 || f.Stmts[0].Assign == nil {
		return nil, fmt.Errorf("not one expression")
	}
	return f.Stmts[0].Assign.Value, nil
}
