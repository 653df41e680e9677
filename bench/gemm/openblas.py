#!/usr/bin/python3
"""Times OpenBLAS (through Debian's PyTorch) on the matrix products a nox
training step is made of, one thread, so that nox's kernels
(go test ./runtime/internal/gemm -bench 'Dgemm|Sgemm') can be compared
with it on the same shapes.

Run from the repository root, once per OpenBLAS kernel:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/gemm/openblas.py   # AVX-512 (SkylakeX)
    OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/gemm/openblas.py                       # AVX2

Each line of output is one JSON object: the shape (m, k, n and the
transposes: NN, NT = op(B) is Bᵀ, TN = op(A) is Aᵀ), the dtype, the
OpenBLAS threads, the median of 7 timings and the GFLOP/s (2mnk per
product).

bench/suite runs it as `--threads 2 --shapes square --flops 2e10`: the
1024³ sgemm and dgemm rates on both cores, the machine's reference rate
for its useful-FLOP shares, measured in the same run as nox.
"""
import argparse
import json
import os
import statistics
import time

import torch
from threadpoolctl import threadpool_limits

# (name, m, k, n, form): the per-shard products of bench/suite's
# configurations (a batch is split into two shards), in the order of
# sgemmShapes in runtime/internal/gemm/sgemm_test.go, and a square one.
SHAPES = [
    ("digits fwd 1", 128, 64, 512, "NN"),
    ("digits fwd 2", 128, 512, 128, "NN"),
    ("digits dH", 128, 128, 512, "NT"),
    ("digits dW1", 64, 128, 512, "TN"),
    ("digits dW2", 512, 128, 128, "TN"),
    ("digits dX", 128, 512, 64, "NT"),
    ("d784 fwd 1", 64, 784, 1024, "NN"),
    ("d784 fwd 2", 64, 1024, 1568, "NN"),
    ("d784 dH", 64, 1568, 1024, "NT"),
    ("d784 dW1", 784, 64, 1024, "TN"),
    ("d784 dW2", 1024, 64, 1568, "TN"),
    ("d784 dX", 64, 1024, 784, "NT"),
    ("moons fwd 1", 128, 2, 100, "NN"),
    ("moons fwd 2", 128, 100, 4, "NN"),
    ("moons dH", 128, 100, 2, "NT"),
    ("moons dX", 128, 4, 100, "NT"),
    ("moons dW1", 2, 128, 100, "TN"),
    ("moons dW2", 100, 128, 4, "TN"),
    ("moons logp 1", 1000, 2, 100, "NN"),
    ("moons logp 2", 1000, 100, 4, "NN"),
    ("square", 1024, 1024, 1024, "NN"),
]


def operands(m, k, n, form, dtype):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(k, m, generator=g, dtype=dtype).t() if form == "TN" else torch.randn(m, k, generator=g, dtype=dtype)
    b = torch.randn(n, k, generator=g, dtype=dtype).t() if form == "NT" else torch.randn(k, n, generator=g, dtype=dtype)
    return a, b, torch.empty(m, n, dtype=dtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1, help="OpenBLAS threads")
    ap.add_argument("--shapes", default="", help="comma-separated shape names to run (default all)")
    ap.add_argument("--flops", type=float, default=2e8, help="floating-point operations per timing")
    ap.add_argument("--dtypes", default="float64,float32", help="comma-separated dtypes to run")
    args = ap.parse_args()
    only = [s for s in args.shapes.split(",") if s]
    dtypes = [d for d in args.dtypes.split(",") if d]
    for d in dtypes:
        if d not in ("float64", "float32"):
            ap.error("--dtypes: %r is not float64 or float32" % d)
    torch.set_num_threads(1)
    core = os.environ.get("OPENBLAS_CORETYPE", "auto")
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for name, m, k, n, form in SHAPES:
            if only and name not in only:
                continue
            for dtype in (getattr(torch, d) for d in dtypes):
                a, b, c = operands(m, k, n, form, dtype)
                flops = 2.0 * m * n * k
                reps = max(1, int(args.flops / flops))  # 2e8: about 0.05-0.2 s per timing
                for _ in range(reps):
                    torch.mm(a, b, out=c)
                times = []
                for _ in range(7):
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        torch.mm(a, b, out=c)
                    times.append((time.perf_counter() - t0) / reps)
                t = statistics.median(times)
                print(json.dumps({"shape": name, "m": m, "k": k, "n": n, "form": form,
                                  "dtype": str(dtype).removeprefix("torch."), "core": core, "threads": args.threads,
                                  "seconds": t, "gflops": flops / t / 1e9}), flush=True)


if __name__ == "__main__":
    main()
