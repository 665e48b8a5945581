#!/usr/bin/env bash
# GreenProc vs gevent (and a C baseline), side by side, interleaved; prints a Markdown table of medians.
#
#   bench/run.sh [--reps N] [--pin] [--only SUBSTR] [--targets-only] [--no-build] [--jit]
#
#   --reps N        processes per case and side (default 5); each prints one JSON line, the table shows medians
#   --pin           run every process under `taskset -c 0` (the C baseline also with -c same)
#   --only SUBSTR   run only the cases whose key contains SUBSTR; a comma-separated list runs the union
#                   (issue 2 keys: switch, none, spawn_trivial, spawn_trivial_warm, spawn_blocked, pingpong_1,
#                   pingpong_64k, stream_1, stream_64k; issue 3, all starting prim_: prim_event,
#                   prim_switch_queue, prim_switch_channel, prim_queue, prim_bounded1, prim_bounded100,
#                   prim_joinable, prim_channel, prim_pool_map, prim_pool_imap, prim_pool_imap_unordered,
#                   prim_group_map; so `--only prim_` runs issue 3 and `--only switch,pingpong_1` two cases;
#                   issue 4, all starting sub_: sub_spawn_par (200 x `true` at once and in waves of 50),
#                   sub_spawn_seq, sub_cat100 (100 x `cat` communicate 64 KiB), sub_cat1g (1 GiB through one `cat`);
#                   issue 5, all starting gipc_: gipc_msgs (1-byte messages, child -> parent), gipc_msgs_int (T = int),
#                   gipc_bw_1k, gipc_bw_64k, gipc_bw_1m, gipc_bw_64m (MB/s by message size as byte[], GipcBuffer and, from 64 KiB, GetStreamAsync, against pipe_throughput.c),
#                   gipc_rtt (round trip, against pipe_pingpong.c), gipc_rtt_duplex, gipc_start (StartProcess to the
#                   first message, against `dotnet Hello.dll` of bench/Hello and, in the same run, a multiprocessing
#                   spawn child with a gevent hub: bench/anchors/spawn_first_message.py));
#                   the process pool, all starting pool_ (2 workers, a trivial task; against ../shared/bench/pool):
#                   pool_submit (SubmitAsync one by one), pool_map1 (MapAsync, ChunkSize = 1), pool_map (MapAsync,
#                   default chunking, 1M and 100k items), pool_start (new pool -> WaitReadyAsync, against `dotnet
#                   Hello.dll` and a spawn-context Pool: bench/anchors/pool_start.py), pool_crash (a busy worker
#                   SIGKILLed among 6 one-second tasks) and pool_lazy (Imap over an endless input) -- these two are
#                   behaviour drills, run once whatever --reps says. A part starting with ^ matches the key's start
#                   only: `--only ^pool_` runs the process pool alone (plain `pool_` also picks prim_pool_*, gevent's
#                   greenlet Pool)
#   --targets-only  only the cases that have a target (skip the informative 64 KiB / stream rows)
#   --no-build      reuse the last snapshot in bench/out/bin (so that two runs, e.g. unpinned then --pin,
#                   measure the very same build even while the runtime is being edited)
#   --jit           build plainly (JIT only) instead of publishing ReadyToRun
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
# The anchors live in ../shared/bench next to the repository (bench/anchors: our own). Raw results: bench/out/results-*.tsv (git-ignored).
set -euo pipefail

REPS=5
PIN=0
ONLY=""
TARGETS_ONLY=0
NO_BUILD=0
JIT=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --reps=*) REPS="${1#--reps=}"; shift ;;
        --pin) PIN=1; shift ;;
        --only) ONLY="$2"; shift 2 ;;
        --targets-only) TARGETS_ONLY=1; shift ;;
        --no-build) NO_BUILD=1; shift ;;
        --jit) JIT=1; shift ;;
        -h|--help) sed -n '2,48p' "$0"; exit 0 ;;
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

if [[ ! -d "$SHARED/gevent" ]]; then
    echo "error: the anchor benchmarks are not at $SHARED (expected ../shared/bench next to the repository)" >&2
    exit 1
fi
# The gipc cases (issue 5) and the process pool's need no gevent: they compare with C, a bare dotnet start, quoted gipc
# figures and the multiprocessing/pebble/billiard anchors.
GIPC_ONLY=0
if [[ -n "$ONLY" ]]; then
    GIPC_ONLY=1
    IFS=',' read -ra parts <<< "$ONLY"
    for part in "${parts[@]}"; do
        [[ -n "$part" && "$part" != gipc* && "$part" != ^gipc* && "$part" != ^pool_* ]] && GIPC_ONLY=0
    done
fi
if [[ $GIPC_ONLY -eq 0 ]] && ! "$PY" -c 'import gevent' 2>/dev/null; then
    echo "error: $PY cannot import gevent. Install Debian's gevent first:" >&2
    echo "    apt-get install -y python3-gevent time" >&2
    exit 1
fi

mkdir -p "$OUT"
if [[ $NO_BUILD -eq 0 ]]; then
    rm -rf "$SNAP"
    if [[ $JIT -eq 1 ]]; then
        echo "building GreenProc.Bench (Release, JIT only)..." >&2
        dotnet build "$BENCH_PROJ" -c Release -nologo -v quiet >&2
        cp -r "$ROOT/bench/GreenProc.Bench/bin/Release/net10.0" "$SNAP"
    else
        echo "publishing GreenProc.Bench (Release, ReadyToRun)..." >&2
        dotnet publish "$BENCH_PROJ" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
            -o "$SNAP" -nologo -v quiet >&2
    fi
    if rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
        dirty="$(git -C "$ROOT" status --porcelain -- Runtime Interop Subprocess Ipc bench/GreenProc.Bench | wc -l)"
        rev="commit $rev, $dirty uncommitted file(s) under Runtime/ Interop/ Subprocess/ Ipc/ bench/GreenProc.Bench/, $([[ $JIT -eq 1 ]] && echo JIT || echo ReadyToRun)"
    else
        rev="${GREENPROC_BENCH_REV:-not a git checkout}"
    fi
    echo "$rev, built $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$SNAP/BUILD_INFO"
elif [[ ! -x "$BENCH_BIN" ]]; then
    echo "error: --no-build, but there is no snapshot at $SNAP (run once without --no-build)" >&2
    exit 1
fi
gcc -O2 -o "$OUT/pipe_pingpong" "$SHARED/native/pipe_pingpong.c"
SUB_KEYS=(sub_spawn_par sub_spawn_seq sub_cat100 sub_cat1g)
SUB_ANY=0
for key in "${SUB_KEYS[@]}"; do
    selected "$key" && SUB_ANY=1
done
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

GIPC_KEYS=(gipc_msgs gipc_msgs_int gipc_bw_1k gipc_bw_64k gipc_bw_1m gipc_bw_64m gipc_rtt gipc_rtt_duplex gipc_start)
GIPC_ANY=0
for key in "${GIPC_KEYS[@]}"; do
    selected "$key" && GIPC_ANY=1
done
if [[ $GIPC_ANY -eq 1 ]]; then
    gcc -O2 -o "$OUT/pipe_throughput" "$SHARED/native/pipe_throughput.c"
    gcc -O2 -o "$OUT/pipe_message" "$ROOT/bench/native/pipe_message.c"
    if selected gipc_start; then
        echo "building bench/Hello (Release)..." >&2
        rm -rf "$OUT/hello"
        dotnet build "$ROOT/bench/Hello/Hello.csproj" -c Release -o "$OUT/hello" -nologo -v quiet >&2
    fi
fi
POOL_KEYS=(pool_submit pool_map1 pool_map pool_start pool_crash pool_lazy)
POOL_ANY=0
for key in "${POOL_KEYS[@]}"; do
    selected "$key" && POOL_ANY=1
