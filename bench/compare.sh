#!/usr/bin/env bash
# Side-by-side benchmark of nox against the PyTorch reference MAF
# (../shared/bench/torch_maf.py) on the moons configuration of the
# foundation issue: 5 MAF layers, hidden 100, batch 256, lr 1e-3, 2000 steps.
#
# Runs nox and the reference alternately, back to back, for seeds 0..2, and
# prints medians and ratios of: training steps/s (whole 2000-step loop),
# log-likelihood rows/s, samples/s, test NLL, and peak RSS.
#
# Needs Debian's python3-torch on OpenBLAS:
#   apt-get install -y python3-torch python3-numpy python3-threadpoolctl libopenblas0-pthread
# (without libopenblas0-pthread, torch falls back to the reference netlib BLAS
# and runs 2-3x slower: an unfair reference). OpenBLAS misdetects this
# virtualised CPU as "Prescott", so the reference runs once per kernel in
# REF_CORETYPES and each measure is compared against the faster.
# Usage: bench/compare.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${REF:-../shared/bench/torch_maf.py}
data=${DATA:-examples/data/moons.csv}
out=${1:-bench/out}
mkdir -p "$out"
raw="$out/compare-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

go build -o "$out/noxc" ./cmd/noxc
go test -c -o "$out/runtime.test" ./runtime

coretypes=${REF_CORETYPES:-Haswell SkylakeX}

run_ref() { # dtype seed coretype
  env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$3" MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 \
    /usr/bin/time -f '{"peak_rss_kb":%M}' -o "$out/time.json" \
    /usr/bin/python3 "$ref" --data "$data" --layers 5 --hidden 100 --steps 2000 --batch 256 --lr 1e-3 \
    --threads 1 --blas-threads 2 --seed "$2" --dtype "$1"
}

run_nox() { # seed
  local f="$out/moons_seed$1.nox"
  sed -e "s/seed = 0/seed = $1/" -e "s|\"data/moons.csv\"|\"$(realpath "$data")\"|" \
    -e "s|\"moons_samples.csv\"|\"$(realpath "$out")/samples.csv\"|" examples/moons.nox > "$f"
  local lines
  lines=$(/usr/bin/time -f '{"peak_rss_kb":%M}' -o "$out/time.json" "$out/noxc" run -json "$f")
  echo "$lines" | sed -n 1p
}

for seed in 0 1 2; do
  for dt in float64 float32; do
    for ct in $coretypes; do
      line=$(run_ref "$dt" "$seed" "$ct")
      echo "{\"who\":\"ref\",\"dtype\":\"$dt\",\"core\":\"$ct\",\"seed\":$seed,\"run\":$line,\"time\":$(cat "$out/time.json")}" >> "$raw"
    done
  done
  line=$(run_nox "$seed")
  echo "{\"who\":\"nox\",\"dtype\":\"float64\",\"seed\":$seed,\"run\":$line,\"time\":$(cat "$out/time.json")}" >> "$raw"
  # Go benchmarks of the same model: train step, log-prob, sampling.
  (cd runtime && "../$out/runtime.test" -test.run '^$' -test.bench 'Moons$' -test.benchmem -test.benchtime 2s) \
    | awk -v seed="$seed" '/^Benchmark/ {printf "{\"who\":\"noxbench\",\"seed\":%s,\"name\":\"%s\",\"ns_per_op\":%s,\"metric\":%s,\"unit\":\"%s\",\"allocs\":%s}\n", seed, $1, $3, $5, $6, $(NF-1)}' >> "$raw"
done

/usr/bin/python3 - "$raw" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(xs): return statistics.median(xs) if xs else float("nan")
ref = {dt: [r for r in rows if r["who"] == "ref" and r["dtype"] == dt] for dt in ("float64", "float32")}
nox = [r for r in rows if r["who"] == "nox"]
bench = lambda name: [r for r in rows if r["who"] == "noxbench" and r["name"].startswith(name)]
nox_train = med([r["run"]["steps_per_s"] for r in nox])
nox_nll = med([r["run"]["test_nll"] for r in nox])
nox_rss = med([r["time"]["peak_rss_kb"] for r in nox]) / 1024
nb_train = med([r["metric"] for r in bench("BenchmarkTrainStepMoons")])
nb_lp = med([r["metric"] for r in bench("BenchmarkLogProbMoons")])
nb_s = med([r["metric"] for r in bench("BenchmarkSampleMoons")])
allocs = max([r["allocs"] for r in bench("BenchmarkTrainStepMoons")] or [float("nan")])
cores = sorted({r["core"] for r in rows if r["who"] == "ref"})
print(f"raw: {sys.argv[1]}; reference: best of OpenBLAS kernels {cores}")
print("| measure (median of seeds 0-2) | nox float64 | ref float64 | ratio | ref float32 | ratio |")
print("|---|---|---|---|---|---|")
def best(dt, key):  # the faster OpenBLAS kernel's median
    return max(med([r["run"][key] for r in ref[dt] if r["core"] == c]) for c in cores)
def row(name, n, key, fmt="{:,.0f}", higher=True):
    r64, r32 = best("float64", key), best("float32", key)
    ratio = (lambda a, b: a / b) if higher else (lambda a, b: b / a)
    print(f"| {name} | {fmt.format(n)} | {fmt.format(r64)} | {ratio(n, r64):.2f}x | {fmt.format(r32)} | {ratio(n, r32):.2f}x |")
row("train steps/s (2000-step loop, noxc run)", nox_train, "train_steps_per_s")
row("train steps/s (go bench, steady state)", nb_train, "train_steps_per_s")
row("log-prob rows/s (chunks of 1000)", nb_lp, "logprob_samples_per_s")
row("samples/s (draws of 1000)", nb_s, "sample_samples_per_s")
r64 = med([r["run"]["test_nll_nats"] for r in ref["float64"]]); r32 = med([r["run"]["test_nll_nats"] for r in ref["float32"]])
print(f"| test NLL (nats) | {nox_nll:.4f} | {r64:.4f} | {nox_nll - r64:+.4f} | {r32:.4f} | {nox_nll - r32:+.4f} |")
rr64 = med([r["time"]["peak_rss_kb"] for r in ref["float64"]]) / 1024
rr32 = med([r["time"]["peak_rss_kb"] for r in ref["float32"]]) / 1024
print(f"| peak RSS (MB) | {nox_rss:.1f} | {rr64:.1f} | {rr64 / nox_rss:.2f}x less | {rr32:.1f} | {rr32 / nox_rss:.2f}x less |")
print(f"| allocs per train step | {allocs:.0f} | | | | |")
print("per-seed test NLL, nox:", [round(r["run"]["test_nll"], 4) for r in sorted(nox, key=lambda r: r["seed"])],
      "ref64:", [round(r["run"]["test_nll_nats"], 4) for r in sorted(ref["float64"], key=lambda r: r["seed"])],
      "ref32:", [round(r["run"]["test_nll_nats"], 4) for r in sorted(ref["float32"], key=lambda r: r["seed"])])
PY
