package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// String returns the program as text, one instruction per line:
//
//	%3 = matmul %0, %2 [B,100]            ; maf1/h0
//
// The format is stable: golden tests diff it.
func (p *Program) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "program %s(", p.Name)
	for i, in := range p.Inputs {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s %v", in.Name, Shape{Batch, in.Cols})
	}
	sb.WriteString(")\n")
	used := map[int]bool{}
	for _, in := range p.Instrs {
		if in.Op == OpParam {
			used[in.Int] = true
		}
	}
	for i, pr := range p.Params {
		if used[i] {
			fmt.Fprintf(&sb, "  param %d %s %v\n", i, pr.Name, pr.Shape)
		}
	}
	for i, in := range p.Instrs {
		line := fmt.Sprintf("  %v = %s", Value(i), p.instrText(in))
		if in.Note != "" {
			line = fmt.Sprintf("%-44s ; %s", line, in.Note)
		}
		sb.WriteString(strings.TrimRight(line, " "))
		sb.WriteByte('\n')
	}
	for _, o := range p.Outputs {
		fmt.Fprintf(&sb, "  return %s = %v\n", o.Name, o.Value)
	}
	return sb.String()
}

func (p *Program) instrText(in Instr) string {
	var parts []string
	for _, a := range in.Args {
		parts = append(parts, a.String())
	}
	switch in.Op {
	case OpInput:
		parts = append(parts, strconv.Quote(p.Inputs[in.Int].Name))
	case OpParam:
		parts = append(parts, strconv.Quote(p.Params[in.Int].Name))
	case OpConst:
		nz := 0
		for _, x := range in.Data {
			if x != 0 {
				nz++
			}
		}
		parts = append(parts, fmt.Sprintf("nonzero=%d", nz))
	case OpMatMul:
		if in.Int&TransA != 0 {
			parts[0] += "ᵀ"
		}
		if in.Int&TransB != 0 {
			parts[1] += "ᵀ"
		}
	case OpDropout, OpScale, OpAddConst:
		parts = append(parts, strconv.FormatFloat(in.Float, 'g', -1, 64))
	case OpBroadcastRows:
		if in.Int == 1 {
			parts = append(parts, "mean")
		}
	case OpSliceCols, OpPadCols, OpSliceRows, OpPadRows:
		parts = append(parts, fmt.Sprintf("at=%d", in.Int))
	case OpPermuteCols:
		parts = append(parts, fmt.Sprint(in.Ints))
	case OpClamp:
		parts = append(parts, fmt.Sprintf("[%g, %g]", in.Data[0], in.Data[1]))
	case OpSegSum, OpSegExpand:
		parts = append(parts, fmt.Sprintf("k=%d", in.Int))
	case OpSegCumsum:
		parts = append(parts, fmt.Sprintf("k=%d", in.Int))
		if in.Float == 1 {
			parts = append(parts, "reverse")
		}
	case OpTriSolve:
		if in.Int&TriLower != 0 {
			parts = append(parts, "lower")
		} else {
			parts = append(parts, "upper")
		}
		if in.Int&TriUnit != 0 {
			parts = append(parts, "unit")
		}
		if in.Int&TriTrans != 0 {
			parts = append(parts, "transposed")
		}
	}
	return fmt.Sprintf("%s %s %v", in.Op, strings.Join(parts, ", "), in.Shape)
}
