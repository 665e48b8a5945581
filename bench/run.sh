#!/usr/bin/env bash
# GreenProc vs gevent (and a C baseline), side by side, interleaved; prints a Markdown table of medians.
#
#   bench/run.sh [--reps N] [--pin] [--only SUBSTR] [--targets-only] [--no-build] [--jit] [--baseline REF]
#
#   --reps N        processes per case and side (default 5); each prints one JSON line, the table shows medians
#   --pin           run every process under `taskset -c 0` (the C baseline also with -c same; the C echo loop's
#                   server and client processes both, as the .NET and gevent sides' threads)
#   --only SUBSTR   run only the cases whose key contains SUBSTR; a comma-separated list runs the union. The keys are
#                   the first column of bench/cases.tsv (the table of cases: the issue, sides, metric and target of
#                   each). Prefixes: switch, none, spawn_*, pingpong_*, stream_* (issue 2), prim_ (issue 3), sub_
#                   (issue 4), gipc_ (issue 5), echo_ (the echo server, issue 14), pool_ (the process pool, issue 12; pool_crash and pool_lazy are
#                   behaviour drills, run once whatever --reps says). So `--only prim_` runs issue 3 and
#                   `--only switch,pingpong_1` the cases whose key contains either. A part starting with ^ matches the
#                   key's start only: `--only ^pool_` runs the process pool alone (plain `pool_` also picks
#                   prim_pool_*, gevent's greenlet Pool)
#   --targets-only  only the cases that have a target (skip those whose role in bench/cases.tsv is info)
#   --no-build      reuse the last snapshot in bench/out/bin (so that two runs, e.g. unpinned then --pin,
#                   measure the very same build even while the runtime is being edited); with --baseline, also the
#                   last baseline snapshot, which must have been built from the commit REF names now
#   --jit           build plainly (JIT only) instead of publishing ReadyToRun (the baseline too)
#   --baseline REF  also build the bench at git REF (a commit, branch or tag: a temporary `git worktree` under
#                   bench/out/, published into bench/out/bin-baseline, then removed) and run every GreenProc side of
#                   the selected cases with both builds, process after process (the order alternating rep by rep);
#                   the report ends with a before / after / after÷before table. Anchors run once, as without it.
#                   E.g. `bench/run.sh --baseline main --reps 5`, then the same with `--pin --no-build`. A mode the
#                   baseline build does not know (a case newer than REF, e.g. the echo modes before issue 14) is
#                   skipped on the baseline side, with a note, and the case has no before / after row.
#
# The bench is published in Release once, ReadyToRun (precompiled, as gevent's hub and greenlet are compiled C:
# a cold process then does not spend its first 100,000 spawns in unoptimized tier-0 code), into bench/out/bin
# (with BUILD_INFO: commit and whether the library folders or the bench project had uncommitted changes); every process
# runs from it. The subprocess cases (issue 4) also run, interleaved rep by rep, the C posix_spawn loop and relay
# (../shared/bench/native/spawn_and_relay.c) and the .NET peers (../shared/bench/dotnet-peers: Process, CliWrap;
# copied and built into bench/out/peers, each process one warm-up run then one measured run per implementation).
# Needs: the .NET SDK, gcc, and Debian's gevent under /usr/bin/python3 (apt-get install -y python3-gevent time).
# The gipc cases (issue 5) run rep by rep like the subprocess ones: GreenProc's parent + StartProcess child, then the
# C pipe programs (../shared/bench/native/pipe_throughput.c, pipe_pingpong.c) or `dotnet bench/out/hello/Hello.dll`.
# The echo cases (issue 14) run rep by rep: GreenProc's `echo` mode (GreenServer + client greenlets), the same bench's
# `echo_tasks` mode (plain .NET async sockets on the thread pool), gevent's bench_echo.py and the C epoll loop
# (../shared/bench/native/echo_epoll.c: a server process and a client process), each with the case's CONNS ROUNDS SIZE.
# The anchors live in ../shared/bench next to the repository (bench/anchors: our own). Raw results: bench/out/results-*.tsv
# (git-ignored; one line per process: key, side, its JSON line), reported by bench/report.py, which can be run again
# on any results file: `/usr/bin/python3 bench/report.py bench/out/results-....tsv`.
#
# In-process figures (hub switch, GreenQueue, the binary codec, gipc framing) are BenchmarkDotNet's, not this script's:
#   dotnet run -c Release --project bench/GreenProc.Microbench -- --filter '*'      (--job short for a quick look)
set -euo pipefail

