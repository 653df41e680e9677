#!/usr/bin/env bash
# Training speed under load (issue 22, item 3): with one CPU-bound load
# process per core running, nox's default thread count must never be
# slower than one thread. The script starts its own load and kills it on
# exit (the trap below: the load never outlives the script, even when it
# is interrupted or a run fails).
#
# It builds noxc once per revision (default: the work tree as it is), then
# for each repetition and configuration runs every build with the default
# thread count and with -threads 1, one after another, so that slow phases
# of the machine hit all of them (even repetitions in the reverse order).
# Each run is `noxc run -json` on a generated .nox file (the suite's
# text: 5 MAF layers, Reverse between them, a Gaussian prior); steps/s is
# the train event's, the timed training loop with its validation passes. Short step counts keep a whole
# run of the script to a few minutes:
#   moons   float64, hidden 100,  batch 256, 1000 steps (suite: 2000)
#   digits  float32, hidden 512,  batch 256,  100 steps (suite: 1000)
#   d784    float32, hidden 1024, batch 128,   10 steps (suite: 200);
#           data: 2000 rows of 784 columns written by awk here (a random
#           linear map of 32 uniform factors plus noise; the cost of a
#           step does not depend on the values)
#
# Usage: bench/load.sh [-reps N] [-load N] [-scale N] [-configs moons,digits,d784] [REV ...]
#   REV     git revisions to build and compare (e.g. main HEAD); none: the
#           work tree
#   -reps   repetitions (default 4: even, so that the orders balance)
#   -load   load processes (default: one per core, nproc)
#   -scale  multiply every configuration's steps by N (default 1): a moons
#           run is ~0.4 s under the load, short enough that where the OS
#           places the threads decides much of a round; longer runs
#           average it out, at N times the script's time
# Run it alone: flock /tmp/nox-bench.lock bench/load.sh main HEAD
# Raw lines and the summaries (median and min–max per build, configuration
# and thread setting; then, per build and configuration, the median ratio
# default ÷ -threads 1 of the repetitions' pairs with a 95 % bootstrap
# interval; with two builds or more, each build ÷ the first, pair by pair,
# per configuration and thread setting) go to stdout and to
# bench/out/load-TIME.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=4 nload=$(nproc) configs=moons,digits,d784 scale=1
revs=()
while [ $# -gt 0 ]; do
  case $1 in
    -reps) reps=$2; shift 2 ;;
    -load) nload=$2; shift 2 ;;
    -configs) configs=$2; shift 2 ;;
    -scale) scale=$2; shift 2 ;;
    -*) echo "load.sh: unknown flag $1" >&2; exit 2 ;;
    *) revs+=("$1"); shift ;;
  esac
done
out=$(realpath -m bench/out)
mkdir -p "$out"
work=$(mktemp -d)
loadpids=()
cleanup() {
  for p in "${loadpids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log="$out/load-$(date -u +%Y%m%dT%H%M%SZ).txt"

# Build first, before the load starts.
names=()
if [ ${#revs[@]} -eq 0 ]; then
  go build -o "$work/noxc-tree" ./cmd/noxc
  names=(tree)
else
  for r in "${revs[@]}"; do
    name=$(git rev-parse --short "$r")
    dir="$work/src-$name"
    git worktree add -q --detach "$dir" "$r"
    (cd "$dir" && go build -o "$work/noxc-$name" ./cmd/noxc)
    git worktree remove --force "$dir"
    names+=("$name")
  done
fi

digits=$(realpath ../shared/data/digits.csv)
moons=$(realpath examples/data/moons.csv)
d784="$work/d784.csv"
awk 'BEGIN {
  srand(784); n = 784; k = 32
  for (j = 0; j < k; j++) for (c = 0; c < n; c++) a[j, c] = (rand() - 0.5) / 3
  for (r = 0; r < 2000; r++) {
    for (j = 0; j < k; j++) z[j] = 2 * rand() - 1
    line = ""
    for (c = 0; c < n; c++) {
      x = 0.1 * (rand() + rand() + rand() - 1.5)
      for (j = 0; j < k; j++) x += z[j] * a[j, c]
      line = line (c ? "," : "") sprintf("%.6g", x)
    }
    print line
  }
}' > "$d784"

source_for() { # config
  local data hidden batch steps lr dtype
  case $1 in
    moons) data=$moons hidden=100 batch=256 steps=1000 lr=1e-3 dtype=float64 ;;
    digits) data=$digits hidden=512 batch=256 steps=100 lr=1e-4 dtype=float32 ;;
    d784) data=$d784 hidden=1024 batch=128 steps=10 lr=1e-4 dtype=float32 ;;
    *) echo "load.sh: unknown configuration $1" >&2; exit 2 ;;
  esac
  printf 'data = csv("%s")\nflow = MAF(%d) |> Reverse |> MAF(%d) |> Reverse |> MAF(%d) |> Reverse |> MAF(%d) |> Reverse |> MAF(%d) |> Gaussian\ntrain flow on data { steps = %d, batch = %d, lr = %s, test_frac = 0.2, seed = 0, dtype = %s }\n' \
    "$data" "$hidden" "$hidden" "$hidden" "$hidden" "$hidden" "$((steps * scale))" "$batch" "$lr" "$dtype"
}
IFS=, read -ra cfgs <<<"$configs"
for c in "${cfgs[@]}"; do source_for "$c" > "$work/$c.nox"; done

for _ in $(seq "$nload"); do
  sh -c 'while :; do :; done' &
  loadpids+=($!)
