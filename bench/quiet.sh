#!/bin/bash
# quiet.sh CMD...: run CMD while other CPU-heavy processes of this machine
# (go builds and tests, test binaries, noxc, python3, node, chromium) are
# stopped with SIGSTOP, re-checking every 0.2 s for new ones, and resume
# them all when CMD ends (also when it fails or is interrupted). Only
# processes outside this script's process group are stopped. For timing on
# a machine shared with other work, e.g.
#   flock /tmp/nox-bench.lock bench/quiet.sh env NOX_PROBE=1 runtime.test -test.run ProbePhases
# Run it only around short measurements: stopped jobs' own timeouts keep
# running.
set -u
pg=$(ps -o pgid= $$ | tr -d ' ')
list() {
  ps -eo pid,pgid,comm,args --no-headers | awk -v pg="$pg" '$2!=pg && ($3 ~ /^(go|compile|link|asm|cgo|vet|python3|noxc.*|.*\.test|node|chromium|gopls)$/ || $4 ~ /noxc/) {print $1}'
}
stopped=$(mktemp /tmp/quiet.XXXXXX)
(
  while [ -e "$stopped" ]; do
    for p in $(list); do
      if ! grep -qx "$p" "$stopped" 2>/dev/null; then
        echo "$p" >> "$stopped"
        kill -STOP "$p" 2>/dev/null
      fi
    done
    sleep 0.2
  done
) &
loop=$!
cleanup() {
  kill "$loop" 2>/dev/null
  wait "$loop" 2>/dev/null
  kill -CONT $(cat "$stopped") 2>/dev/null
  rm -f "$stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sleep 0.5
"$@"