done
if [[ $POOL_ANY -eq 1 ]]; then
    for mod in pebble billiard; do
        if ! "$PY" -c "import $mod" 2>/dev/null; then
            echo "error: $PY cannot import $mod (the pool anchors need it): apt-get install -y python3-pebble python3-billiard" >&2
            exit 1
        fi
    done
    if selected pool_start && ! selected gipc_start; then
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
: > "$RESULTS"

# case key | GreenProc args | gevent script + args | has a target (1) or informative (0)
CASES=(
    "switch|switch_sleep0 200000|bench_switch.py sleep0 200000|1"
    "none|none 0|bench_spawn.py none 0|1"
    "spawn_trivial|spawn_trivial 100000|bench_spawn.py trivial 100000|1"
    "spawn_trivial_warm|spawn_trivial_warm 100000|bench_spawn.py trivial 100000|0"
    "spawn_blocked|spawn_blocked 100000|bench_spawn.py blocked 100000|1"
    "pingpong_1|pipe_pingpong 1 50000|bench_pipe.py pingpong 1 50000|1"
    "pingpong_64k|pipe_pingpong 65536 10000|bench_pipe.py pingpong 65536 10000|0"
    "stream_1|pipe_stream 1 200000|bench_pipe.py stream 1 200000|0"
    "stream_64k|pipe_stream 65536 20000|bench_pipe.py stream 65536 20000|0"
    # issue 3: primitives
    "prim_event|switch_event 200000|bench_switch.py event 200000|1"
    "prim_switch_queue|switch_queue 200000|bench_switch.py queue 200000|0"
    "prim_switch_channel|switch_channel 200000|bench_switch.py channel 200000|0"
    "prim_queue|queue_queue 500000|bench_queue.py queue 500000|1"
    "prim_bounded1|queue_bounded1 500000|bench_queue.py bounded1 500000|1"
    "prim_bounded100|queue_bounded100 500000|bench_queue.py bounded100 500000|0"
    "prim_joinable|queue_joinable 500000|bench_queue.py joinable 500000|0"
    "prim_channel|queue_channel 500000|bench_queue.py channel 500000|1"
    "prim_pool_map|pool_map 100000 100|bench_pool_map.py map 100000 100|1"
    "prim_pool_imap|pool_imap 100000 100|bench_pool_map.py imap 100000 100|0"
    "prim_pool_imap_unordered|pool_imap_unordered 100000 100|bench_pool_map.py imap_unordered 100000 100|0"
    "prim_group_map|pool_group_map 100000|bench_pool_map.py group_map 100000|0"
)

record() { # key side json-line
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"
}

last_json() { grep '^{' | tail -n 1; }

for spec in "${CASES[@]}"; do
    IFS='|' read -r key gpargs gvargs target <<< "$spec"
    selected "$key" || continue
    [[ $TARGETS_ONLY -eq 1 && $target -eq 0 ]] && continue
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] $key rep $rep/$REPS" >&2
        # shellcheck disable=SC2086 # the args are word lists on purpose
        record "$key" greenproc "$("${PFX[@]}" "$BENCH_BIN" $gpargs | last_json)"
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
# sides alike. Keys: sub_spawn_par, sub_spawn_seq, sub_cat100, sub_cat1g; sides: greenproc[_VARIANT], gevent, c_*,
# process*, cliwrap*. The C program runs all its scenarios in one process (200 x true sequential and in waves of
# 50, then 1 GiB through cat with two threads and with one poll() thread), after one untimed run of each.
sub_sel() { selected "$1" && ! [[ $TARGETS_ONLY -eq 1 && $1 == sub_spawn_seq ]]; }
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
        if sub_sel sub_spawn_par || sub_sel sub_spawn_seq || sub_sel sub_cat1g; then
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
        if sub_sel sub_spawn_par; then
            record sub_spawn_par greenproc "$("${PFX[@]}" "$BENCH_BIN" sub_true 200 | last_json)"
            record sub_spawn_par greenproc_sync "$(GREENPROC_BENCH_SUB_START=sync "${PFX[@]}" "$BENCH_BIN" sub_true 200 | last_json)"
            record sub_spawn_par greenproc_par50 "$("${PFX[@]}" "$BENCH_BIN" sub_true_par50 200 | last_json)"
            record sub_spawn_par gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_subprocess.py" true 200 | last_json)"
            peers sub_spawn_par spawn-par50
        fi
        if sub_sel sub_spawn_seq; then
            record sub_spawn_seq greenproc "$("${PFX[@]}" "$BENCH_BIN" sub_true_seq 200 | last_json)"
            record sub_spawn_seq greenproc_sync "$(GREENPROC_BENCH_SUB_START=sync "${PFX[@]}" "$BENCH_BIN" sub_true_seq 200 | last_json)"
            record sub_spawn_seq gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_subprocess.py" true_seq 200 | last_json)"
            peers sub_spawn_seq spawn-seq
        fi
        if sub_sel sub_cat100; then
            record sub_cat100 greenproc "$("${PFX[@]}" "$BENCH_BIN" sub_cat 100 65536 | last_json)"
            record sub_cat100 greenproc_sync "$(GREENPROC_BENCH_SUB_START=sync "${PFX[@]}" "$BENCH_BIN" sub_cat 100 65536 | last_json)"
            record sub_cat100 gevent "$("${PFX[@]}" "$PY" "$SHARED/gevent/bench_subprocess.py" cat 100 65536 | last_json)"
            peers sub_cat100 cat100x64k
        fi
        if sub_sel sub_cat1g; then
            record sub_cat1g greenproc "$("${PFX[@]}" "$BENCH_BIN" sub_cat1g 1024 65536 | last_json)"
            record sub_cat1g greenproc_pipe1m "$(GREENPROC_BENCH_PIPE_SIZE=1048576 "${PFX[@]}" "$BENCH_BIN" sub_cat1g 1024 65536 | last_json)"
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
GIPC_BW=("gipc_bw_1k 1024 512" "gipc_bw_64k 65536 1024" "gipc_bw_1m 1048576 1024" "gipc_bw_64m 67108864 1024")
if [[ $GIPC_ANY -eq 1 ]]; then
    for ((rep = 1; rep <= REPS; rep++)); do
        echo "[$TAG] gipc rep $rep/$REPS" >&2
        if selected gipc_msgs; then
            record gipc_msgs greenproc "$("${PFX[@]}" "$BENCH_BIN" gipc_msgs 3000000 | last_json)"
        fi
        if selected gipc_msgs_int; then
            record gipc_msgs_int greenproc "$("${PFX[@]}" "$BENCH_BIN" gipc_msgs_int 3000000 | last_json)"
        fi
        for spec in "${GIPC_BW[@]}"; do
            read -r key size mib <<< "$spec"
            selected "$key" || continue
            record "$key" greenproc "$("${PFX[@]}" "$BENCH_BIN" gipc_bw "$size" "$mib" | last_json)"
            record "$key" greenproc_pooled "$("${PFX[@]}" "$BENCH_BIN" gipc_bw_pooled "$size" "$mib" | last_json)"
            if [[ $size -ge 65536 ]]; then  # GetStreamAsync into one reused buffer: the C reader's way
                record "$key" greenproc_stream "$("${PFX[@]}" "$BENCH_BIN" gipc_bw_stream "$size" "$mib" | last_json)"
            fi
            crate pipe_throughput "$key" c_p1m -w "$size" -t "$mib" -p 1048576
            crate pipe_throughput "$key" c_default -w "$size" -t "$mib"
            crate pipe_throughput "$key" c_p1m_nonblock -w "$size" -t "$mib" -p 1048576 -n
            crate pipe_message "$key" c_msg_p1m -w "$size" -t "$mib" -p 1048576  # the reader holds each whole message
        done
        if selected gipc_rtt; then
            record gipc_rtt greenproc "$("${PFX[@]}" "$BENCH_BIN" gipc_rtt 20000 | last_json)"
            cping gipc_rtt
        fi
        if selected gipc_rtt_duplex; then
            record gipc_rtt_duplex greenproc "$("${PFX[@]}" "$BENCH_BIN" gipc_rtt_duplex 20000 | last_json)"
        fi
        if selected gipc_start; then
            record gipc_start greenproc "$("${PFX[@]}" "$BENCH_BIN" gipc_start 15 | last_json)"
            record gipc_start greenproc_hook "$("${PFX[@]}" "$BENCH_BIN" gipc_start_hook 15 | last_json)"
            record gipc_start hello "$("${PFX[@]}" "$BENCH_BIN" gipc_hello 15 "$OUT/hello/Hello.dll" | last_json)"
            record gipc_start hello_apphost "$("${PFX[@]}" "$BENCH_BIN" gipc_hello 15 "$OUT/hello/Hello" | last_json)"
            # gipc's spawn mode at the least (multiprocessing spawn + a gevent hub), in the same run: gipc itself is
            # not installable here, and its quoted 45 ms comes from another day of this VM.
            record gipc_start py_spawn "$("${PFX[@]}" "$PY" "$ROOT/bench/anchors/spawn_first_message.py" 15 | last_json)"
        fi
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
        if selected pool_submit; then
            record pool_submit greenproc "$("${PFX[@]}" "$BENCH_BIN" ppool_submit 100000 2 | last_json)"
            record pool_submit greenproc_green "$("${PFX[@]}" "$BENCH_BIN" ppool_submit_green 100000 2 | last_json)"
            pyline pool_submit mp_apply_async 300 "$POOL_PY/mp_pool.py" apply_async 100000 2
            pyline pool_submit futures_submit 300 "$POOL_PY/mp_pool.py" futures_submit 20000 2
            pyline pool_submit billiard 300 "$POOL_PY/peers_overhead.py" billiard 20000
            pyline pool_submit pebble 300 "$POOL_PY/peers_overhead.py" pebble 20000
        fi
        if selected pool_map1; then
            record pool_map1 greenproc "$("${PFX[@]}" "$BENCH_BIN" ppool_map1 100000 2 | last_json)"
            record pool_map1 greenproc_inflight1024 "$(GREENPROC_BENCH_POOL_MAX_IN_FLIGHT=1024 "${PFX[@]}" "$BENCH_BIN" ppool_map1 100000 2 | last_json)"
            pyline pool_map1 mp_map1 300 "$POOL_PY/mp_pool.py" map1 100000 2
            pyline pool_map1 mp_imap_unordered1 300 "$POOL_PY/mp_pool.py" imap_unordered1 100000 2
            pyline pool_map1 futures_map 300 "$POOL_PY/mp_pool.py" futures 20000 2
        fi
        if selected pool_map; then
            record pool_map greenproc "$("${PFX[@]}" "$BENCH_BIN" ppool_map 1000000 2 | last_json)"
            record pool_map greenproc_green "$("${PFX[@]}" "$BENCH_BIN" ppool_map_green 1000000 2 | last_json)"
            pyline pool_map mp_map 300 "$POOL_PY/mp_pool.py" map 1000000 2
            record pool_map greenproc_100k "$("${PFX[@]}" "$BENCH_BIN" ppool_map 100000 2 | last_json)"
            pyline pool_map mp_map_100k 300 "$POOL_PY/mp_pool.py" map 100000 2
        fi
        if selected pool_start; then
            record pool_start greenproc "$("${PFX[@]}" "$BENCH_BIN" ppool_start 15 2 | last_json)"
            record pool_start greenproc_green "$("${PFX[@]}" "$BENCH_BIN" ppool_start_green 15 2 | last_json)"
            record pool_start greenproc_w1 "$("${PFX[@]}" "$BENCH_BIN" ppool_start 15 1 | last_json)"
            record pool_start gipc_child "$("${PFX[@]}" "$BENCH_BIN" gipc_start 15 | last_json)"
            record pool_start hello "$("${PFX[@]}" "$BENCH_BIN" gipc_hello 15 "$OUT/hello/Hello.dll" | last_json)"
            pyline pool_start py_spawn 300 "$ROOT/bench/anchors/pool_start.py" 15 2 spawn
            pyline pool_start py_fork 300 "$ROOT/bench/anchors/pool_start.py" 15 2 fork
            pyline pool_start pebble_start 300 "$POOL_PY/peers_overhead.py" pebble-start 1
        fi
        if [[ $rep -eq 1 ]] && selected pool_crash; then
            # crash.py waits 6 s for a task that never completes (mp.Pool), up to 15 s a task for billiard, which hung
            # here (so every system gets 150 s, then its process group is killed): ~4 min in all.
            record pool_crash greenproc "$("${PFX[@]}" "$BENCH_BIN" ppool_crash | last_json)"
            for system in mp.Pool ProcessPoolExecutor pebble billiard; do
                pyline pool_crash "$system" 150 "$POOL_PY/crash.py" "$system"
            done
        fi
        if [[ $rep -eq 1 ]] && selected pool_lazy; then
            record pool_lazy greenproc "$("${PFX[@]}" "$BENCH_BIN" ppool_lazy | last_json)"
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
"$PY" - "$RESULTS" "$TAG" "$REPS" "$(cat "$SNAP/BUILD_INFO")" <<'EOF'
import json, statistics, sys