done
{
  echo "# bench/load.sh: $(date -u +%FT%TZ), $(nproc) cores, $nload load processes, reps $reps, steps ×$scale"
  echo "# builds: ${names[*]} (${revs[*]:-work tree})"
  echo "# loadavg at start: $(cat /proc/loadavg)"
} | tee "$log"
sleep 1

# Runs later in a repetition come out slower under the load (a control:
# the same configuration twice differed by 9 %, bench/README.md), so odd
# repetitions run the builds and thread settings in the order given and
# even ones in reverse: an even number of repetitions balances them.
for rep in $(seq "$reps"); do
  order=("${names[@]}") ths=(default 1)
  if (( rep % 2 == 0 )); then
    order=() ths=(1 default)
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
  fi
  for c in "${cfgs[@]}"; do
    for name in "${order[@]}"; do
      for th in "${ths[@]}"; do
        args=()
        [ "$th" = 1 ] && args=(-threads 1)
        line=$("$work/noxc-$name" run -json "${args[@]}" "$work/$c.nox" | head -1)
        sps=$(sed -E 's/.*"steps_per_s":([0-9.e+]+).*/\1/' <<<"$line")
        echo "run $name $c threads=$th rep=$rep steps_per_s=$sps" | tee -a "$log"
      done
    done
  done
done
echo "# loadavg at end: $(cat /proc/loadavg)" | tee -a "$log"

echo "== steps/s under load: median [min–max] over $reps runs" | tee -a "$log"
awk '
  $1 == "run" { split($6, s, "="); k = $2 " " $3 " " $4; v[k] = v[k] " " s[2]; keys[k] = 1 }
  function sort(s, x,   n, i, j, t) { n = split(s, x, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }; return n }
  END {
    for (k in keys) {
      n = sort(v[k], x); m = n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
      printf "%-40s %10.1f  [%.1f–%.1f]\n", k, m, x[1], x[n]
    }
  }' "$log" | sort | tee -a "$log"

# verdict_awk: the summaries' statistics, for awk. verdict prints a label,
# the median of q[1..n], a 95 % bootstrap interval of that median (2000
# resamples, from awk's generator: seed it once, srand(1), so that the
# same log gives the same intervals) and how many of the q are at least 1.
verdict_awk='
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function verdict(label, q, n,   i, b, c, bm, m, up) {
    up = 0
    for (i = 1; i <= n; i++) { c[i] = q[i]; if (q[i] >= 1) up++ }
    m = median(c, n)
    for (b = 1; b <= 2000; b++) {
      for (i = 1; i <= n; i++) c[i] = q[int(rand() * n) + 1]
      bm[b] = median(c, n)
    }
    median(bm, 2000)
    printf "%-40s %6.3f  [%.3f–%.3f]  %d of %d\n", label, m, bm[51], bm[1950], up, n
  }'

# The verdict per build and configuration: the ratio default ÷ -threads 1
# of each repetition's pair (the two ran a few seconds apart, so a slow
# phase of the machine hits both), by verdict. Medians of the
# speeds above can disagree with it when the machine's speed drifts over
# the script's minutes.
echo "== default ÷ -threads 1, pair by pair: median [95 % bootstrap interval of the median], pairs ≥ 1" | tee -a "$log"
awk "$verdict_awk"'
  $1 == "run" {
    split($4, t, "="); split($5, r, "="); split($6, s, "=")
    k = $2 " " $3; keys[k] = 1; sp[k, t[2], r[2]] = s[2]; reps[k, r[2]] = 1
  }
  END {
    srand(1)
    for (k in keys) {
      n = 0
      for (kr in reps) {
        split(kr, p, SUBSEP)
        if (p[1] != k || !((k, "default", p[2]) in sp) || !((k, "1", p[2]) in sp) || sp[k, "1", p[2]] + 0 == 0) continue
        q[++n] = sp[k, "default", p[2]] / sp[k, "1", p[2]]
      }
      if (n > 0) verdict(k, q, n)
    }
  }' "$log" | sort | tee -a "$log"

# With two builds or more: each later build ÷ the first, pair by pair
# (the same repetition, configuration and thread setting), so that a
# change is judged by its own runs: default ÷ -threads 1 also moves with
# the -threads 1 runs, which run the same code in both builds (measured:
# a build's ratio 0.989 against main's 0.953, while its default runs
# were 0.995 of main's and its -threads 1 runs 0.957; bench/README.md,
# fourteenth session).
if [ "${#names[@]}" -gt 1 ]; then
  echo "== each build ÷ ${names[0]}, pair by pair: median [95 % bootstrap interval of the median], pairs ≥ 1" | tee -a "$log"
  awk -v base="${names[0]}" "$verdict_awk"'
    $1 == "run" {
      split($4, t, "="); split($5, r, "="); split($6, s, "=")
      sp[$2, $3, t[2], r[2]] = s[2]; if ($2 != base) keys[$2 " " $3 " threads=" t[2]] = $2 SUBSEP $3 SUBSEP t[2]
      reps[r[2]] = 1
    }
    END {
      srand(1)
      for (k in keys) {
        split(keys[k], p, SUBSEP)
        n = 0
        for (rep in reps) {
          if (!((p[1], p[2], p[3], rep) in sp) || !((base, p[2], p[3], rep) in sp) || sp[base, p[2], p[3], rep] + 0 == 0) continue
          q[++n] = sp[p[1], p[2], p[3], rep] / sp[base, p[2], p[3], rep]
        }
        if (n > 0) verdict(k, q, n)
      }
    }' "$log" | sort | tee -a "$log"
fi
