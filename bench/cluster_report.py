#!/usr/bin/python3
"""The report of bench/cluster.sh: Markdown tables of medians and ratios from a raw results file.

    bench/cluster_report.py RESULTS [TAG [BUILD]]

RESULTS is a bench/out/cluster/results-*.jsonl: one JSON line per measurement, as GreenProc.ClusterBench prints them
(a "bench" key naming the case, a "side": local or cluster). Every figure is the median over the processes of a side
(each process itself reports the median of its timed rounds); the ratios divide the two sides' medians, measured in the
same run, the sides interleaved. Ranges are min-max over the processes.
"""
import json
import statistics
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def values(rows, bench, side, key, **match):
    out = []
    for r in rows:
        if r.get("bench") == bench and r.get("side") == side and key in r and all(r.get(k) == v for k, v in match.items()):
            v = r[key]
            if isinstance(v, (int, float)) and v == v:  # not NaN
                out.append(float(v))
    return out


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, digits=None):
    if x is None:
        return "–"
    if digits is None:
        a = abs(x)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3
    return f"{x:,.{digits}f}"


def rng(xs, digits=None):
    return f"{fmt(min(xs), digits)}–{fmt(max(xs), digits)}" if xs else "–"


def ratio(a, b):
    return f"{a / b:.1f}×" if a is not None and b not in (None, 0) else "–"


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    rows = load(sys.argv[1])
    tag = sys.argv[2] if len(sys.argv) > 2 else ("pinned" if "pinned" in sys.argv[1] and "unpinned" not in sys.argv[1] else "unpinned")
    build = sys.argv[3] if len(sys.argv) > 3 else ""
    procs = {s: len([r for r in rows if r.get("bench") == "cluster_start" and r.get("side") == s]) for s in ("local", "cluster")}
    print(f"## Cluster vs local pool — {tag}" + (f" ({build})" if build else ""))
    print()
    cal = values(rows, "cluster_calibrate", "local", "iters_per_ms")
    starts = values(rows, "cluster_start", "cluster", "start_s")
    print(f"{procs['local']} local / {procs['cluster']} cluster suite processes; medians over them (ranges min–max). "
          f"Cluster start (2 silo processes, client connected, both nodes greeted): {fmt(med(starts))} s ({rng(starts)}). "
          + (f"CPU work calibrated at {fmt(cal[0], 0)} steps per ms." if cal else ""))
    print()

    tput = [("tput_c1", "ChunkSize 1 (cluster: ChunksPerWorker 2)"), ("tput_c1_w16", "ChunkSize 1, ChunksPerWorker 16"),
            ("tput_c16", "ChunkSize 16"), ("tput_c16_w16", "ChunkSize 16, ChunksPerWorker 16"), ("tput_c256", "ChunkSize 256")]
    if any(values(rows, "cluster_" + k, "cluster", "us_per_task") for k, _ in tput):
        print("### (a) Trivial tasks (`Square`), throughput")
        print()
        print("| case | local µs/task | cluster µs/task | cluster ÷ local | local tasks/s | cluster tasks/s | cluster range µs/task | "
              "cluster CPU per chunk: client / silos / workers, µs |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key, label in tput:
            b = "cluster_" + key
            lu, cu = values(rows, b, "local", "us_per_task"), values(rows, b, "cluster", "us_per_task")
            lt, ct = values(rows, b, "local", "tasks_per_s"), values(rows, b, "cluster", "tasks_per_s")
            chunk = med(values(rows, b, "cluster", "chunk")) or 1
            cpu = [med(values(rows, b, "cluster", k)) for k in ("self_cpu_us_per_task", "nodes_cpu_us_per_task", "workers_cpu_us_per_task")]
            cpu_s = " / ".join(fmt(c * chunk) if c is not None else "–" for c in cpu)
            print(f"| {label} | {fmt(med(lu))} | {fmt(med(cu))} | {ratio(med(cu), med(lu))} | {fmt(med(lt), 0)} | {fmt(med(ct), 0)} "
                  f"| {rng(cu)} | {cpu_s} |")
        print()
        print("CPU per task, µs (client or local parent / silos / workers):")
        print()
        print("| case | local | cluster |")
        print("|---|---|---|")
        for key, label in tput:
            b = "cluster_" + key
            cells = []
            for side in ("local", "cluster"):
                cpu = [med(values(rows, b, side, k)) for k in ("self_cpu_us_per_task", "nodes_cpu_us_per_task", "workers_cpu_us_per_task")]
                cells.append(" / ".join(fmt(c) for c in cpu))
            print(f"| {label} | {cells[0]} | {cells[1]} |")
        print()

    rtt = [("rtt_ping", "bare Orleans grain call (PingGrain), client → silo"), ("rtt_submit", "SubmitAsync (a chunk of 1)"),
           ("rtt_chunk16", "a map of one chunk of 16"), ("rtt_chunk256", "a map of one chunk of 256")]
    if any(values(rows, "cluster_" + k, "cluster", "p50_us") for k, _ in rtt):
        print("### (b) Round trips, one call at a time")
        print()
        print("| call | local p50 µs | cluster p50 µs | cluster ÷ local | local p99 µs | cluster p99 µs | cluster p50 range | "
              "cluster CPU per call: client / silos, µs |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key, label in rtt:
            b = "cluster_" + key
            l50, c50 = values(rows, b, "local", "p50_us"), values(rows, b, "cluster", "p50_us")
            l99, c99 = values(rows, b, "local", "p99_us"), values(rows, b, "cluster", "p99_us")
            cs, cn = med(values(rows, b, "cluster", "self_cpu_us_per_call")), med(values(rows, b, "cluster", "nodes_cpu_us_per_call"))
            print(f"| {label} | {fmt(med(l50))} | {fmt(med(c50))} | {ratio(med(c50), med(l50))} | {fmt(med(l99))} | {fmt(med(c99))} "
                  f"| {rng(c50)} | {fmt(cs)} / {fmt(cn)} |")
        print()

    cpu_cases = [("cpu_1ms", "1 ms tasks × 1,000, default chunking"), ("cpu_1ms_c1", "1 ms tasks × 1,000, ChunkSize 1"),
                 ("cpu_10ms", "10 ms tasks × 100, default chunking")]
    if any(values(rows, "cluster_" + k, "cluster", "seconds") for k, _ in cpu_cases):
        print("### (c) CPU-bound tasks, 2 workers either way (cluster: 2 silos × 1 worker); ideal: the work over min(workers, CPUs)")
        print()
        print("| case | ideal s | local s | cluster s | cluster ÷ local | efficiency local / cluster | overhead µs/task local / cluster | "
              "client CPU µs/task local / cluster | silos CPU µs/task |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, label in cpu_cases:
            b = "cluster_" + key
            ls, cs = med(values(rows, b, "local", "seconds")), med(values(rows, b, "cluster", "seconds"))
            # The ideal spreads the work over min(workers, CPUs): one CPU when pinned. Results files from before the
            # bench wrote "cpus" assumed 2; recomputed here from the placement.
            sample = next((r for r in rows if r.get("bench") == b and "task_ms" in r), None)
            if sample is None:
                continue
            cpus = sample.get("cpus", 1 if tag == "pinned" else 2)
            ideal = sample["n"] * sample["task_ms"] / 1000.0 / min(sample["workers"], cpus)
            par = min(sample["workers"], cpus)
            le, ce = (ideal / ls if ls else None), (ideal / cs if cs else None)
            lo = (ls * par / sample["n"] - sample["task_ms"] / 1000.0) * 1e6 if ls else None
            co = (cs * par / sample["n"] - sample["task_ms"] / 1000.0) * 1e6 if cs else None
            lc, cc = med(values(rows, b, "local", "self_cpu_us_per_task")), med(values(rows, b, "cluster", "self_cpu_us_per_task"))
            nc = values(rows, b, "cluster", "nodes_cpu_us_per_task")
            print(f"| {label} | {fmt(ideal)} | {fmt(ls)} | {fmt(cs)} | {ratio(cs, ls)} | {fmt(le, 2)} / {fmt(ce, 2)} | {fmt(lo)} / {fmt(co)} "
                  f"| {fmt(lc)} / {fmt(cc)} | {fmt(med(nc))} ({rng(nc)}) |")
        print()

    idle = {s: [med(values(rows, "cluster_idle", s, k)) for k in ("self_cpu_ms_per_s", "nodes_cpu_ms_per_s", "workers_cpu_ms_per_s")]
            for s in ("local", "cluster")}
    if idle["cluster"][0] is not None:
        c, l = idle["cluster"], idle["local"]
        print(f"Background CPU, 3 s idle after the cases (ms per s): cluster client {fmt(c[0])}, silos {fmt(c[1])} (both), "
              f"workers {fmt(c[2])}; local parent {fmt(l[0])}, workers {fmt(l[2])}. The per-call CPU of the round trips includes it.")
        print()

    drills = [r for r in rows if r.get("bench") == "cluster_recover_kill"]
    if drills:
        print("### (d) A silo process SIGKILLed 1 s into a map (100 × 50 ms sleeps, ChunkSize 1, ordered; 2 silos × 1 worker; "
              "HeartbeatInterval 1 s)")
        print()
        print("| NodeTimeout | client gateways | runs | map s, no kill | map s, kill | kill → map done s | longest wait for a result after the kill, s "
              "| kill → node unusable / gone s | survivor unusable s | runs stalled > 20 s |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        settings = sorted({(r["node_timeout_s"], r.get("client_gateways", "all")) for r in drills})
        for nt, gw in settings:
            m = {"node_timeout_s": nt, "client_gateways": gw}
            nok = values(rows, "cluster_recover_nokill", "cluster", "seconds", **m)
            kill = values(rows, "cluster_recover_kill", "cluster", "seconds", **m)
            ktd = values(rows, "cluster_recover_kill", "cluster", "kill_to_done_s", **m)
            gap = values(rows, "cluster_recover_kill", "cluster", "max_gap_after_kill_s", **m)
            unus = values(rows, "cluster_recover_kill", "cluster", "node_unusable_s", **m)
            gone = values(rows, "cluster_recover_kill", "cluster", "node_gone_s", **m)
            surv = values(rows, "cluster_recover_kill", "cluster", "survivor_unusable_s", **m)
            bad = [r for r in drills if r["node_timeout_s"] == nt and r.get("client_gateways", "all") == gw and r.get("outcome") != "ok"]
            stalled = sum(1 for g in gap if g > 20)
            print(f"| {fmt(nt, 0)} s | {gw} | {len(kill)}{' (' + str(len(bad)) + ' failed)' if bad else ''} | {fmt(med(nok))} | {fmt(med(kill))} "
                  f"| {fmt(med(ktd))} ({rng(ktd)}) | {fmt(med(gap))} ({rng(gap)}) | {fmt(med(unus))} / {fmt(med(gone))} ({rng(gone)}) "
                  f"| {fmt(med(surv))} ({rng(surv)}) | {stalled} of {len(gap)} |")
        print()
        left = sum(int(r.get("killed_silo_workers_left_after_5s", 0)) for r in drills)
        print(f"Workers of the killed silos still running 5 s after the kill: {left} (of {sum(int(r.get('killed_silo_workers', 0)) for r in drills)}).")
        for r in drills:
            if r.get("outcome") != "ok":
                print(f"- failed drill (NodeTimeout {r['node_timeout_s']} s, {r.get('client_gateways')}): {r['outcome']}")
        print()


if __name__ == "__main__":
    main()
