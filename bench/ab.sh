#!/usr/bin/env bash
# A/B benchmark of two builds of nox, alternating, on the suite's moons and
# digits configurations: `noxc run -json` (whole training loop: steps/s,
# test NLL, peak RSS) and the steady-state Go benchmarks of
# runtime/bench_test.go (train step, log-prob, sampling; allocations; run
# in runtime/, where they find their data), in
# float64 and float32. Each repetition runs A then B, so slow phases of the
# machine hit both. Nothing else should run meanwhile.
#
# Usage: bench/ab.sh REV_A REV_B [REPS] [OUTDIR]   (e.g. bench/ab.sh 9179460 HEAD 3)
# Prints one line per measurement and a median summary; raw output goes to
# OUTDIR/ab-TIME.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 reps=${3:-3} out=${4:-bench/out}
mkdir -p "$out"
out=$(realpath "$out")
log="$out/ab-$(date -u +%Y%m%dT%H%M%SZ).txt"
digits=$(realpath ../shared/data/digits.csv)
moons=$(realpath examples/data/moons.csv)

build() { # rev name
  local dir
  dir=$(mktemp -d)
  git worktree add -q --detach "$dir" "$1"
  (cd "$dir" && go build -o "$out/noxc-$2" ./cmd/noxc && go test -c -o "$out/runtime-$2.test" ./runtime)
  git worktree remove --force "$dir"
}
build "$a" A
build "$b" B

source_for() { # config dtype
  local data hidden batch steps lr
  case $1 in
    moons) data=$moons hidden=100 batch=256 steps=2000 lr=1e-3 ;;
    digits) data=$digits hidden=512 batch=256 steps=300 lr=1e-4 ;;
  esac
  printf 'data = csv("%s")\nflow = MAF(%d) |> Reverse |> MAF(%d) |> Reverse |> MAF(%d) |> Reverse |> MAF(%d) |> Reverse |> MAF(%d) |> Gaussian\ntrain flow on data { steps = %d, batch = %d, lr = %s, test_frac = 0.2, seed = 0, dtype = %s }\n' \
    "$data" "$hidden" "$hidden" "$hidden" "$hidden" "$hidden" "$steps" "$batch" "$lr" "$2"
}

for rep in $(seq "$reps"); do
  for cfg in moons digits; do
    for dt in float64 float32; do
      source_for "$cfg" "$dt" > "$out/ab-$cfg-$dt.nox"
      for who in A B; do
        line=$(/usr/bin/time -f 'rss_kb=%M' -o "$out/ab-time" "$out/noxc-$who" run -json "$out/ab-$cfg-$dt.nox" | head -1)
        sps=$(sed -E 's/.*"steps_per_s":([0-9.e+]+).*/\1/' <<<"$line")
        nll=$(sed -E 's/.*"test_nll":([-0-9.e+]+).*/\1/' <<<"$line")
        echo "run $who $cfg $dt rep=$rep steps_per_s=$sps test_nll=$nll $(cat "$out/ab-time")" | tee -a "$log"
      done
      suffix=""; [ "$dt" = float32 ] && suffix=32
      name=$([ "$cfg" = moons ] && echo Moons || echo Digits)
      for who in A B; do
        (cd runtime && "$out/runtime-$who.test" -test.run '^$' -test.bench "^Benchmark(TrainStep|LogProb|Sample)$name$suffix\$" -test.benchmem -test.benchtime 1s) \
          | grep '^Benchmark' | sed "s/^/bench $who rep=$rep /" | tee -a "$log"
      done
    done
  done
done

echo "== medians (A = $a, B = $b)" | tee -a "$log"
awk '
  $1 == "run" { split($6, s, "="); k = "noxc run " $3 " " $4 " steps/s"; v[$2, k] = v[$2, k] " " s[2]; keys[k] = 1
                split($7, t, "="); n = "noxc run " $3 " " $4 " test NLL"; v[$2, n] = v[$2, n] " " t[2]; keys[n] = 1 }
  $1 == "bench" { k = $4; sub(/-[0-9]+$/, "", k); k = k " ns/op"; v[$2, k] = v[$2, k] " " $6; keys[k] = 1
                  a = $4; sub(/-[0-9]+$/, "", a); a = a " allocs/op"; v[$2, a] = v[$2, a] " " $(NF-1); keys[a] = 1 }
  function med(s,   n, x, i, j, t) { n = split(s, x, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }; return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
  END { for (k in keys) { ma = med(v["A", k]); mb = med(v["B", k]); printf "%-45s A %14.6g  B %14.6g  B/A %.3f\n", k, ma, mb, (ma != 0 ? mb / ma : 0) } }
' "$log" | sort | tee -a "$log"
