#!/usr/bin/env bash
# Variational-inference reference grid: runs the PyTorch reference
# /work/shared/bench/torch_vi.py (reverse-KL / ELBO fit of a flow to an
# unnormalised target) and records its quality (kl, elbo, log_z, log_z_is,
# ess_frac) and speed (train_steps_per_s, sample_per_s) for
#   targets U1 U2 U3 U4 banana (2-D) and funnel (--dim 10)
#   x flows planar K = 2, 8, 32 and realnvp K = 8 (--hidden 64),
# all with --steps 4000 --anneal 2000 --batch 256 --lr 1e-3 --seed 0
# --dtype float32 --threads 1 --blas-threads 2 (default --eval-samples),
# OpenBLAS left to pick its AVX-512 kernel and glibc malloc's mmap/trim
# thresholds raised, as /work/shared/bench/README.md advises. 24 runs, one
# at a time (nothing else should run meanwhile); about 25-35 minutes on the
# shared 2-core machine (planar K = 32 and realnvp take 1.5-2.5 min each).
#
# Usage: bench/vi_reference.sh OUTFILE
# Appends one line per run to OUTFILE:
#   target=T flow=F layers=K<TAB><the JSON line torch_vi.py prints>
# or, if a run fails, the config, a tab, and "ERROR: <last stderr line>".
set -eu
out=$1
ref=/work/shared/bench/torch_vi.py
mkdir -p "$(dirname "$out")"
cd "$(dirname "$ref")"
err=$(mktemp)
trap 'rm -f "$err"' EXIT

run() { # target flow layers [extra args...]
  local target=$1 flow=$2 layers=$3 json line
  shift 3
  local cfg="target=$target flow=$flow layers=$layers"
  if json=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 \
    /usr/bin/python3 "$ref" --target "$target" --flow "$flow" --layers "$layers" "$@" \
    --steps 4000 --anneal 2000 --batch 256 --lr 1e-3 --seed 0 --dtype float32 \
    --threads 1 --blas-threads 2 2>"$err"); then
    line=$(printf '%s\n' "$json" | tail -n 1)
  else
    line="ERROR: $(grep -v '^[[:space:]]*$' "$err" | tail -n 1 || true)"
  fi
  printf '%s\t%s\n' "$cfg" "$line" >>"$out"
  printf '%s\t%s\n' "$cfg" "$line"
}

for target in U1 U2 U3 U4 banana funnel; do
  dim=()
  [ "$target" = funnel ] && dim=(--dim 10)
  for k in 2 8 32; do
    run "$target" planar "$k" "${dim[@]}"
  done
  run "$target" realnvp 8 --hidden 64 "${dim[@]}"
done
