package runtime

import (
	"fmt"
	"testing"
	"time"
)

// TestProbeMapperTeam is a measuring tool, run only with NOX_PROBE=1 (go
// test ./runtime -run ProbeMapperTeam -v): round after round
// (NOX_PROBE_ROUNDS, 20), it scores 200 chunks of 1,000 rows with the
// digits float32 MAF, as BenchmarkLogProbDigits32 does, and prints each
// round's rows a second beside its team's counters for the round: runs
// solo (adapt), quiet (pace), with a helper's task, with the caller
// blocked, and the pacer's typical task. A suite of the twenty-sixth
// session caught the benchmark at about one thread's rate for some
// minutes (bench/README.md) while the training ran at its usual rate;
// these counters say which mechanism, if any, kept the helper out.
func TestProbeMapperTeam(t *testing.T) {
	probeOnly(t)
	rounds := probeCount("NOX_PROBE_ROUNDS", 20)
	const rows, chunks = 1000, 200
	m, ps := probeMAF(t, 64, 512)
	data := randomRows(rows, 64, 3)
	out := make([]float64, rows)
	mp := NewMapper(m.LogProb, ps, "logp", rows, nil)
	defer mp.Close()
	mp.Map(out, data, rows)
	for r := range rounds {
		before, units := mp.team.stats, mp.team.pace.stats.quietUnits
		t0 := time.Now()
		for range chunks {
			mp.Map(out, data, rows)
		}
		d := time.Since(t0)
		st := mp.team.stats
		fmt.Printf("round %2d: %7.0f rows/s; of %d runs: solo %d, quiet %d, helped %d, caller blocked %d; quiet units %d; typical task %v\n",
			r, float64(rows*chunks)/d.Seconds(), st.runs-before.runs, st.soloRuns-before.soloRuns, st.quietRuns-before.quietRuns,
			st.helped-before.helped, st.stalled-before.stalled, mp.team.pace.stats.quietUnits-units, mp.team.pace.task)
	}
}
