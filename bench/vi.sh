#!/usr/bin/env bash
# Variational inference, nox against the PyTorch reference
# (../shared/bench/torch_vi.py), on the targets of examples/vi: U1–U4 of
# Rezende & Mohamed (2015), a banana and Neal's funnel in 10 dimensions.
#
#   bench/vi.sh kl [OUT]      nox's grid: every target with Inverse(Planar)
#                             flows of K = 2, 8, 32 layers, 8 inverted affine
#                             couplings (the reference's realnvp: hidden
#                             64, 64, log-scale tanh-bounded by 1) and 8
#                             inverted spline couplings (bound 10, fitted
#                             with estimator = "stl" and a cosine
#                             schedule); 4000 steps (anneal
#                             2000), batch 256, lr 1e-3, float32, seed 0 —
#                             bench/vi_reference.sh's settings. About 15 min.
#   bench/vi.sh speed [REPS] [OUT]
#                             planar K = 32 on U1, batch 256, float32, 2000
#                             steps: nox then the reference, REPS times
#                             (default 3) alternately, so slow phases of the
#                             shared machine hit both. About 5 min.
#
# Each nox run is examples/vi/TARGET.nox with its flow and fit lines
# replaced (so the density is the example's own); it prints one line:
# the configuration, a tab, and `noxc run -json`'s fit event (elbo, log_z
# and its standard error, ess_frac, steps_per_s, samples_per_s). KL(q‖p)
# is log Z − ELBO, with log Z the reference's (a grid integral for U1–U4,
# exact for banana and funnel; examples/vi's banana and funnel are
# normalised, log Z = 0).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-kl}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
bin=$(mktemp -d)/noxc
go build -o "$bin" ./cmd/noxc
ref=$(realpath ../shared/bench/torch_vi.py)
tmp=$(mktemp -d)

flow_for() { # kind → a nox flow
  case $1 in
    planar*) echo "repeat(${1#planar}, Inverse(Planar)) |> Gaussian" ;;
    realnvp) echo "repeat(8, Inverse(AffineCoupling(64, 64, bound = 1))) |> Gaussian" ;;
    spline) echo "repeat(8, Inverse(SplineCoupling(64, 64, bins = 8, bound = 10))) |> Gaussian" ;;
  esac
}

# The reference's flows are fitted as it fits them (reparameterised
# gradients, constant learning rate); the spline flow, which it does not
# have, as examples/vi/u3.nox fits it: sticking the landing (which needs
# both directions in closed form) and a cosine schedule.
extra_for() { if [ "$1" = spline ]; then echo 'estimator = \"stl\", schedule = \"cosine\", '; fi; }

nox_run() { # target flowkind steps anneal → one line
  local t=$1 kind=$2 steps=$3 anneal=$4 src=$tmp/$1-$2.nox
  sed -e "s/^flow = .*/flow = $(flow_for "$kind")/" \
      -e "s/^fit flow to \([A-Za-z0-9_]*\) {.*/fit flow to \1 { steps = $steps, batch = 256, lr = 1e-3, anneal = $anneal, $(extra_for "$kind")dtype = \"float32\", seed = 0 }/" \
      -e '/^sample /d' -e '/^plot /d' "examples/vi/$t.nox" > "$src"
  printf 'nox target=%s flow=%s steps=%s\t%s\n' "$t" "$kind" "$steps" "$("$bin" run -json "$src" | grep '"statement":"fit"')"
}

ref_run() { # target flowkind steps anneal → one line
  local t=$1 kind=$2 steps=$3 anneal=$4 args
  case $t in u1) t=U1 ;; u2) t=U2 ;; u3) t=U3 ;; u4) t=U4 ;; esac
  case $kind in
    planar*) args="--flow planar --layers ${kind#planar}" ;;
    realnvp) args="--flow realnvp --layers 8 --hidden 64" ;;
  esac
  # shellcheck disable=SC2086
  printf 'reference target=%s flow=%s steps=%s\t%s\n' "$1" "$kind" "$steps" "$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 /usr/bin/python3 "$ref" --target "$t" --dim 10 $args \
    --steps "$steps" --batch 256 --lr 1e-3 --anneal "$anneal" --seed 0 --dtype float32 --threads 1 --blas-threads 2 | tail -1)"
}

case $mode in
  kl)
    out=${2:-bench/results/vi-nox-$stamp.txt}
    for t in u1 u2 u3 u4 banana funnel; do
      for k in planar2 planar8 planar32 realnvp spline; do
        nox_run "$t" "$k" 4000 2000 | tee -a "$out"
      done
    done ;;
  speed)
    reps=${2:-3} out=${3:-bench/results/vi-speed-$stamp.txt}
    for _ in $(seq "$reps"); do
      nox_run u1 planar32 2000 1000 | tee -a "$out"
      ref_run u1 planar32 2000 1000 | tee -a "$out"
    done ;;
  *) echo "usage: bench/vi.sh kl [OUT] | speed [REPS] [OUT]" >&2; exit 2 ;;
esac