path, tag, reps, build = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
data = {}
for line in open(path):
    key, side, js = line.rstrip("\n").split("\t", 2)
    data.setdefault((key, side), []).append(json.loads(js))

def vals(key, side, field):
    return [r[field] for r in data.get((key, side), []) if field in r]

def med(key, side, field):
    v = vals(key, side, field)
    return statistics.median(v) if v else None

def rng(key, side, field):
    v = vals(key, side, field)
    return "%s–%s" % (fmt(min(v)), fmt(max(v))) if v else "–"

def fmt(x, unit=""):
    if x is None:
        return "–"
    if abs(x) >= 100000:
        s = "{:,.0f}".format(x)
    elif abs(x) >= 100:
        s = "{:,.0f}".format(x)
    elif abs(x) >= 1:
        s = "{:.2f}".format(x)
    else:
        s = "{:.4f}".format(x)
    return s + unit

rows = []   # (case, gp, gv, ratio, ratio_kind, target_text, ok)

def fr(x):
    return "–" if x is None else ("{:.3f}".format(x) if x < 0.1 else "{:.2f}".format(x))

def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None

def verdict(r, op, limit):
    if r is None or limit is None:
        return ""
    return "met" if (r >= limit if op == ">=" else r <= limit) else "**missed**"

# (a) switches
gp, gv = med("switch", "greenproc", "ops_per_s"), med("switch", "gevent", "ops_per_s")
r = ratio(gp, gv)
rows.append(("a: sleep(0)/Yield ping-pong, 2 greenlets, 200k each (switches/s)", fmt(gp), fmt(gv),
             fr(r) + "× (GP/gevent)", "≥ 15×", verdict(r, ">=", 15)))
cold = med("switch", "greenproc", "cold_ops_per_s")
if cold is not None:
    rows.append(("a: same, GreenProc first (cold JIT) run, scaled (info)", fmt(cold), fmt(gv),
                 fr(ratio(cold, gv)) + "×", "", ""))

# (b) spawn + join
gp, gv = med("spawn_trivial", "greenproc", "seconds"), med("spawn_trivial", "gevent", "seconds")
r = ratio(gv, gp)
rows.append(("b: spawn+join 100k no-op (s, cold process)", fmt(gp), fmt(gv), fr(r) + "× faster (gevent/GP)",
             "≥ 30×", verdict(r, ">=", 30)))
gw, gv2 = med("spawn_trivial_warm", "greenproc", "seconds"), med("spawn_trivial_warm", "gevent", "seconds")
if gw is not None:
    rows.append(("b: same, GreenProc after a JIT warm-up (s, info; gevent run again)", fmt(gw), fmt(gv2),
                 fr(ratio(gv2, gw)) + "× faster", "", ""))
