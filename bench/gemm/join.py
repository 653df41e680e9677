# Joins bench/gemm/openblas.py output (all OpenBLAS kernels, one JSONL file)
# with `go test ./runtime/internal/gemm -run "^$" -bench "Sgemm/.*/(sgemm|dgemm)$"
# -count 3` output into a table: nox medians against the best OpenBLAS kernel.
# Usage: python3 bench/gemm/join.py OPENBLAS.jsonl GO.txt
import sys, json, re, statistics, collections
ob = collections.defaultdict(dict)
for f in [sys.argv[1]]:
    for l in open(f):
        r = json.loads(l)
        key = (r["form"], r["m"], r["k"], r["n"], r["dtype"])
        ob[key][r["core"]] = r["gflops"]
go = collections.defaultdict(list)
for l in open(sys.argv[2]):
    m = re.match(r"BenchmarkSgemm/(\w\w)_(\d+)x(\d+)x(\d+)/(sgemm|dgemm)-2\s+\d+\s+\S+ ns/op\s+(\S+) GFLOP/s", l)
    if m:
        form, M, K, N, which, g = m.groups()
        go[(form, int(M), int(K), int(N), "float32" if which == "sgemm" else "float64")].append(float(g))
print("| shape (op, m×k·k×n) | nox f64 | OpenBLAS f64 | % | nox f32 | OpenBLAS f32 | % |")
print("|---|---|---|---|---|---|---|")
seen = []
for (form, M, K, N, dt) in go:
    if (form, M, K, N) in seen: continue
    seen.append((form, M, K, N))
    row = f"| {form} {M}×{K}·{K}×{N} |"
    for dt in ("float64", "float32"):
        g = statistics.median(go[(form, M, K, N, dt)])
        o = ob.get((form, M, K, N, dt), {})
        b = max(o.values()) if o else float("nan")
        row += f" {g:.1f} | {b:.1f} | {100*g/b:.0f}% |"
    print(row)
for dt in ("float64","float32"):
    print("square 1024³", dt, ob[("NN",1024,1024,1024,dt)])
