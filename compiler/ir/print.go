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
// The format is stable: golden tests diff it. Backend ops print with
// their attributes too: a gemm's column windows as %3[:,0:5], its bias
// as bias=%4 and its relu, an addcols' column as at=2, a maskcopy's
// number of runs.
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
	case OpMatMul, OpGemm:
		if in.Int&GemmSliceA != 0 {
			parts[0] += fmt.Sprintf("[:,%d:%d]", in.Ints[0], in.Ints[0]+in.Ints[1])
		}
		if in.Int&GemmSliceB != 0 {
			parts[1] += fmt.Sprintf("[:,%d:%d]", in.Ints[2], in.Ints[2]+in.Ints[3])
		}
		if in.Int&TransA != 0 {
			parts[0] += "ᵀ"
		}
		if in.Int&TransB != 0 {
			parts[1] += "ᵀ"
		}
		if in.Int&GemmBias != 0 {
			parts[2] = "bias=" + parts[2]
		}
		if in.Int&GemmRelu != 0 {
			parts = append(parts, "relu")
		}
	case OpDropout, OpScale, OpAddConst, OpPowConst:
		parts = append(parts, strconv.FormatFloat(in.Float, 'g', -1, 64))
	case OpBroadcastRows:
		if in.Int == 1 {
			parts = append(parts, "mean")
		}
	case OpSliceCols, OpPadCols, OpSliceRows, OpPadRows, OpAddCols, OpAddRows:
		parts = append(parts, fmt.Sprintf("at=%d", in.Int))
	case OpPermuteCols, OpPermTranspose:
		parts = append(parts, fmt.Sprint(in.Ints))
	case OpClamp:
		parts = append(parts, fmt.Sprintf("[%g, %g]", in.Data[0], in.Data[1]))
	case OpSupport:
		parts = append(parts, fmt.Sprintf("(%g, %g)", in.Data[0], in.Data[1]))
		if in.Int&SupportIntegers != 0 {
			parts = append(parts, "integers")
		}
	case OpSegSum, OpSegExpand:
		parts = append(parts, fmt.Sprintf("k=%d", in.Int))
	case OpSegCumsum:
		parts = append(parts, fmt.Sprintf("k=%d", in.Int))
		if in.Float == 1 {
			parts = append(parts, "reverse")
		}
	case OpMaskCopy:
		parts = append(parts, fmt.Sprintf("runs=%d", len(in.Ints)/2))
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
	if len(parts) == 0 {
		return fmt.Sprintf("%s %v", in.Op, in.Shape)
	}
	return fmt.Sprintf("%s %s %v", in.Op, strings.Join(parts, ", "), in.Shape)
}
