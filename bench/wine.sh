#!/usr/bin/env bash
# The Windows figures of issue 15: GreenProc.WinBench published self-contained for win-x64 and run under Wine, beside
# the same cases run natively on Linux. Absolute Wine figures say little (every pipe operation goes through the
# single-threaded wineserver); the point is the ratios: the hub's round trip against a bare overlapped loop under the
# same Wine, and that nothing degrades to a thread per pipe or per child (the "threads" column).
#   bench/wine.sh [--reps N] [--pin]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5; pin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --pin) pin="taskset -c 0"; shift ;;
    *) echo "usage: bench/wine.sh [--reps N] [--pin]" >&2; exit 2 ;;
  esac
done
out=bench/out/wine; mkdir -p "$out"
dotnet publish bench/GreenProc.WinBench -c Release -r win-x64 --self-contained -o "$out/win" -v quiet -nologo >/dev/null
dotnet publish bench/GreenProc.WinBench -c Release -o "$out/linux" -v quiet -nologo >/dev/null
results="$out/results${pin:+-pinned}.jsonl"; : > "$results"
cases=("rtt-hub 5000" "rtt-bare 5000" "gipc-rtt 5000" "gipc-msgs 100000" "spawn 20" "spawn 100" "pool-map 100000")
for rep in $(seq "$reps"); do
  for c in "${cases[@]}"; do
    echo "[wine${pin:+, pinned}] $c rep $rep/$reps" >&2
    $pin .ci/wine-run 600 "$out/win/GreenProc.WinBench.exe" $c 2>/dev/null | tr -d '\r' | grep '^{' >> "$results" || echo "  (failed)" >&2
    if [ "${c%% *}" != rtt-bare ]; then
      echo "[linux${pin:+, pinned}] $c rep $rep/$reps" >&2
      $pin "$out/linux/GreenProc.WinBench" $c | grep '^{' >> "$results"
    fi
  done
done
/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(case, os, key):
    v = [r[key] for r in rows if r["case"] == case and r["os"] == os]
    return statistics.median(v) if v else None
def n_of(case):
    return case
print("| case | metric | Windows (Wine) | Linux | threads (Wine / Linux) |")
print("| --- | --- | ---: | ---: | ---: |")
seen = []
for r in rows:
    key = (r["case"], [k for k in r if k not in ("case", "os", "threads")][0])
    if key not in seen:
        seen.append(key)
for case, metric in seen:
    w, l = med(case, "windows", metric), med(case, "linux", metric)
    tw, tl = med(case, "windows", "threads"), med(case, "linux", "threads")
    fmt = lambda x: "-" if x is None else f"{x:,.1f}"
    print(f"| {case} | {metric} | {fmt(w)} | {fmt(l)} | {fmt(tw)} / {fmt(tl)} |")
hub, bare = med("rtt-hub", "windows", "rtt_us"), med("rtt-bare", "windows", "rtt_us")
if hub and bare:
    print(f"\nUnder Wine, the hub's round trip is {hub / bare:.2f}x the bare overlapped loop's ({hub:.0f} us against {bare:.0f} us).")
PY
