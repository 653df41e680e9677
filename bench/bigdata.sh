#!/bin/sh
# bench/bigdata.sh: training on data larger than memory (issue 22, item 5).
#
# Generates a 4 GB float32 .npy file (500 M rows × 2 of two moons, by
# bench/bigdata, streaming), trains the moons flow of bench/suite on it
# with noxc run -json under /usr/bin/time -v, and the same flow on a small
# file that is loaded into memory (1 M rows), alternately, RUNS times each;
# prints each run's peak RSS and steps/s, their medians, and the median
# ratio of the rounds' pairs with a bootstrap interval. Validation and
# test sets have 10,000 rows in both, so that steps/s (which includes the
# validations) compares the same work. Then times noxc convert on a CSV of
# CSV_ROWS rows (CSV_ROWS=0: not). Deletes the generated files at the end.
#
#   flock /tmp/nox-bench.lock bench/bigdata.sh | tee bench/results/bigdata-$(date -u +%Y%m%dT%H%M%SZ).txt
#
# Needs about 4 GB (plus the CSV's size, ~24 bytes a row) free in $BIGDIR
# (default /tmp/nox-bigdata).
set -eu
ROWS=${ROWS:-500000000}
SMALL=${SMALL:-1000000}
CSV_ROWS=${CSV_ROWS:-100000000}
RUNS=${RUNS:-3}
STEPS=${STEPS:-2000}
DIR=${BIGDIR:-/tmp/nox-bigdata}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
echo "# bench/bigdata.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) $(cd "$ROOT" && git rev-parse --short HEAD)"
echo "# $(nproc) cores; load: $(cat /proc/loadavg)"
df -h "$DIR" | tail -1 | awk '{print "# free in '"$DIR"': " $4}'
(cd "$ROOT" && go build -o "$DIR/noxc" ./cmd/noxc && go build -o "$DIR/bigdata" ./bench/bigdata)

gen() { # gen ROWS FILE: time and size of generating a file
	start=$(date +%s)
	"$DIR/bigdata" -rows "$1" "$2" "$3"
	echo "generated $3: $(stat -c %s "$3") bytes, $(( $(date +%s) - start )) s"
}
gen "$ROWS" -npy "$DIR/big.npy"
gen "$SMALL" -npy "$DIR/small.npy"
# Write the generated files back to disk before timing anything, so that
# the kernel's writeback of 4 GB of dirty pages does not share the cores
# with the first runs.
sync

flow="MAF(100) |> Reverse |> MAF(100) |> Reverse |> MAF(100) |> Reverse |> MAF(100) |> Reverse |> MAF(100) |> Gaussian"
# test_frac and val_frac hold out 10,000 rows each in both files.
big_frac=$(awk "BEGIN{print 10000/$ROWS}")
small_frac=$(awk "BEGIN{print 10000/$SMALL}")
small_val=$(awk "BEGIN{print 10000/($SMALL-10000)}")
big_val=$(awk "BEGIN{print 10000/($ROWS-10000)}")
cat > "$DIR/big.nox" <<NOX
data = npy("big.npy")
flow = $flow
train flow on data { steps = $STEPS, batch = 256, lr = 1e-3, test_frac = $big_frac, val_frac = $big_val, seed = 0 }
NOX
cat > "$DIR/small.nox" <<NOX
data = npy("small.npy")
flow = $flow
train flow on data { steps = $STEPS, batch = 256, lr = 1e-3, test_frac = $small_frac, val_frac = $small_val, seed = 0 }
NOX

run() { # run NAME: one noxc run; prints NAME, peak RSS (MB), steps/s, wall s
	/usr/bin/time -v "$DIR/noxc" run -json "$DIR/$1.nox" > "$DIR/$1.out" 2> "$DIR/$1.time"
	rss=$(awk -F: '/Maximum resident/{printf "%.1f", $2/1024}' "$DIR/$1.time")
	wall=$(awk '/Elapsed \(wall clock\)/{print $NF}' "$DIR/$1.time")
	sps=$(grep -o '"steps_per_s":[0-9.]*' "$DIR/$1.out" | cut -d: -f2)
	nll=$(grep -o '"test_nll":[0-9.]*' "$DIR/$1.out" | cut -d: -f2)
	echo "$1 rss_mb=$rss steps_per_s=$sps test_nll=$nll wall=$wall"
	grep '"statement"' "$DIR/$1.out" | sed 's/^/  /'
}
# Odd rounds run the streamed file first, even ones the in-memory one, so
# that a slow phase of the machine does not always hit the same one.
for i in $(seq "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then
		run big
		run small
	else
		run small
		run big
	fi
done | tee "$DIR/runs.txt"
for name in big small; do
	for field in rss_mb steps_per_s; do
		grep "^$name " "$DIR/runs.txt" | tr ' ' '\n' | grep "^$field=" | cut -d= -f2 | sort -g |
			awk -v n="$name" -v f="$field" '{v[NR]=$1} END{printf "median %s %s = %s (min %s, max %s, %d runs)\n", n, f, v[int((NR+1)/2)], v[1], v[NR], NR}'
	done
done
# The verdict: per round, streamed ÷ in-memory steps/s (the two ran
# seconds apart), their median, a 95 % bootstrap interval of the median
# (2000 resamples, seeded) and how many rounds were at least 1.
awk '
  /^big / { for (i = 1; i <= NF; i++) if ($i ~ /^steps_per_s=/) { split($i, a, "="); b[++nb] = a[2] } }
  /^small / { for (i = 1; i <= NF; i++) if ($i ~ /^steps_per_s=/) { split($i, a, "="); s[++ns] = a[2] } }
  function median(x, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
    return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
  }
  END {
    n = nb < ns ? nb : ns; up = 0
    if (n == 0) exit
    for (i = 1; i <= n; i++) { q[i] = b[i] / s[i]; if (q[i] >= 1) up++ }
    for (i = 1; i <= n; i++) c[i] = q[i]
    m = median(c, n)
    srand(1)
    for (r = 1; r <= 2000; r++) { for (i = 1; i <= n; i++) c[i] = q[int(rand() * n) + 1]; bm[r] = median(c, n) }
    median(bm, 2000)
    printf "streamed / in-memory steps/s, round by round: median %.3f [95 %% bootstrap interval %.3f-%.3f], %d of %d rounds >= 1\n", m, bm[51], bm[1950], up, n
  }' "$DIR/runs.txt"
rm -f "$DIR/big.npy" "$DIR/small.npy"
[ "$CSV_ROWS" -gt 0 ] || exit 0

gen "$CSV_ROWS" -csv "$DIR/big.csv"
/usr/bin/time -v "$DIR/noxc" convert "$DIR/big.csv" "$DIR/conv.npy" -dtype float32 2> "$DIR/conv.time"
echo "convert: $(awk '/Elapsed \(wall clock\)/{print $NF}' "$DIR/conv.time") wall, peak RSS $(awk -F: '/Maximum resident/{printf "%.1f", $2/1024}' "$DIR/conv.time") MB, $(stat -c %s "$DIR/big.csv") bytes of CSV to $(stat -c %s "$DIR/conv.npy") bytes of .npy"