REPS=5
PIN=0
ONLY=""
TARGETS_ONLY=0
NO_BUILD=0
JIT=0
BASELINE=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --reps=*) REPS="${1#--reps=}"; shift ;;
        --pin) PIN=1; shift ;;
        --only) ONLY="$2"; shift 2 ;;
        --targets-only) TARGETS_ONLY=1; shift ;;
        --no-build) NO_BUILD=1; shift ;;
        --jit) JIT=1; shift ;;
        --baseline) BASELINE="$2"; shift 2 ;;
        --baseline=*) BASELINE="${1#--baseline=}"; shift ;;
        -h|--help) sed -n '2,/^set -euo pipefail/{/^#/p}' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

selected() { # key: whether --only selects it (any of its comma-separated substrings)
    [[ -z "$ONLY" ]] && return 0
    local part
    IFS=',' read -ra parts <<< "$ONLY"
    for part in "${parts[@]}"; do
        if [[ $part == ^* ]]; then
            [[ -n "${part#^}" && "$1" == "${part#^}"* ]] && return 0
        else
            [[ -n "$part" && "$1" == *"$part"* ]] && return 0
        fi
    done
    return 1
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The repository root (an exported tree without .git works too: then the parent of bench/).
ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/.." && pwd))"
SHARED="$ROOT/../shared/bench"
OUT="$ROOT/bench/out"
PY=/usr/bin/python3
BENCH_PROJ="$ROOT/bench/GreenProc.Bench/GreenProc.Bench.csproj"
SNAP="$ROOT/bench/out/bin"
BENCH_BIN="$SNAP/GreenProc.Bench"
BASE_SNAP="$ROOT/bench/out/bin-baseline"
BASE_BIN="$BASE_SNAP/GreenProc.Bench"

# The table of cases (bench/cases.tsv): the keys, in run order, and what this script needs of each row.
KEYS=()
declare -A ISSUE ROLE SIDES GPARGS GVARGS
while IFS=$'\t' read -r key issue role sides _metric _better _unit _target gpargs gvargs _label; do
    [[ -z $key || $key == \#* ]] && continue
    KEYS+=("$key")
    ISSUE[$key]=$issue
    ROLE[$key]=$role
    SIDES[$key]=$sides
    GPARGS[$key]=$gpargs
    GVARGS[$key]=$gvargs
done < "$ROOT/bench/cases.tsv"
runs() { # key: whether this run measures the case (--only, --targets-only)
    selected "$1" && ! [[ $TARGETS_ONLY -eq 1 && ${ROLE[$1]} == info ]]
}
issue_runs() { # issue: whether any of its cases runs
    local key
    for key in "${KEYS[@]}"; do
        [[ ${ISSUE[$key]} == "$1" ]] && runs "$key" && return 0
    done
    return 1
}
if [[ -n "$ONLY" ]]; then
    IFS=',' read -ra parts <<< "$ONLY"
    for part in "${parts[@]}"; do
        hit=0
        for key in "${KEYS[@]}"; do
            ONLY="$part" selected "$key" && hit=1
        done
        [[ $hit -eq 0 ]] && echo "warning: --only part '$part' matches no case of bench/cases.tsv" >&2
    done
fi

if [[ ! -d "$SHARED/gevent" ]]; then
    echo "error: the anchor benchmarks are not at $SHARED (expected ../shared/bench next to the repository)" >&2
    exit 1
fi
# gevent is needed only where a selected case has a gevent side (the gipc cases and the process pool's compare with C,
# a bare dotnet start, quoted gipc figures and the multiprocessing/pebble/billiard anchors).
NEED_GEVENT=0
for key in "${KEYS[@]}"; do
    runs "$key" && [[ ",${SIDES[$key]}," == *,gevent,* ]] && NEED_GEVENT=1
done
if [[ $NEED_GEVENT -eq 1 ]] && ! "$PY" -c 'import gevent' 2>/dev/null; then
    echo "error: $PY cannot import gevent. Install Debian's gevent first:" >&2
    echo "    apt-get install -y python3-gevent time" >&2
    exit 1
fi

publish() { # project snapshot-dir: the bench, Release, ReadyToRun (or JIT only with --jit), into the snapshot
    rm -rf "$2"
    if [[ $JIT -eq 1 ]]; then
        echo "building $1 (Release, JIT only)..." >&2
        dotnet build "$1" -c Release -nologo -v quiet >&2
        cp -r "$(dirname "$1")/bin/Release/net10.0" "$2"
    else
        echo "publishing $1 (Release, ReadyToRun)..." >&2
        dotnet publish "$1" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
            -o "$2" -nologo -v quiet >&2
    fi
}
KIND="$([[ $JIT -eq 1 ]] && echo JIT || echo ReadyToRun)"

mkdir -p "$OUT"
if [[ $NO_BUILD -eq 0 ]]; then
    publish "$BENCH_PROJ" "$SNAP"
    if rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
        dirty="$(git -C "$ROOT" status --porcelain -- Runtime Interop Subprocess Ipc bench/GreenProc.Bench | wc -l)"
        rev="commit $rev, $dirty uncommitted file(s) under Runtime/ Interop/ Subprocess/ Ipc/ bench/GreenProc.Bench/, $KIND"
    else
        rev="${GREENPROC_BENCH_REV:-not a git checkout}"
    fi
    echo "$rev, built $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$SNAP/BUILD_INFO"
elif [[ ! -x "$BENCH_BIN" ]]; then
    echo "error: --no-build, but there is no snapshot at $SNAP (run once without --no-build)" >&2
    exit 1
fi
if [[ -n $BASELINE ]]; then
    if ! base_rev="$(git -C "$ROOT" rev-parse --verify --short "$BASELINE^{commit}" 2>/dev/null)"; then
        echo "error: --baseline $BASELINE: not a commit of this repository" >&2
        exit 1
    fi
    if [[ $NO_BUILD -eq 0 ]]; then
        # A detached worktree of REF under bench/out/ (git-ignored), the bench published from it like the main
        # snapshot, the worktree removed again: only the published snapshot stays.
        BASE_SRC="$OUT/baseline-src"
        remove_base_src() {
            git -C "$ROOT" worktree remove --force "$BASE_SRC" 2>/dev/null || rm -rf "$BASE_SRC"
            git -C "$ROOT" worktree prune
        }
        [[ -e $BASE_SRC ]] && remove_base_src
        trap remove_base_src EXIT
        git -C "$ROOT" worktree add --detach --quiet "$BASE_SRC" "$base_rev" >&2
        publish "$BASE_SRC/bench/GreenProc.Bench/GreenProc.Bench.csproj" "$BASE_SNAP"
        remove_base_src
        trap - EXIT
        echo "commit $base_rev (--baseline $BASELINE), $KIND, built $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$BASE_SNAP/BUILD_INFO"
    elif [[ ! -x "$BASE_BIN" ]]; then
        echo "error: --no-build --baseline, but there is no baseline snapshot at $BASE_SNAP (run once without --no-build)" >&2
        exit 1
    elif [[ "$(cut -d' ' -f2 "$BASE_SNAP/BUILD_INFO" | tr -d ,)" != "$base_rev" ]]; then
        echo "error: --no-build: the baseline snapshot is $(cut -d, -f1 "$BASE_SNAP/BUILD_INFO"), but $BASELINE is now" \
            "commit $base_rev (run without --no-build to rebuild it)" >&2
        exit 1
    fi
fi
gcc -O2 -o "$OUT/pipe_pingpong" "$SHARED/native/pipe_pingpong.c"
SUB_ANY=0
issue_runs 4 && SUB_ANY=1
if [[ $SUB_ANY -eq 1 ]]; then
    gcc -O2 -pthread -o "$OUT/spawn_and_relay" "$SHARED/native/spawn_and_relay.c"
    # The peers app as it is in ../shared (its csproj pins CliWrap itself: keep this repository's central package
    # management and build settings out with empty Directory.*.props next to it).
    PEERS="$OUT/peers"
    mkdir -p "$PEERS"
    cp "$SHARED/dotnet-peers/Program.cs" "$SHARED/dotnet-peers/PeersBench.csproj" "$PEERS/"
    echo '<Project></Project>' > "$PEERS/Directory.Build.props"
    echo '<Project></Project>' > "$PEERS/Directory.Packages.props"
    echo "building the .NET peers (Release)..." >&2
    dotnet build "$PEERS/PeersBench.csproj" -c Release -o "$PEERS/bin" -nologo -v quiet >&2
fi

GIPC_ANY=0
issue_runs 5 && GIPC_ANY=1
if [[ $GIPC_ANY -eq 1 ]]; then
    gcc -O2 -o "$OUT/pipe_throughput" "$SHARED/native/pipe_throughput.c"
    gcc -O2 -o "$OUT/pipe_message" "$ROOT/bench/native/pipe_message.c"
    if runs gipc_start; then
        echo "building bench/Hello (Release)..." >&2
        rm -rf "$OUT/hello"
        dotnet build "$ROOT/bench/Hello/Hello.csproj" -c Release -o "$OUT/hello" -nologo -v quiet >&2
    fi
fi
POOL_ANY=0
issue_runs 12 && POOL_ANY=1
if [[ $POOL_ANY -eq 1 ]]; then
    for mod in pebble billiard; do
        if ! "$PY" -c "import $mod" 2>/dev/null; then
            echo "error: $PY cannot import $mod (the pool anchors need it): apt-get install -y python3-pebble python3-billiard" >&2
            exit 1
        fi
    done
    if runs pool_start && ! runs gipc_start; then
        echo "building bench/Hello (Release)..." >&2
        rm -rf "$OUT/hello"
        dotnet build "$ROOT/bench/Hello/Hello.csproj" -c Release -o "$OUT/hello" -nologo -v quiet >&2
    fi
fi

PFX=()
CPLACE=()
TAG="unpinned"
if [[ $PIN -eq 1 ]]; then
    PFX=(taskset -c 0)
    CPLACE=(-c same)
    TAG="pinned"
fi
RESULTS="$OUT/results-$(date +%Y%m%d-%H%M%S)-$TAG.tsv"
# Notes for bench/report.py (lines starting with #): the builds measured, so that the file reports on its own later.
echo "# build: $(cat "$SNAP/BUILD_INFO")" > "$RESULTS"
[[ -n $BASELINE ]] && echo "# baseline: $(cat "$BASE_SNAP/BUILD_INFO")" >> "$RESULTS"

record() { # key side json-line
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"
}

last_json() { grep '^{' | tail -n 1; }

declare -A BASE_UNKNOWN=()  # the bench modes the baseline build answered "unknown mode" to
base_run() { # key side mode command...: one baseline-build process, its JSON line recorded as side@baseline; a mode
    # that build does not know (a case newer than REF) is skipped, with a note the first time
    local key="$1" side="$2" mode="$3" line
    shift 3
    [[ -n ${BASE_UNKNOWN[$mode]:-} ]] && return 0
    line="$("$@" 2> "$OUT/baseline.stderr" | last_json || true)"
    if [[ -z $line ]] && grep -q "^unknown mode '$mode'" "$OUT/baseline.stderr"; then
        BASE_UNKNOWN[$mode]=1
        echo "note: the baseline build ($(cut -d, -f1 "$BASE_SNAP/BUILD_INFO")) has no bench mode '$mode': no baseline side for it" >&2
        return 0
    fi
    cat "$OUT/baseline.stderr" >&2
    record "$key" "$side@baseline" "$line"
}

gp() { # key side [VAR=VALUE...] args...: one GreenProc bench process, its JSON line recorded as the side; with
    # --baseline, one more of the baseline build recorded as side@baseline, the two in turn first from rep to rep (so
    # that neither build always runs second, after the other has warmed the caches or heated the CPU)
    local key="$1" side="$2" envs=()
    shift 2
    while [[ $# -gt 0 && $1 =~ ^[A-Z_][A-Z0-9_]*= ]]; do
        envs+=("$1")
        shift
    done
    local run=()
    [[ ${#envs[@]} -gt 0 ]] && run=(env "${envs[@]}")
    if [[ -n $BASELINE && $((rep % 2)) -eq 0 ]]; then
        base_run "$key" "$side" "$1" "${run[@]}" "${PFX[@]}" "$BASE_BIN" "$@"
    fi
    record "$key" "$side" "$("${run[@]}" "${PFX[@]}" "$BENCH_BIN" "$@" | last_json)"
    if [[ -n $BASELINE && $((rep % 2)) -eq 1 ]]; then
        base_run "$key" "$side" "$1" "${run[@]}" "${PFX[@]}" "$BASE_BIN" "$@"
    fi
}

# Issues 2 and 3: the plain pairs of bench/cases.tsv (one GreenProc process, one gevent script), case after case.
for key in "${KEYS[@]}"; do
    [[ ${GVARGS[$key]} == - ]] && continue
    runs "$key" || continue
    gpargs="${GPARGS[$key]}"
    gvargs="${GVARGS[$key]}"
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] $key rep $rep/$REPS" >&2
        # shellcheck disable=SC2086 # the args are word lists on purpose
        gp "$key" greenproc $gpargs
        # shellcheck disable=SC2086
        record "$key" gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/"$gvargs | last_json)"
        if [[ $key == pingpong_1 ]]; then
            # The physical limit: two processes, blocking pipes, then non-blocking + poll (the shape of a hub).
            for mode in blocking nonblock; do
                flag=()
                [[ $mode == nonblock ]] && flag=(-n)
                line="$("${PFX[@]}" "$OUT/pipe_pingpong" -i 50000 -W 5000 -r 1 "${flag[@]}" "${CPLACE[@]}" | tail -n 1)"
                # "pingpong blocking placement=default: median=3.80us mean=4.10us p99=9.00us (243902 RTT/s)"
                mean="$(sed -n 's/.*mean=\([0-9.]*\)us.*/\1/p' <<< "$line")"
                median="$(sed -n 's/.*median=\([0-9.]*\)us.*/\1/p' <<< "$line")"
                record "$key" "c_$mode" "{\"lib\":\"c\",\"rtt_mean_us\":$mean,\"rtt_median_us\":$median,\"msgs_per_s\":$("$PY" -c "print(round(2e6/$mean))")}"
            done
        fi
    done
done

# Subprocess (issue 4): rep by rep, every side of every selected case, so that the machine's slow phases hit all
# sides alike (keys and sides: bench/cases.tsv; greenproc[_VARIANT], gevent, c_*,
# process*, cliwrap*). The C program runs all its scenarios in one process (200 x true sequential and in waves of
# 50, then 1 GiB through cat with two threads and with one poll() thread), after one untimed run of each.
peers() { # key scenario: one process, one warm-up + one measured run per implementation, interleaved
    local line
    # "spawn-par50  process              median     198.5 ms    min ..."
    while read -r line; do
        [[ $line == "#"* || -z $line ]] && continue
        read -r _ impl _ value unit _ <<< "$line"
        record "$1" "$impl" "{\"lib\":\"$impl\",\"value\":$value,\"unit\":\"$unit\"}"
    done < <("${PFX[@]}" "$PEERS/bin/PeersBench" "$2" 1)
}
if [[ $SUB_ANY -eq 1 ]]; then
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] subprocess rep $rep/$REPS" >&2
        if runs sub_spawn_par || runs sub_spawn_seq || runs sub_cat1g; then
            while read -r line; do
                read -r scen impl _ value unit _ <<< "$line"
                case "$scen/$impl" in
                    spawn-seq/*) k=sub_spawn_seq; side=c ;;
                    spawn-par50/*) k=sub_spawn_par; side=c_par50 ;;
                    cat1g/c-2threads-blocking) k=sub_cat1g; side=c_2threads_blocking ;;
                    cat1g/c-1thread-poll) k=sub_cat1g; side=c_1thread_poll ;;
                    *) continue ;;
                esac
                record "$k" "$side" "{\"lib\":\"c\",\"value\":$value,\"unit\":\"$unit\"}"
            done < <("${PFX[@]}" "$OUT/spawn_and_relay" 1)
        fi
        if runs sub_spawn_par; then
            gp sub_spawn_par greenproc sub_true 200
            gp sub_spawn_par greenproc_sync GREENPROC_BENCH_SUB_START=sync sub_true 200
            gp sub_spawn_par greenproc_par50 sub_true_par50 200
            record sub_spawn_par gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_subprocess.py" true 200 | last_json)"
            peers sub_spawn_par spawn-par50
        fi
        if runs sub_spawn_seq; then
            gp sub_spawn_seq greenproc sub_true_seq 200
            gp sub_spawn_seq greenproc_sync GREENPROC_BENCH_SUB_START=sync sub_true_seq 200
            record sub_spawn_seq gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_subprocess.py" true_seq 200 | last_json)"
            peers sub_spawn_seq spawn-seq
        fi
        if runs sub_cat100; then
            gp sub_cat100 greenproc sub_cat 100 65536
            gp sub_cat100 greenproc_sync GREENPROC_BENCH_SUB_START=sync sub_cat 100 65536
            record sub_cat100 gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_subprocess.py" cat 100 65536 | last_json)"
            peers sub_cat100 cat100x64k
        fi
        if runs sub_cat1g; then
            gp sub_cat1g greenproc sub_cat1g 1024 65536
            gp sub_cat1g greenproc_pipe1m GREENPROC_BENCH_PIPE_SIZE=1048576 sub_cat1g 1024 65536
            peers sub_cat1g cat1g
        fi
    done
fi

# gipc (issue 5): rep by rep, every side of every selected case, as for the subprocess cases. Sides: greenproc (the
# bench parent + its StartProcess child; greenproc_hook: the same child through the startup-hook launch),
# c_p1m / c_default (pipe_throughput, blocking, 1 MiB / 64 KiB pipe, same write size), c_p1m_nonblock
# (pipe_throughput -n -p 1 MiB), c_msg_p1m (bench/native/pipe_message.c: a C reader that holds each whole message, as a
# message receiver must; pipe_throughput's reader reuses the first pipe-full of its buffer), c_nonblock / c_blocking
# (pipe_pingpong), hello / hello_apphost (bench/Hello started and awaited, by the same bench binary).
crate() { # program key side args...: one C throughput process (-r 3: its median of 3 repetitions), recorded in MB/s
    local prog="$1" key="$2" side="$3" line mib
    shift 3
    # pipe_throughput: "... rates_MiB/s: 1 2 3  median=4660 MiB/s  (...)"; pipe_message: "... MiB/s: 1 2 3  median=2814 MiB/s"
    line="$("${PFX[@]}" "$OUT/$prog" "$@" -r 3 "${CPLACE[@]}" | tail -n 1)"
    mib="$(sed -n 's/.*median=\([0-9.]*\) MiB.*/\1/p' <<< "$line")"
    record "$key" "$side" "{\"lib\":\"c\",\"MB_per_s\":$("$PY" -c "print(round($mib * 1.048576, 1))")}"
}
cping() { # key: pipe_pingpong, blocking and non-blocking + poll, 20k timed round trips each
    local mode line flag
    for mode in blocking nonblock; do
        flag=()
        [[ $mode == nonblock ]] && flag=(-n)
        line="$("${PFX[@]}" "$OUT/pipe_pingpong" -i 20000 -W 5000 -r 1 "${flag[@]}" "${CPLACE[@]}" | tail -n 1)"
        record "$1" "c_$mode" "{\"lib\":\"c\",\"rtt_median_us\":$(sed -n 's/.*median=\([0-9.]*\)us.*/\1/p' <<< "$line"),\"rtt_mean_us\":$(sed -n 's/.*mean=\([0-9.]*\)us.*/\1/p' <<< "$line"),\"rtt_p99_us\":$(sed -n 's/.*p99=\([0-9.]*\)us.*/\1/p' <<< "$line")}"
    done
}
if [[ $GIPC_ANY -eq 1 ]]; then
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] gipc rep $rep/$REPS" >&2
        if runs gipc_msgs; then
            gp gipc_msgs greenproc gipc_msgs 3000000
        fi
        if runs gipc_msgs_int; then
            gp gipc_msgs_int greenproc gipc_msgs_int 3000000
        fi
        for key in "${KEYS[@]}"; do  # the gipc_bw cases: their size and MiB are in bench/cases.tsv
            [[ ${GPARGS[$key]} == "gipc_bw "* ]] || continue
            runs "$key" || continue
            read -r _ size mib <<< "${GPARGS[$key]}"
            gp "$key" greenproc gipc_bw "$size" "$mib"
            gp "$key" greenproc_pooled gipc_bw_pooled "$size" "$mib"
            if [[ $size -ge 65536 ]]; then  # GetStreamAsync into one reused buffer: the C reader's way
                gp "$key" greenproc_stream gipc_bw_stream "$size" "$mib"
            fi
            crate pipe_throughput "$key" c_p1m -w "$size" -t "$mib" -p 1048576
            crate pipe_throughput "$key" c_default -w "$size" -t "$mib"
            crate pipe_throughput "$key" c_p1m_nonblock -w "$size" -t "$mib" -p 1048576 -n
            crate pipe_message "$key" c_msg_p1m -w "$size" -t "$mib" -p 1048576  # the reader holds each whole message
        done
        if runs gipc_rtt; then
            gp gipc_rtt greenproc gipc_rtt 20000
            cping gipc_rtt
        fi
        if runs gipc_rtt_duplex; then
            gp gipc_rtt_duplex greenproc gipc_rtt_duplex 20000
        fi
        if runs gipc_start; then
            gp gipc_start greenproc gipc_start 15
            gp gipc_start greenproc_hook gipc_start_hook 15
            record gipc_start hello "$("${PFX[@]}" "$BENCH_BIN" gipc_hello 15 "$OUT/hello/Hello.dll" | last_json)"
            record gipc_start hello_apphost "$("${PFX[@]}" "$BENCH_BIN" gipc_hello 15 "$OUT/hello/Hello" | last_json)"
            # gipc's spawn mode at the least (multiprocessing spawn + a gevent hub), in the same run: gipc itself is
            # not installable here, and its quoted 45 ms comes from another day of this VM.
            record gipc_start py_spawn "$("${PFX[@]}" "$PY" "$ROOT/bench/anchors/spawn_first_message.py" 15 | last_json)"
        fi
    done
fi

# Echo server (issue 14): rep by rep, every side of every selected echo case, as for the subprocess and gipc cases.
# CONNS ROUNDS SIZE: the case's greenproc_args ('echo CONNS ROUNDS SIZE'), shared by all sides; its sides, in
# bench/cases.tsv's order: greenproc (GreenServer + client greenlets, one hub), dotnet_tasks (the bench's echo_tasks mode:
# Socket.AcceptAsync/ReceiveAsync/SendAsync, a Task per connection and per client, on the thread pool; not a GreenProc
# side, so not run again with --baseline), gevent (bench_echo.py: StreamServer + client greenlets), c_epoll (echo_epoll.c:
# a one-thread epoll server process and a one-thread epoll client process; with --pin both on CPU 0).
ECHO_KEYS=()
for key in "${KEYS[@]}"; do
    [[ ${GPARGS[$key]} == "echo "* ]] && runs "$key" && ECHO_KEYS+=("$key")
done
if [[ ${#ECHO_KEYS[@]} -gt 0 ]]; then
    gcc -O2 -o "$OUT/echo_epoll" "$SHARED/native/echo_epoll.c"
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] echo rep $rep/$REPS" >&2
        for key in "${ECHO_KEYS[@]}"; do
            read -r _ conns rounds size <<< "${GPARGS[$key]}"
            IFS=',' read -ra echo_sides <<< "${SIDES[$key]}"
            for side in "${echo_sides[@]}"; do
                case "$side" in
                    greenproc) gp "$key" greenproc echo "$conns" "$rounds" "$size" ;;
                    dotnet_tasks) record "$key" "$side" "$("${PFX[@]}" "$BENCH_BIN" echo_tasks "$conns" "$rounds" "$size" | last_json)" ;;
                    gevent) record "$key" "$side" "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_echo.py" "$conns" "$rounds" "$size" | last_json)" ;;
                    c_epoll) record "$key" "$side" "$("${PFX[@]}" "$OUT/echo_epoll" "$conns" "$rounds" "$size" | last_json)" ;;
                    *) echo "error: bench/cases.tsv: $key has a side '$side' that bench/run.sh cannot run" >&2; exit 1 ;;
                esac
            done
        done
    done