n0g, n0v = med("none", "greenproc", "ru_maxrss_kib"), med("none", "gevent", "ru_maxrss_kib")
tg, tv = med("spawn_trivial", "greenproc", "ru_maxrss_kib"), med("spawn_trivial", "gevent", "ru_maxrss_kib")
if None not in (n0g, n0v, tg, tv):
    dg, dv = (tg - n0g) / 1024, (tv - n0v) / 1024
    r = ratio(dg, dv)
    rows.append(("b: peak RSS over the `none` baseline, spawn+join 100k (MiB)", fmt(dg), fmt(dv),
                 fr(r) + " of gevent (GP/gevent)", "≤ 0.25", verdict(r, "<=", 0.25)))
if n0g is not None or n0v is not None:
    rows.append(("b: baseline peak RSS, hub only (`none`, MiB, info)", fmt(n0g and n0g / 1024), fmt(n0v and n0v / 1024),
                 "", "", ""))

# (c) parked greenlets
N = 100000
bg = med("spawn_blocked", "greenproc", "bytes_per_greenlet")
bv = med("spawn_blocked", "gevent", "ru_maxrss_kib")
per_v = (bv - n0v) * 1024 / N if None not in (bv, n0v) else None
r = ratio(bg, per_v)
rows.append(("c: bytes per parked greenlet, 100k parked (GP: managed heap Δ; gevent: RSS Δ over `none`)",
             fmt(bg), fmt(per_v), fr(r) + " of gevent (GP/gevent)", "≤ 0.05 (1/20)", verdict(r, "<=", 0.05)))
rg = med("spawn_blocked", "greenproc", "ru_maxrss_kib")
per_g_rss = (rg - n0g) * 1024 / N if None not in (rg, n0g) else None
rows.append(("c: same, GreenProc by peak RSS Δ over `none` (like for like, info)", fmt(per_g_rss), fmt(per_v),
             fr(ratio(per_g_rss, per_v)) + " of gevent", "", ""))
gp, gv = med("spawn_blocked", "greenproc", "seconds"), med("spawn_blocked", "gevent", "seconds")
rows.append(("c: spawn 100k, all parked, release, join (s, info)", fmt(gp), fmt(gv),
             fr(ratio(gv, gp)) + "× faster", "", ""))

# (d) pipes
gp, gv = med("pingpong_1", "greenproc", "msgs_per_s"), med("pingpong_1", "gevent", "msgs_per_s")
r = ratio(gp, gv)
rows.append(("d: pipe ping-pong 1 B, 50k round trips (msgs/s)", fmt(gp), fmt(gv), fr(r) + "× (GP/gevent)",
             "≥ 2×", verdict(r, ">=", 2)))
for side, label in (("c_blocking", "blocking read/write"), ("c_nonblock", "non-blocking + poll")):
    c = med("pingpong_1", side, "msgs_per_s")
    if c is not None:
        rows.append(("d: C baseline, 2 processes, %s (msgs/s; ratio = GP/C, info)" % label, fmt(gp), fmt(c),
                     fr(ratio(gp, c)) + "× of C", "", ""))
for key, label in (("pingpong_64k", "d: pipe ping-pong 64 KiB, 10k round trips (msgs/s, info)"),
                   ("stream_1", "d: pipe stream 1 B × 200k (msgs/s, info)"),
                   ("stream_64k", "d: pipe stream 64 KiB × 20k (msgs/s, info)")):
    gp, gv = med(key, "greenproc", "msgs_per_s"), med(key, "gevent", "msgs_per_s")
    if gp is not None or gv is not None:
        rows.append((label, fmt(gp), fmt(gv), fr(ratio(gp, gv)) + "×", "", ""))

# (e) primitives, issue 3: (key, label, field, higher is better, target ratio or None)
PRIM = (
    ("prim_event", "e: Event ping-pong (set/wait/clear), 2 greenlets, 200k each (handoffs/s)", "ops_per_s", True, 10),
    ("prim_queue", "e: Queue() 1 producer / 1 consumer, 500k items (items/s)", "items_per_s", True, 10),
    ("prim_bounded1", "e: Queue(1) 1P/1C, 500k items (items/s = handoffs/s)", "items_per_s", True, 10),
    ("prim_channel", "e: Channel (rendezvous) 1P/1C, 500k items (handoffs/s)", "items_per_s", True, 10),
    ("prim_pool_map", "e: Pool(100).map identity over 100k items (s)", "seconds", False, 10),
    ("prim_switch_queue", "e: two Queue() ping-pong, 200k each (handoffs/s, info)", "ops_per_s", True, None),
    ("prim_switch_channel", "e: two Channel ping-pong, 200k each (handoffs/s, info)", "ops_per_s", True, None),
    ("prim_bounded100", "e: Queue(100) 1P/1C, 500k items (items/s, info)", "items_per_s", True, None),
    ("prim_joinable", "e: JoinableQueue() 1P/1C, 500k items (items/s, info)", "items_per_s", True, None),
    ("prim_pool_imap", "e: Pool(100).imap identity over 100k items (s, info)", "seconds", False, None),
    ("prim_pool_imap_unordered", "e: Pool(100).imap_unordered over 100k items, sorted (s, info)", "seconds", False, None),
    ("prim_group_map", "e: Group().map identity over 100k items (s, info)", "seconds", False, None),
)
rows3 = []
cold3 = []
alloc3 = []
for key, label, field, higher, target in PRIM:
    gp, gv = med(key, "greenproc", field), med(key, "gevent", field)
    if gp is None and gv is None:
        continue
    r = ratio(gp, gv) if higher else ratio(gv, gp)
    kind = "× (GP/gevent)" if higher else "× faster (gevent/GP)"
    rows3.append((label, fmt(gp), fmt(gv), fr(r) + kind, "≥ %d×" % target if target else "",
                  verdict(r, ">=", target) if target else ""))
    # the first (cold JIT) run of each GreenProc process, scaled to N
    cfield = "cold_seconds" if field == "seconds" else "cold_" + field
    c = med(key, "greenproc", cfield)
    if c is not None:
        rc = ratio(c, gv) if higher else ratio(gv, c)
        cold3.append((key, field, fmt(c), fmt(gp), fmt(gv), fr(rc) + ("×" if higher else "× faster")))
    unit = [f for r0 in data.get((key, "greenproc"), []) for f in r0 if f.startswith("allocated_bytes_per_")]
    if unit:
        cnt = lambda f: "{:g}".format(med(key, "greenproc", f)) if med(key, "greenproc", f) is not None else "–"
        alloc3.append((key, unit[0][len("allocated_bytes_per_"):],
                       "{:,.1f}".format(med(key, "greenproc", unit[0])), cnt("gc0"), cnt("gc2"), cnt("gc_pause_ms"),
                       cnt("warmups"), cnt("jit_methods_in_run")))

print()
print("### %s, medians of %s processes per side" % (tag, reps))
print()
print("GreenProc build: %s." % build)
if any(row[1] != "–" or row[2] != "–" for row in rows):
    print()
    print("| case | GreenProc median | gevent median (C where stated) | ratio | target | verdict |")
    print("|---|---:|---:|---|---|---|")
    for row in rows:
        if row[1] == "–" and row[2] == "–":
            continue
        print("| " + " | ".join(row) + " |")

if rows3:
    print()
    print("Primitives (issue 3):")
    print()
    print("| case | GreenProc median | gevent median | ratio | target | verdict |")
    print("|---|---:|---:|---|---|---|")
    for row in rows3:
        print("| " + " | ".join(row) + " |")
if cold3:
    print()
    print("GreenProc's first, cold run in each process (the first warm-up run, N/20 items, scaled to N; info):")
    print()
    print("| case | metric | GreenProc cold | GreenProc warm | gevent | cold ratio |")
    print("|---|---|---:|---:|---:|---|")
    for row in cold3:
        print("| " + " | ".join(row) + " |")
