#!/usr/bin/env bash
# ONNX export beside nox: the log-density throughput of ONNX Runtime
# (onnxruntime-node, CPU) on exported models and of nox's runtime on the
# same rows, and the exported files' sizes, for the suite's moons and
# digits MAFs in float32 and float64 (TestONNXThroughput, best of five
# runs each). Needs node and `npm install --ignore-scripts` in onnx/ort.
# About 2 minutes; run it alone on the machine.
#
# Usage: bench/onnx.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/onnx-$(date -u +%Y%m%dT%H%M%SZ).txt}
NOX_ONNX_BENCH=1 go test -run TestONNXThroughput -count 1 -v -timeout 20m ./onnx/ort | grep -E 'rows/s|^(ok|FAIL|---)' | tee "$out"
