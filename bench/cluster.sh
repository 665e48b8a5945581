#!/usr/bin/env bash
# The cluster figures of issue 16: DistributedPool across Orleans silo processes on this machine against the local
# ProcessPool with the same number of workers (2), side by side, the sides interleaved rep by rep (the order alternating);
# then the recovery drill (a silo SIGKILLed mid-map). Prints Markdown tables of medians and ratios (bench/cluster_report.py,
# which reports any earlier results file again: `/usr/bin/python3 bench/cluster_report.py bench/out/cluster/results-....jsonl`).
#
#   bench/cluster.sh [--reps N] [--recover-reps M] [--pin] [--only suite|recover] [--cases LIST] [--no-build]
#
#   --reps N          suite processes per side (default 3): each runs every case of bench/GreenProc.ClusterBench once
#                     (its own warm-up and timed rounds) and prints one JSON line per case
#   --recover-reps M  recovery drills per setting (default: N); settings: NodeTimeout 2 s and 5 s (the default),
#                     HeartbeatInterval 1 s (the default), the client connected to every gateway and to the primary's only
#   --pin             every process under `taskset -c 0` (silos and workers inherit it: the whole cluster on one CPU)
#   --only PART       the suite (a-c) or the recovery drill (d) alone
#   --cases LIST      the suite's cases (comma-separated; GreenProc.ClusterBench's Program.cs lists them)
#   --no-build        reuse the last snapshot in bench/out/cluster/bin (so that unpinned and pinned runs measure one build)
#
# The bench is published once, Release, ReadyToRun (as bench/run.sh does), into bench/out/cluster/bin (git-ignored) with
# BUILD_INFO. The CPU work of the cpu_* cases is calibrated once per run (the `calibrate` mode, under the same placement)
# and given to both sides, so that they run the very same tasks. Raw JSON lines: bench/out/cluster/results-*.jsonl; the
# programs' stderr (Orleans warnings): bench/out/cluster/stderr-*.log. A process that hangs is stopped after 10 minutes
# (its silos go with it: they stop when their driver's pipe closes, and the driver kills their trees when it exits).
set -euo pipefail

REPS=3
RECOVER_REPS=""
PIN=0
ONLY=""
CASES=""
NO_BUILD=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --recover-reps) RECOVER_REPS="$2"; shift 2 ;;
        --pin) PIN=1; shift ;;
        --only) ONLY="$2"; shift 2 ;;
        --cases) CASES="$2"; shift 2 ;;
        --no-build) NO_BUILD=1; shift ;;
        -h|--help) sed -n '2,/^set -euo pipefail/{/^#/p}' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
RECOVER_REPS="${RECOVER_REPS:-$REPS}"
if [[ -n $ONLY && $ONLY != suite && $ONLY != recover ]]; then
    echo "--only takes suite or recover" >&2
    exit 2
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/.." && pwd))"
OUT="$ROOT/bench/out/cluster"
SNAP="$OUT/bin"
BIN="$SNAP/GreenProc.ClusterBench"
mkdir -p "$OUT"

if [[ $NO_BUILD -eq 0 ]]; then
    echo "publishing bench/GreenProc.ClusterBench (Release, ReadyToRun)..." >&2
    rm -rf "$SNAP"
    dotnet publish "$ROOT/bench/GreenProc.ClusterBench/GreenProc.ClusterBench.csproj" -c Release -r linux-x64 \
        --self-contained false -p:PublishReadyToRun=true -o "$SNAP" -nologo -v quiet >&2
    if rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
        dirty="$(git -C "$ROOT" status --porcelain -- Runtime Interop Subprocess Ipc Cluster bench/GreenProc.ClusterBench | wc -l)"
        rev="commit $rev, $dirty uncommitted file(s) under Runtime/ Interop/ Subprocess/ Ipc/ Cluster/ bench/GreenProc.ClusterBench/, ReadyToRun"
    else
        rev="not a git checkout"
    fi
    echo "$rev, built $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$SNAP/BUILD_INFO"
elif [[ ! -x "$BIN" ]]; then
    echo "error: --no-build, but there is no snapshot at $SNAP (run once without --no-build)" >&2
    exit 1
fi

PFX=()
TAG="unpinned"
if [[ $PIN -eq 1 ]]; then
    PFX=(taskset -c 0)
    TAG="pinned"
fi
STAMP="$(date +%Y%m%d-%H%M%S)"
RESULTS="$OUT/results-$STAMP-$TAG.jsonl"
LOG="$OUT/stderr-$STAMP-$TAG.log"
: > "$RESULTS"
: > "$LOG"

run() { # label args...: one bench process (10 minutes at most); its JSON lines appended to the results, stderr to the log
    local label="$1"
    shift
    echo "[$TAG] $label" >&2
    echo "=== $label" >> "$LOG"
    local rc=0
    timeout -k 20 600 "${PFX[@]}" "$BIN" "$@" 2>> "$LOG" | grep '^{' >> "$RESULTS" || rc=$?
    [[ $rc -ne 0 ]] && echo "  (failed: exit $rc; see $LOG)" >&2
    return 0
}

GREENPROC_CLUSTER_ITERS_PER_MS="$("${PFX[@]}" "$BIN" calibrate | grep '^{' | tee -a "$RESULTS" | sed -n 's/.*"iters_per_ms":\([0-9.]*\).*/\1/p')"
export GREENPROC_CLUSTER_ITERS_PER_MS
echo "calibrated: $GREENPROC_CLUSTER_ITERS_PER_MS work steps per ms" >&2

if [[ $ONLY != recover ]]; then
    for rep in $(seq "$REPS"); do
        sides=(local cluster)
        [[ $((rep % 2)) -eq 0 ]] && sides=(cluster local)
        for side in "${sides[@]}"; do
            if [[ -n $CASES ]]; then
                run "suite $side rep $rep/$REPS" suite "$side" "$CASES"
            else
                run "suite $side rep $rep/$REPS" suite "$side"
            fi
        done
    done
fi

if [[ $ONLY != suite ]]; then
    for rep in $(seq "$RECOVER_REPS"); do
        for timeout in 2 5; do
            for gateways in all primary; do
                run "recover NodeTimeout=${timeout}s gateways=$gateways rep $rep/$RECOVER_REPS" recover "$timeout" 1 "$gateways"
            done
        done
    done
fi

echo "results: $RESULTS" >&2
/usr/bin/python3 "$ROOT/bench/cluster_report.py" "$RESULTS" "$TAG" "$(cat "$SNAP/BUILD_INFO")"