if alloc3:
    print()
    print("GreenProc allocations and collections during the timed run (whole Green.Run; medians; info):")
    print()
    print("| case | per | allocated bytes | gen0 GCs | gen2 GCs | GC pause (ms) | warm-up runs | methods JIT-compiled in the timed run |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in alloc3:
        print("| " + " | ".join(row) + " |")

SPREAD = (("switch", "ops_per_s"), ("none", "ru_maxrss_kib"), ("spawn_trivial", "seconds"),
          ("spawn_trivial_warm", "seconds"),
          ("spawn_trivial", "ru_maxrss_kib"), ("spawn_blocked", "bytes_per_greenlet"),
          ("spawn_blocked", "ru_maxrss_kib"), ("pingpong_1", "msgs_per_s"),
          ("pingpong_64k", "msgs_per_s"), ("stream_1", "msgs_per_s"), ("stream_64k", "msgs_per_s")) \
        + tuple((p[0], p[2]) for p in PRIM)
if any((k, "greenproc") in data or (k, "gevent") in data for k, _ in SPREAD):
    print()
    print("Spread (min–max over the processes):")
    print()
    print("| case | metric | GreenProc | gevent |")
    print("|---|---|---|---|")
for key, field in (("switch", "ops_per_s"), ("none", "ru_maxrss_kib"), ("spawn_trivial", "seconds"),
                   ("spawn_trivial_warm", "seconds"),
                   ("spawn_trivial", "ru_maxrss_kib"), ("spawn_blocked", "bytes_per_greenlet"),
                   ("spawn_blocked", "ru_maxrss_kib"), ("pingpong_1", "msgs_per_s"),
                   ("pingpong_64k", "msgs_per_s"), ("stream_1", "msgs_per_s"), ("stream_64k", "msgs_per_s")) \
        + tuple((p[0], p[2]) for p in PRIM):
    if (key, "greenproc") in data or (key, "gevent") in data:
        print("| %s | %s | %s | %s |" % (key, field, rng(key, "greenproc", field), rng(key, "gevent", field)))

# ---------------------------------------------------------------- subprocess (issue 4)
def sub_vals(key, side):
    out = []
    for r in data.get((key, side), []):
        if side.startswith("greenproc"):
            v = r.get("MB_per_s", r.get("ms"))
        elif side == "gevent":
            v = r["seconds"] * 1e3 if "seconds" in r else None
        else:
            v = r.get("value")
        if v is not None:
            out.append(v)
    return out

def sub_med(key, side):
    v = sub_vals(key, side)
    return statistics.median(v) if v else None

SUB = (
    ("sub_spawn_par", "a: 200 × `true` started concurrently (ms)", "ms", (
        ("greenproc", "GreenProc: a greenlet per child, all 200 at once"),
        ("greenproc_sync", "GreenProc, sync start (Popen.Start on the hub): all 200 at once"),
        ("greenproc_par50", "GreenProc: the same in waves of 50 (spawn 50, join them)"),
        ("c_par50", "C posix_spawnp, waves of 50 (spawn-par50)"),
        ("process", "System.Diagnostics.Process, ≤ 50 in flight"),
        ("process-redirected", "Process, stdio redirected (what CliWrap does), ≤ 50 in flight"),
        ("cliwrap", "CliWrap, ≤ 50 in flight"),
        ("gevent", "gevent.subprocess, all 200 at once"))),
    ("sub_spawn_seq", "a: 200 × `true` one after another (ms, info)", "ms", (
        ("greenproc", "GreenProc: one greenlet, Popen + WaitAsync × 200"),
        ("greenproc_sync", "GreenProc, sync start: one greenlet"),
        ("c", "C posix_spawnp + waitpid (spawn-seq)"),
        ("process", "System.Diagnostics.Process"),
        ("process-redirected", "Process, stdio redirected"),
        ("cliwrap", "CliWrap"),
        ("gevent", "gevent.subprocess (true_seq)"))),
    ("sub_cat100", "b: 100 × `cat`, communicate 64 KiB each, concurrently (ms)", "ms", (
        ("greenproc", "GreenProc: a greenlet per child, CommunicateAsync"),
        ("greenproc_sync", "GreenProc, sync start: a greenlet per child, CommunicateAsync"),
        ("process", "System.Diagnostics.Process (cat100x64k)"),
        ("cliwrap-stream", "CliWrap, piped to a MemoryStream"),
        ("cliwrap-buffered", "CliWrap ExecuteBufferedAsync"),
        ("gevent", "gevent.subprocess communicate"))),
    ("sub_cat1g", "c: 1 GiB through one `cat`, 64 KiB chunks (MB/s, MB = 10^6)", "MB/s", (
        ("greenproc", "GreenProc: writer greenlet + reader greenlet (64 KiB pipes)"),
        ("greenproc_pipe1m", "GreenProc, PipeSize = 1 MiB (the others: 64 KiB pipes)"),
        ("c_1thread_poll", "C, one thread, non-blocking + poll()"),
        ("c_2threads_blocking", "C, writer thread + blocking reads"),
        ("process", "System.Diagnostics.Process"),
        ("cliwrap", "CliWrap"))),
)
if any((k, "greenproc") in data for k, _, _, _ in SUB):
    print()
    print("Subprocess (issue 4), medians:")
    print()
    print("| case | implementation | median | min–max | GreenProc vs this |")
    print("|---|---|---:|---|---|")
    for key, label, unit, sides in SUB:
        gp = sub_med(key, "greenproc")
        for side, name in sides:
            v = sub_vals(key, side)
            if not v:
                continue
            m = statistics.median(v)
            if side == "greenproc":
                rel = ""
            elif unit == "MB/s":
                rel = fr(ratio(gp, m)) + "× the throughput"
            else:
                rel = fr(ratio(gp, m)) + "× the time"
            print("| %s | %s | %s | %s–%s | %s |" % (label, name, fmt(m), fmt(min(v)), fmt(max(v)), rel))
    targets = []
    def t(name, r, op, limit, text):
        targets.append((name, fr(r), text, verdict(r, op, limit)))
    gp = sub_med("sub_spawn_par", "greenproc")
    gp50 = sub_med("sub_spawn_par", "greenproc_par50")
    c50 = sub_med("sub_spawn_par", "c_par50")
    pr = sub_med("sub_spawn_par", "process")
    if gp is not None:
        t("a: GreenProc all 200 at once ÷ C spawn-par50 (time)", ratio(gp, c50), "<=", 1.15, "≤ 1.15")
        t("a: GreenProc waves of 50 ÷ C spawn-par50 (time)", ratio(gp50, c50), "<=", 1.15, "≤ 1.15")
        t("a: Process spawn-par50 ÷ GreenProc all at once (time; > 1: faster than Process)", ratio(pr, gp), ">=", 1.0, "> 1")
        t("a: Process spawn-par50 ÷ GreenProc waves of 50 (time)", ratio(pr, gp50), ">=", 1.0, "> 1")
        gps = sub_med("sub_spawn_par", "greenproc_sync")
        if gps is not None:
            t("a: GreenProc sync start ÷ C spawn-par50 (time)", ratio(gps, c50), "<=", 1.15, "≤ 1.15")
            t("a: Process spawn-par50 ÷ GreenProc sync start (time)", ratio(pr, gps), ">=", 1.0, "> 1")
    gp = sub_med("sub_cat100", "greenproc")
    if gp is not None:
        t("b: GreenProc ÷ Process (time)", ratio(gp, sub_med("sub_cat100", "process")), "<=", 0.8, "≤ 0.8")
        t("b: gevent ÷ GreenProc (time; speed-up)", ratio(sub_med("sub_cat100", "gevent"), gp), ">=", 3.0, "≥ 3")
        gps = sub_med("sub_cat100", "greenproc_sync")
        if gps is not None:
            t("b: GreenProc sync start ÷ Process (time)", ratio(gps, sub_med("sub_cat100", "process")), "<=", 0.8, "≤ 0.8")
            t("b: gevent ÷ GreenProc sync start (time; speed-up)", ratio(sub_med("sub_cat100", "gevent"), gps), ">=", 3.0, "≥ 3")
    gp = sub_med("sub_cat1g", "greenproc")
    if gp is not None:
        t("c: GreenProc ÷ C poll() relay (throughput)", ratio(gp, sub_med("sub_cat1g", "c_1thread_poll")), ">=", 0.95, "≥ 0.95")
        t("c: GreenProc ÷ Process (throughput)", ratio(gp, sub_med("sub_cat1g", "process")), ">=", 1.3, "≥ 1.3")
        gpm = sub_med("sub_cat1g", "greenproc_pipe1m")
        if gpm is not None:
            t("c: GreenProc 1 MiB pipes ÷ C poll() relay, 64 KiB pipes (throughput)", ratio(gpm, sub_med("sub_cat1g", "c_1thread_poll")), ">=", 0.95, "≥ 0.95")
            t("c: GreenProc 1 MiB pipes ÷ Process, 64 KiB pipes (throughput)", ratio(gpm, sub_med("sub_cat1g", "process")), ">=", 1.3, "≥ 1.3")
    print()
    print("Targets (ratios of the medians above):")
    print()
    print("| target | ratio | wanted | verdict |")
    print("|---|---:|---|---|")
    for row in targets:
        print("| " + " | ".join(row) + " |")
    print()
    print("GreenProc, per process (medians; info):")
    print()
    print("| case | mode | cold first run | timed run | allocated bytes | gen0 GCs |")
    print("|---|---|---:|---:|---:|---:|")
    for key, mode, side in (("sub_spawn_par", "sub_true 200", "greenproc"), ("sub_spawn_par", "sub_true_par50 200", "greenproc_par50"),
                            ("sub_spawn_seq", "sub_true_seq 200", "greenproc"), ("sub_cat100", "sub_cat 100 65536", "greenproc"),
                            ("sub_cat1g", "sub_cat1g 1024 65536", "greenproc")):
        rs = data.get((key, side), [])
        if not rs:
            continue
        def m(f):
            v = [r[f] for r in rs if f in r]
            return statistics.median(v) if v else None
        if key == "sub_cat1g":
            cold, run_, per = fmt(m("cold_MB_per_s"), " MB/s (1/16 size)"), fmt(m("MB_per_s"), " MB/s"), fmt(m("allocated_bytes_per_chunk"), " / chunk")
        else:
            cold, run_, per = fmt(m("cold_seconds") and m("cold_seconds") * 1e3, " ms"), fmt(m("ms"), " ms"), fmt(m("allocated_bytes_per_proc"), " / child")
        print("| %s | `%s` | %s | %s | %s | %s |" % (key, mode, cold, run_, per, "–" if m("gc0") is None else "{:g}".format(m("gc0"))))

# ---------------------------------------------------------------- gipc (issue 5)
# gipc's own figures (Python, measured on this machine; gipc cannot be installed here, so they are quoted).
GIPC_PY = {"gipc_msgs": 360e3, "gipc_bw_1k": 240, "gipc_bw_64k": 2000, "gipc_bw_1m": 2100, "gipc_rtt": 15.0, "gipc_start": 45.0}
if any(k.startswith("gipc_") for k, _ in data):
    def gm(key, side, field):
        return med(key, side, field)
    print()
    print("gipc (issue 5), medians over processes (GreenProc: parent + Gipc.StartProcess child, child -> parent):")
    print()
    print("| case | GreenProc | C, 1 MiB pipe (blocking) | C, 64 KiB pipe (blocking) | C, 1 MiB pipe, non-blocking + poll | C message receiver, 1 MiB pipe | gipc (Python, quoted) | GreenProc ÷ C 1 MiB | GreenProc ÷ C message | GreenProc ÷ gipc |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    tg = []
    for key, label in (("gipc_msgs", "a: 1-byte messages, byte[] raw (msgs/s)"), ("gipc_msgs_int", "a: int messages, binary codec (msgs/s)")):
        g = gm(key, "greenproc", "msgs_per_s")
        if g is None:
            continue
        py = GIPC_PY["gipc_msgs"]
        print("| %s | %s | | | | | %s | | | %s× |" % (label, fmt(g), fmt(py), fr(ratio(g, py))))
        if key == "gipc_msgs":
            tg.append(("a: 1-byte messages/s ≥ 4 M (≈ 11× gipc)", fmt(g), "≥ 4,000,000", verdict(g, ">=", 4e6)))
    for key, label in (("gipc_bw_1k", "b: 1 KiB messages (MB/s)"), ("gipc_bw_64k", "b: 64 KiB messages (MB/s)"),
                       ("gipc_bw_1m", "b: 1 MiB messages (MB/s)"), ("gipc_bw_64m", "b: 64 MiB messages (MB/s)")):
        g = gm(key, "greenproc", "MB_per_s")
        if g is None:
            continue
        c1, c0, cn = gm(key, "c_p1m", "MB_per_s"), gm(key, "c_default", "MB_per_s"), gm(key, "c_p1m_nonblock", "MB_per_s")
        cm = gm(key, "c_msg_p1m", "MB_per_s")
        py = GIPC_PY.get(key)
        print("| %s | %s | %s | %s | %s | %s | %s | %s× | %s× | %s× |" % (label, fmt(g), fmt(c1), fmt(c0), fmt(cn), fmt(cm), fmt(py), fr(ratio(g, c1)), fr(ratio(g, cm)), fr(ratio(g, py))))
        gp = gm(key, "greenproc_pooled", "MB_per_s")
        if gp is not None:
            print("| %s, GipcBuffer (pooled) | %s | %s | %s | %s | %s | %s | %s× | %s× | %s× |" % (label, fmt(gp), fmt(c1), fmt(c0), fmt(cn), fmt(cm), fmt(py), fr(ratio(gp, c1)), fr(ratio(gp, cm)), fr(ratio(gp, py))))
        gs = gm(key, "greenproc_stream", "MB_per_s")
        if gs is not None:
            print("| %s, GetStreamAsync into one reused buffer | %s | %s | %s | %s | %s | %s | %s× | %s× | %s× |" % (label, fmt(gs), fmt(c1), fmt(c0), fmt(cn), fmt(cm), fmt(py), fr(ratio(gs, c1)), fr(ratio(gs, cm)), fr(ratio(gs, py))))
        if key == "gipc_bw_1k":
            tg.append(("b: 1 KiB ≥ 4× gipc (GreenProc ÷ gipc)", fr(ratio(g, py)), "≥ 4", verdict(ratio(g, py), ">=", 4)))
        else:
            size_label = key[len("gipc_bw_"):].upper().replace("K", " KiB").replace("M", " MiB")
            tg.append(("b: %s ≥ 0.9× C with the same 1 MiB pipe (byte[])" % size_label,
                       fr(ratio(g, c1)), "≥ 0.90", verdict(ratio(g, c1), ">=", 0.9)))
            if gp is not None:
                tg.append(("b: %s ≥ 0.9× C with the same 1 MiB pipe (GipcBuffer)" % size_label,
                           fr(ratio(gp, c1)), "≥ 0.90", verdict(ratio(gp, c1), ">=", 0.9)))
                if cm is not None:
                    tg.append(("b: %s, GipcBuffer ÷ the C message receiver (info)" % size_label,
                               fr(ratio(gp, cm)), "≥ 0.90", verdict(ratio(gp, cm), ">=", 0.9)))
            if gs is not None:
                tg.append(("b: %s ≥ 0.9× C with the same 1 MiB pipe (GetStreamAsync, reused buffer as the C reader)" % size_label,
                           fr(ratio(gs, c1)), "≥ 0.90", verdict(ratio(gs, c1), ">=", 0.9)))
    for key, label in (("gipc_rtt", "c: 1-byte round trip, two pipes"), ("gipc_rtt_duplex", "c: 1-byte round trip, one duplex pipe (info)")):
        g = gm(key, "greenproc", "rtt_median_us")
        if g is None:
            continue
        cb, cn = gm("gipc_rtt", "c_blocking", "rtt_median_us"), gm("gipc_rtt", "c_nonblock", "rtt_median_us")
        py = GIPC_PY["gipc_rtt"]
        print("| %s, median µs (C: blocking / non-blocking + poll) | %s | %s | | %s | | %s | %s× poll | | %s× |" % (label, fmt(g), fmt(cb), fmt(cn), fmt(py), fr(ratio(g, cn)), fr(ratio(g, py))))
        g99 = gm(key, "greenproc", "rtt_p99_us")
        print("| %s, p99 µs | %s | %s | | %s | | | %s× poll | | |" % (label, fmt(g99), fmt(gm("gipc_rtt", "c_blocking", "rtt_p99_us")),
              fmt(gm("gipc_rtt", "c_nonblock", "rtt_p99_us")), fr(ratio(g99, gm("gipc_rtt", "c_nonblock", "rtt_p99_us")))))
        if key == "gipc_rtt":
            tg.append(("c: round trip median ≤ 1.5× C non-blocking + poll", fr(ratio(g, cn)), "≤ 1.5", verdict(ratio(g, cn), "<=", 1.5)))
    g = gm("gipc_start", "greenproc", "ms")
    if g is not None:
        h, ha = gm("gipc_start", "hello", "ms"), gm("gipc_start", "hello_apphost", "ms")
        py = GIPC_PY["gipc_start"]
        print("| d: StartProcess to the first message, ms (C columns: `dotnet Hello.dll` / `Hello` apphost, start to exit) | %s | %s | %s | | | %s | %s× dotnet hello | | %s× (%s× faster) |"
              % (fmt(g), fmt(h), fmt(ha), fmt(py), fr(ratio(g, h)), fr(ratio(g, py)), fr(ratio(py, g))))
        gh = gm("gipc_start", "greenproc_hook", "ms")
        if gh is not None:
            print("| d: the same through the startup-hook fallback (info) | %s | %s | %s | | | %s | %s× dotnet hello | | %s× |"
                  % (fmt(gh), fmt(h), fmt(ha), fmt(py), fr(ratio(gh, h)), fr(ratio(gh, py))))
        ps = gm("gipc_start", "py_spawn", "ms")
        if ps is not None:
            print("| d: multiprocessing spawn + gevent hub to the first message, same run (gipc's spawn mode at the least), ms | %s | | | | | | | | GreenProc %s× faster |"
                  % (fmt(ps), fr(ratio(ps, g))))
        tg.append(("d: StartProcess to first message ≤ 1.5× `dotnet Hello.dll`", fr(ratio(g, h)), "≤ 1.5", verdict(ratio(g, h), "<=", 1.5)))
        tg.append(("d: ≥ 1.5× faster than gipc's 45 ms (gipc ÷ GreenProc)", fr(ratio(py, g)), "≥ 1.5", verdict(ratio(py, g), ">=", 1.5)))
        if ps is not None:
            tg.append(("d: ≥ 1.5× faster than multiprocessing spawn + gevent in the same run (its ÷ GreenProc)", fr(ratio(ps, g)), "≥ 1.5", verdict(ratio(ps, g), ">=", 1.5)))
    if tg:
        print()
        print("Targets:")
        print()
        print("| target | value | wanted | verdict |")
        print("|---|---:|---|---|")
        for row in tg:
            print("| " + " | ".join(row) + " |")
    print()
    print("Spread (min–max over the processes) and GreenProc's parent per process (medians; allocations over the timed rounds):")
    print()
    print("| case | metric | GreenProc | C 1 MiB / C poll / dotnet hello | GreenProc cold (first round, 1/10 size) | allocated bytes per message (parent) | gen0 / gen2 GCs |")
    print("|---|---|---|---|---|---|---|")
    for key, field, cside in (("gipc_msgs", "msgs_per_s", None), ("gipc_msgs_int", "msgs_per_s", None),
                              ("gipc_bw_1k", "MB_per_s", "c_p1m"), ("gipc_bw_64k", "MB_per_s", "c_p1m"),
                              ("gipc_bw_1m", "MB_per_s", "c_p1m"), ("gipc_bw_64m", "MB_per_s", "c_p1m"),
                              ("gipc_rtt", "rtt_median_us", "c_nonblock"), ("gipc_rtt_duplex", "rtt_median_us", None),
                              ("gipc_start", "ms", "hello")):
        if (key, "greenproc") not in data:
            continue
        cold = gm(key, "greenproc", "cold_" + field) if field != "rtt_median_us" else None
        if key == "gipc_start":
            cold = gm(key, "greenproc", "cold_ms")
        per = gm(key, "greenproc", "allocated_bytes_per_msg")
        if per is None:
            per = gm(key, "greenproc", "allocated_bytes_per_round_trip")
        g0, g2 = gm(key, "greenproc", "gc0"), gm(key, "greenproc", "gc2")
        print("| %s | %s | %s | %s | %s | %s | %s |" % (key, field, rng(key, "greenproc", field), rng(key, cside, field) if cside else "",
              fmt(cold), fmt(per), "" if g0 is None else "{:g} / {:g}".format(g0, g2)))

# ---------------------------------------------------------------- process pool
POOL_SIDES = (
    ("pool_submit", "a: unbatched, one task at a time (µs/task)", "us_per_task", (
        ("greenproc", "GreenProc: 100k × SubmitAsync, awaited together (caller without a hub)"),
        ("greenproc_green", "GreenProc: the same from a greenlet (the pool on the caller's hub)"),
        ("mp_apply_async", "multiprocessing.Pool: 100k × apply_async, then get"),
        ("futures_submit", "ProcessPoolExecutor: 20k × submit, wait"),
        ("billiard", "billiard.Pool: 20k × apply_async"),
        ("pebble", "pebble.ProcessPool: 20k × schedule"))),
    ("pool_map1", "a: unbatched map, chunk size 1 (µs/task)", "us_per_task", (
        ("greenproc", "GreenProc: MapAsync, ChunkSize = 1 (MaxInFlight default: 512 a worker)"),
        ("greenproc_inflight1024", "GreenProc: the same with MaxInFlight = 1024 (info: where the time goes)"),
        ("mp_map1", "multiprocessing.Pool.map, chunksize=1"),
        ("mp_imap_unordered1", "multiprocessing.Pool.imap_unordered, chunksize=1"),
        ("futures_map", "ProcessPoolExecutor.map (chunksize 1), 20k"))),
    ("pool_map", "b: batched map (µs/task)", "us_per_task", (
        ("greenproc", "GreenProc: MapAsync, default chunking, 1M items (chunks of 1,024)"),
        ("greenproc_green", "GreenProc: the same from a greenlet"),
        ("mp_map", "multiprocessing.Pool.map, default chunksize, 1M items"),
        ("greenproc_100k", "GreenProc: MapAsync, 100k items (info)"),
        ("mp_map_100k", "multiprocessing.Pool.map, 100k items (info)"))),
    ("pool_start", "c: start, new pool of 2 → every worker ready (ms)", "ms", (
        ("greenproc", "GreenProc: new ProcessPool(2) → WaitReadyAsync (caller without a hub)"),
        ("greenproc_green", "GreenProc: the same inside Green.Run"),
        ("greenproc_w1", "GreenProc: 1 worker (info)"),
        ("gipc_child", "GreenProc: one Gipc.StartProcess child to its first message (info: what a worker is before its pool setup)"),
        ("hello", "`dotnet Hello.dll`, start to exit (one bare .NET process)"),
        ("py_spawn", "multiprocessing spawn Pool(2), both workers answered (bench/anchors/pool_start.py)"),
        ("py_fork", "multiprocessing fork Pool(2), the same (info: .NET cannot fork)"),
        ("pebble_start", "pebble ProcessPool(2) to the first result, import included (info)"))),
)

def pool_vals(key, side, field):
    v = [r[field] for r in data.get((key, side), []) if field in r]
    if not v and field == "ms":  # peers_overhead.py pebble-start reports seconds
        v = [r["seconds"] * 1e3 for r in data.get((key, side), []) if "seconds" in r]
    return v

def pool_med(key, side, field):
    v = pool_vals(key, side, field)
    return statistics.median(v) if v else None

def pool_rng(key, side, field):
    v = pool_vals(key, side, field)
    return "%s–%s" % (fmt(min(v)), fmt(max(v))) if v else "–"

if any(k.startswith("pool_") for k, _ in data):
    print()
    print("Process pool, 2 workers, trivial task (x => x * x); medians over processes:")
    print()
    print("| case | implementation | median | min–max | GreenProc (the case's first row) ÷ this |")
    print("|---|---|---:|---|---|")
    for key, label, field, sides in POOL_SIDES:
        gp = pool_med(key, "greenproc", field)
        for side, name in sides:
            m = pool_med(key, side, field)
            if m is None:
                continue
            rel = "" if side == "greenproc" else fr(ratio(gp, m)) + "× the time"
            print("| %s | %s | %s | %s | %s |" % (label, name, fmt(m), pool_rng(key, side, field), rel))
    pt = []
    def t(name, value, wanted, ok):
        pt.append((name, value, wanted, ok))
    sub, m1 = pool_med("pool_submit", "greenproc", "us_per_task"), pool_med("pool_map1", "greenproc", "us_per_task")
    py_unbatched = [pool_med(k, s, "us_per_task") for k, s in (("pool_submit", "mp_apply_async"), ("pool_submit", "futures_submit"),
                    ("pool_submit", "billiard"), ("pool_submit", "pebble"), ("pool_map1", "mp_map1"),
                    ("pool_map1", "mp_imap_unordered1"), ("pool_map1", "futures_map"))]
    py_best = min([v for v in py_unbatched if v is not None], default=None)
    if sub is not None:
        t("a: SubmitAsync one by one ≤ 2.5 µs/task", fmt(sub), "≤ 2.5", verdict(sub, "<=", 2.5))
        if py_best is not None:
            t("a: SubmitAsync ÷ Python's best unbatched in this run (info)", fr(ratio(sub, py_best)), "(best: %s µs)" % fmt(py_best), "")
    if m1 is not None:
        t("a: MapAsync, ChunkSize = 1 ≤ 2.5 µs/task", fmt(m1), "≤ 2.5", verdict(m1, "<=", 2.5))
        m1w = pool_med("pool_map1", "greenproc_inflight1024", "us_per_task")
        if m1w is not None:
            t("a: the same with MaxInFlight = 1024 (info)", fmt(m1w), "≤ 2.5", verdict(m1w, "<=", 2.5))
    bm, pm = pool_med("pool_map", "greenproc", "us_per_task"), pool_med("pool_map", "mp_map", "us_per_task")
    if bm is not None:
        t("b: MapAsync batched, 1M ≤ Pool.map's 0.15 µs/task (the issue's figure)", fmt(bm), "≤ 0.15", verdict(bm, "<=", 0.15))
        if pm is not None:
            t("b: MapAsync batched ÷ Pool.map in this run", fr(ratio(bm, pm)), "≤ 1", verdict(ratio(bm, pm), "<=", 1.0))
    st, he = pool_med("pool_start", "greenproc", "ms"), pool_med("pool_start", "hello", "ms")
    if st is not None:
        t("c: 2 workers ready ÷ one bare `dotnet Hello.dll`", fr(ratio(st, he)), "≤ 1.5", verdict(ratio(st, he), "<=", 1.5))
        sp = pool_med("pool_start", "py_spawn", "ms")
        if sp is not None:
            t("c: 2 workers ready ÷ a spawn-context Pool(2) with both workers answered (info)", fr(ratio(st, sp)), "", "")
    if pt:
        print()
        print("Targets:")
        print()
        print("| target | value | wanted | verdict |")
        print("|---|---:|---|---|")
        for row in pt:
            print("| " + " | ".join(row) + " |")
    print()
    print("GreenProc's side per process (medians): where the time goes. CPU per task from getrusage of the parent and")
    print("/proc/<pid>/stat of the workers (10 ms ticks); allocations in the parent:")
    print()
    print("| case | side | µs/task | parent CPU µs/task | workers CPU µs/task | allocated B/task (parent) | gen0 / gen2 GCs | cold round µs/task |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for key in ("pool_submit", "pool_map1", "pool_map"):
        for side in ("greenproc", "greenproc_green", "greenproc_inflight1024", "greenproc_100k"):
            if (key, side) not in data:
                continue
            g0, g2 = pool_med(key, side, "gc0"), pool_med(key, side, "gc2")
            cold = pool_med(key, side, "cold_seconds")
            n = pool_med(key, side, "n")
            print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (key, side, fmt(pool_med(key, side, "us_per_task")),
                  fmt(pool_med(key, side, "parent_cpu_us_per_task")), fmt(pool_med(key, side, "workers_cpu_us_per_task")),
                  fmt(pool_med(key, side, "allocated_bytes_per_task")), "" if g0 is None else "{:g} / {:g}".format(g0, g2),
                  fmt(cold and n and cold / n * 1e6)))
    for side in ("greenproc", "greenproc_green", "greenproc_w1"):
        if ("pool_start", side) in data:
            print("| pool_start | %s | ready %s ms | first result %s ms | DisposeAsync %s ms | cold: ready %s ms | | |" % (side,
                  fmt(pool_med("pool_start", side, "ms")), fmt(pool_med("pool_start", side, "ms_first_result")),
                  fmt(pool_med("pool_start", side, "ms_dispose")), fmt(pool_med("pool_start", side, "cold_ms"))))
    crash = data.get(("pool_crash", "greenproc"))
    if crash:
        print()
        print("Crash drill (2 workers, 6 one-second tasks, one busy worker SIGKILLed 0.3 s in; then a later task; pebble,")
        print("billiard and GreenProc: a 30 s task with a 0.5 s timeout, and a task after it):")
        print()
        print("| system | the 6 tasks | a task submitted after | timeout task | a task after the timeout |")
        print("|---|---|---|---|---|")
        for system in ("greenproc", "mp.Pool", "ProcessPoolExecutor", "pebble", "billiard"):
            for r in data.get(("pool_crash", system), []):
                if "no_result_within_s" in r:
                    print("| %s | hung: no report within %d s (its process group was killed) | | | |" % (system, r["no_result_within_s"]))
                    continue
                def cell(x):  # crash.py's fates may hold a traceback: one line, no table breaks
                    x = " ".join(str(x).split()).replace("|", "/")
                    if len(x) <= 90:
                        return x
                    tail = x[x.rfind(" (after "):] if x.endswith("s)") and " (after " in x else ""
                    return x[:60] + "..." + tail
                print("| %s | %s | %s | %s | %s |" % ("GreenProc" if system == "greenproc" else system,
                      "; ".join(cell(t) for t in r.get("tasks", [])), cell(r.get("after", "")), cell(r.get("timeout_task", "–")),
                      cell(r.get("after_timeout", "–"))))
    lazy = data.get(("pool_lazy", "greenproc"))
    if lazy:
        print()
        print("Read-ahead drill (an endless input, the consumer takes 3 results and waits 1 s; items read from the input):")
        print()
        print("| system | items read |")
        print("|---|---:|")
        for r in lazy:
            print("| GreenProc Imap, a task the pool has not timed yet (chunks start at 1; after 3 results: {:,}) | {:,} |".format(r["cold_read_after_3"], r["cold_read_after_3_and_1s"]))
            print("| GreenProc Imap, the same task again (chunks sized from its measured run time, here the most, 1,024; after 3 results: {:,}) | {:,} |".format(r["warm_read_after_3"], r["warm_read_after_3_and_1s"]))
        for system in ("mp.Pool.imap", "billiard.imap", "ProcessPoolExecutor.map", "pebble.map"):
            for r in data.get(("pool_lazy", system), []):
                v = "{:,}".format(r["read_after_3_and_1s"]) if "read_after_3_and_1s" in r else "no result within %d s" % r["timed_out_s"]
                print("| %s | %s |" % (system, v))
EOF