fi

# Process pool: rep by rep, every side of every selected case, as for the subprocess and gipc cases. 2 workers, the
# trivial task x => x * x. Sides: greenproc (the caller has no hub: the pool runs its own hub thread), greenproc_green
# (the pool on the caller's hub, from a greenlet), greenproc_inflight1024 (pool_map1 with MaxInFlight = 1024: what the
# default in-flight bound costs), greenproc_w1 (one worker, info); the Python sides are named after the script's
# kind. The slow Python peers (ProcessPoolExecutor, pebble, billiard: 30-60 µs a task) run 20k tasks, the others 100k.
POOL_PY="$SHARED/pool"
capped() { # seconds outfile command...: runs the command in a process group of its own, stdout to outfile, and kills
    # the whole group once it has exited or after SECONDS (a hung Python pool leaves workers that would hold a pipe
    # open, and keep burning CPU under the next case)
    local secs="$1" out="$2" pid ticks=0
    shift 2
    setsid "$@" > "$out" 2> /dev/null &
    pid=$!
    while kill -0 "$pid" 2> /dev/null && ((ticks < secs * 10)); do
        sleep 0.1
        ticks=$((ticks + 1))
    done
    kill -KILL -- "-$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}
PYOUT="$OUT/pool-anchor.out"
pyline() { # key side cap-seconds script args...: one Python anchor process, its JSON line recorded (or that it gave none)
    local key="$1" side="$2" cap="$3" line
    shift 3
    capped "$cap" "$PYOUT" "${PFX[@]}" "$PY" "$@"
    line="$(last_json < "$PYOUT" || true)"
    record "$key" "$side" "${line:-"{\"no_result_within_s\":$cap}"}"
}
if [[ $POOL_ANY -eq 1 ]]; then
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] pool rep $rep/$REPS" >&2
        if runs pool_submit; then
            gp pool_submit greenproc ppool_submit 100000 2
            gp pool_submit greenproc_green ppool_submit_green 100000 2
            pyline pool_submit mp_apply_async 300 "$POOL_PY/mp_pool.py" apply_async 100000 2
            pyline pool_submit futures_submit 300 "$POOL_PY/mp_pool.py" futures_submit 20000 2
            pyline pool_submit billiard 300 "$POOL_PY/peers_overhead.py" billiard 20000
            pyline pool_submit pebble 300 "$POOL_PY/peers_overhead.py" pebble 20000
        fi
        if runs pool_map1; then
            gp pool_map1 greenproc ppool_map1 100000 2
            gp pool_map1 greenproc_inflight1024 GREENPROC_BENCH_POOL_MAX_IN_FLIGHT=1024 ppool_map1 100000 2
            pyline pool_map1 mp_map1 300 "$POOL_PY/mp_pool.py" map1 100000 2
            pyline pool_map1 mp_imap_unordered1 300 "$POOL_PY/mp_pool.py" imap_unordered1 100000 2
            pyline pool_map1 futures_map 300 "$POOL_PY/mp_pool.py" futures 20000 2
        fi
        if runs pool_map; then
            gp pool_map greenproc ppool_map 1000000 2
            gp pool_map greenproc_green ppool_map_green 1000000 2
            pyline pool_map mp_map 300 "$POOL_PY/mp_pool.py" map 1000000 2
            gp pool_map greenproc_100k ppool_map 100000 2
            pyline pool_map mp_map_100k 300 "$POOL_PY/mp_pool.py" map 100000 2
        fi
        if runs pool_start; then
            gp pool_start greenproc ppool_start 15 2
            gp pool_start greenproc_green ppool_start_green 15 2
            gp pool_start greenproc_w1 ppool_start 15 1
            gp pool_start gipc_child gipc_start 15
            record pool_start hello "$("${PFX[@]}" "$BENCH_BIN" gipc_hello 15 "$OUT/hello/Hello.dll" | last_json)"
            pyline pool_start py_spawn 300 "$ROOT/bench/anchors/pool_start.py" 15 2 spawn
            pyline pool_start py_fork 300 "$ROOT/bench/anchors/pool_start.py" 15 2 fork
            pyline pool_start pebble_start 300 "$POOL_PY/peers_overhead.py" pebble-start 1
        fi
        if [[ $rep -eq 1 ]] && runs pool_crash; then
            # crash.py waits 6 s for a task that never completes (mp.Pool), up to 15 s a task for billiard, which hung
            # here (so every system gets 150 s, then its process group is killed): ~4 min in all.
            gp pool_crash greenproc ppool_crash
            for system in mp.Pool ProcessPoolExecutor pebble billiard; do
                pyline pool_crash "$system" 150 "$POOL_PY/crash.py" "$system"
            done
        fi
        if [[ $rep -eq 1 ]] && runs pool_lazy; then
            gp pool_lazy greenproc ppool_lazy
            # ProcessPoolExecutor.map reads the whole input before its first result (88 s for lazy.py's 2M items
            # here) and pebble's map did not return in 100 s: both get 30 s.
            for system in mp.Pool.imap billiard.imap ProcessPoolExecutor.map pebble.map; do
                capped 30 "$PYOUT" "${PFX[@]}" "$PY" "$POOL_PY/lazy.py" "$system"
                read_items="$(sed -n 's/.*after 3 results + 1s: \([0-9]*\).*/\1/p' "$PYOUT")"
                if [[ -n $read_items ]]; then
                    record pool_lazy "$system" "{\"read_after_3_and_1s\":$read_items}"
                else
                    record pool_lazy "$system" "{\"timed_out_s\":30}"
                fi
            done
        fi
    done
fi

echo "raw results: $RESULTS" >&2
base_info=()
[[ -n $BASELINE ]] && base_info=(--baseline-build "$(cat "$BASE_SNAP/BUILD_INFO")")
"$PY" "$ROOT/bench/report.py" "$RESULTS" "$TAG" "$REPS" "$(cat "$SNAP/BUILD_INFO")" "${base_info[@]}"
