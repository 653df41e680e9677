#!/usr/bin/env bash
# Side by side: nox's CNF against torch_cnf.py (the same RK4 FFJORD, exact
# trace, hidden 64-64, 8 solver steps, batch 256, Adam 1e-3, the same
# split rule and standardization) on moons, float64, seeds 0..SEEDS-1,
# alternating nox and the reference back to back (the machine is shared).
# The reference runs as ../shared/bench/README.md says: Debian's
# python3-torch, --threads 1 --blas-threads 2, the large-allocation
# thresholds, OpenBLAS free to pick its AVX-512 kernel.
# Usage: bench/cnf/run.sh [STEPS] [SEEDS]   (defaults 300, 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-300}
seeds=${2:-2}
data=$(realpath examples/data/moons.csv)
out=bench/cnf
raw="$out/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
go build -o /tmp/noxc-cnf ./cmd/noxc
for ((seed = 0; seed < seeds; seed++)); do
  f=$(mktemp /tmp/cnf_XXXX.nox)
  sed -e "s|DATA|$data|" -e "s/steps = 300,/steps = $steps,/" -e "s/seed = 0/seed = $seed/" "$out/cnf_moons.nox" > "$f"
  line=$(/tmp/noxc-cnf run -json "$f" | sed -n 1p)
  echo "{\"who\":\"nox\",\"seed\":$seed,\"run\":$line}" | tee -a "$raw"
  rm -f "$f"
  line=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 \
    /usr/bin/python3 "$out/torch_cnf.py" --data "$data" --hidden 64,64 --ode-steps 8 --steps "$steps" --batch 256 \
    --lr 1e-3 --seed "$seed" --dtype float64 --threads 1 --blas-threads 2)
  echo "{\"who\":\"torch\",\"seed\":$seed,\"run\":$line}" | tee -a "$raw"
done
/usr/bin/python3 - "$raw" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
for who in ("nox", "torch"):
    r = [x["run"] for x in rows if x["who"] == who]
    sps = [x.get("steps_per_s") or x.get("train_steps_per_s") for x in r]
    nll = [x.get("test_nll") or x.get("test_nll_nats") for x in r]
    print(f"{who:6s} train steps/s median {st.median(sps):8.3f} {['%.3f' % v for v in sps]}  test NLL {['%.4f' % v for v in nll]}")
PY
