#!/usr/bin/python3
"""The report of bench/run.sh: Markdown tables of medians, ratios and target checks from a raw results file.

    bench/report.py RESULTS [TAG [REPS [BUILD]]] [--baseline-build TEXT] [--cases bench/cases.tsv]

RESULTS is a bench/out/results-*.tsv (one line per process: case key, side, the process's JSON line; lines starting
with '#' are notes bench/run.sh writes: the builds measured). TAG (pinned/unpinned) defaults to the one in the file
name, REPS to the most processes of any side, BUILD to the '# build:' note. The cases, their targets and the quoted
anchor figures come from bench/cases.tsv; the layout of each issue's tables is code, here.

Python, not a C# tool: the anchors this report sets GreenProc against are Python scripts run by Debian's
/usr/bin/python3, which bench/run.sh needs anyway; a script needs no build step, so an old results file reports with
nothing but a checkout; and the report is this file's text as it was in bench/run.sh before (same tables, same
figures), which a port would have to re-verify line by line. Standard library only.
"""
import argparse
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- the table of cases
class Case:
    """One row of bench/cases.tsv."""

    def __init__(self, cols):
        (self.key, self.issue, self.role, sides, metric, better, unit, target,
         self.greenproc_args, self.gevent_args, self.label) = cols
        self.sides, self.quoted = [], {}
        for s in sides.split(","):
            name, _, value = s.partition("=")
            self.sides.append(name)
            if value:
                self.quoted[name] = float(value)
        split = lambda x: [] if x == "-" else x.split(",")
        self.metrics, self.better, self.units = split(metric), split(better), split(unit)
        self.targets = {}   # "A/B" or "metric:A/B" -> (op, limit); free-text behaviours under their text
        for t in ([] if target == "-" else target.split(";")):
            t = t.strip()
            m = re.fullmatch(r"(\S+)\s*(>=|<=)\s*([0-9.eE+-]+)", t)
            if m:
                self.targets[m.group(1)] = (m.group(2), float(m.group(3)))
            else:
                self.targets[t] = None


def load_cases(path):
    cases = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 11:
            sys.exit("%s:%d: %d columns, expected 11 (tab-separated)" % (path, n, len(cols)))
        case = Case(cols)
        cases[case.key] = case
    return cases


CASES = {}


def target(key, lhs):
    """The (op, limit) of the case's target named by its left-hand side, as written in bench/cases.tsv."""
    try:
        return CASES[key].targets[lhs]
    except KeyError:
        sys.exit("bench/cases.tsv: case %s has no target '%s' (the report needs it)" % (key, lhs))


def limit(key, lhs):
    return target(key, lhs)[1]


def quoted(key, side="gipc"):
    case = CASES.get(key)
    return case.quoted.get(side) if case else None


def label(key):
    return CASES[key].label


# ---------------------------------------------------------------- results
data = {}


def load_results(path):
    notes = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith("#"):
            name, _, value = line[1:].strip().partition(":")
            notes[name.strip()] = value.strip()
            continue
        if not line:
            continue
        key, side, js = line.split("\t", 2)
        if not js.strip():  # the process printed no JSON line (it failed): say so, report the rest
            print("%s:%d: %s/%s has no result" % (path, n, key, side), file=sys.stderr)
            continue
        data.setdefault((key, side), []).append(json.loads(js))
    return notes


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


def fr(x):
    return "–" if x is None else ("{:.3f}".format(x) if x < 0.1 else "{:.2f}".format(x))


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def verdict(r, op, lim):
    if r is None or lim is None:
        return ""
    return "met" if (r >= lim if op == ">=" else r <= lim) else "**missed**"


def check(r, key, lhs):
    return verdict(r, *target(key, lhs))


def g(x):
    return "{:g}".format(x)


# ---------------------------------------------------------------- issues 2 and 3: GreenProc against gevent
def table(header, align, rows):
    """Prints a markdown table: its header line, its alignment line, then a line per row (a list of cells)."""
    print(header)
    print(align)
    for row in rows:
        print("| " + " | ".join(row) + " |")


def report_runtime(tag, reps, build):
    rows = []   # (case, gp, gv, ratio, target_text, verdict)

    # (a) switches
    gp, gv = med("switch", "greenproc", "ops_per_s"), med("switch", "gevent", "ops_per_s")
    r = ratio(gp, gv)
    rows.append((label("switch"), fmt(gp), fmt(gv), fr(r) + "× (GP/gevent)",
                 "≥ %s×" % g(limit("switch", "greenproc/gevent")), check(r, "switch", "greenproc/gevent")))
    cold = med("switch", "greenproc", "cold_ops_per_s")
    if cold is not None:
        rows.append(("a: same, GreenProc first (cold JIT) run, scaled (info)", fmt(cold), fmt(gv),
                     fr(ratio(cold, gv)) + "×", "", ""))

    # (b) spawn + join
    gp, gv = med("spawn_trivial", "greenproc", "seconds"), med("spawn_trivial", "gevent", "seconds")
    r = ratio(gv, gp)
    rows.append((label("spawn_trivial"), fmt(gp), fmt(gv), fr(r) + "× faster (gevent/GP)",
                 "≥ %s×" % g(limit("spawn_trivial", "gevent/greenproc")), check(r, "spawn_trivial", "gevent/greenproc")))
    gw, gv2 = med("spawn_trivial_warm", "greenproc", "seconds"), med("spawn_trivial_warm", "gevent", "seconds")
    if gw is not None:
        rows.append((label("spawn_trivial_warm"), fmt(gw), fmt(gv2), fr(ratio(gv2, gw)) + "× faster", "", ""))
    n0g, n0v = med("none", "greenproc", "ru_maxrss_kib"), med("none", "gevent", "ru_maxrss_kib")
    tg, tv = med("spawn_trivial", "greenproc", "ru_maxrss_kib"), med("spawn_trivial", "gevent", "ru_maxrss_kib")
    if None not in (n0g, n0v, tg, tv):
        dg, dv = (tg - n0g) / 1024, (tv - n0v) / 1024
        r = ratio(dg, dv)
        lhs = "ru_maxrss_kib:greenproc/gevent"
        rows.append(("b: peak RSS over the `none` baseline, spawn+join 100k (MiB)", fmt(dg), fmt(dv),
                     fr(r) + " of gevent (GP/gevent)", "≤ %s" % g(limit("spawn_trivial", lhs)),
                     check(r, "spawn_trivial", lhs)))
    if n0g is not None or n0v is not None:
        rows.append((label("none"), fmt(n0g and n0g / 1024), fmt(n0v and n0v / 1024), "", "", ""))

    # (c) parked greenlets
    N = 100000
    bg = med("spawn_blocked", "greenproc", "bytes_per_greenlet")
    bv = med("spawn_blocked", "gevent", "ru_maxrss_kib")
    per_v = (bv - n0v) * 1024 / N if None not in (bv, n0v) else None
    r = ratio(bg, per_v)
    lim = limit("spawn_blocked", "greenproc/gevent")
    rows.append((label("spawn_blocked"), fmt(bg), fmt(per_v), fr(r) + " of gevent (GP/gevent)",
                 "≤ %s (1/%s)" % (g(lim), g(round(1 / lim))), check(r, "spawn_blocked", "greenproc/gevent")))
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
    rows.append((label("pingpong_1"), fmt(gp), fmt(gv), fr(r) + "× (GP/gevent)",
                 "≥ %s×" % g(limit("pingpong_1", "greenproc/gevent")), check(r, "pingpong_1", "greenproc/gevent")))
    for side, text in (("c_blocking", "blocking read/write"), ("c_nonblock", "non-blocking + poll")):
        c = med("pingpong_1", side, "msgs_per_s")
        if c is not None:
            rows.append(("d: C baseline, 2 processes, %s (msgs/s; ratio = GP/C, info)" % text, fmt(gp), fmt(c),
                         fr(ratio(gp, c)) + "× of C", "", ""))
    for key in ("pingpong_64k", "stream_1", "stream_64k"):
        gp, gv = med(key, "greenproc", "msgs_per_s"), med(key, "gevent", "msgs_per_s")
        if gp is not None or gv is not None:
            rows.append((label(key), fmt(gp), fmt(gv), fr(ratio(gp, gv)) + "×", "", ""))

    # (e) primitives, issue 3: (key, label, field, higher is better, target ratio or None): the cases with a target
    # first, then the informative ones, each in the table's order
    prim = [c for c in CASES.values() if c.issue == "3"]
    prim = [c for c in prim if c.role != "info"] + [c for c in prim if c.role == "info"]
    PRIM = []
    for c in prim:
        lhs = "greenproc/gevent" if c.better[0] == "higher" else "gevent/greenproc"
        t = c.targets.get(lhs)
        PRIM.append((c.key, c.label, c.metrics[0], c.better[0] == "higher", t[1] if t else None))
    rows3 = []
    cold3 = []
    alloc3 = []
    for key, text, field, higher, tgt in PRIM:
        gp, gv = med(key, "greenproc", field), med(key, "gevent", field)
        if gp is None and gv is None:
            continue
        r = ratio(gp, gv) if higher else ratio(gv, gp)
        kind = "× (GP/gevent)" if higher else "× faster (gevent/GP)"
        rows3.append((text, fmt(gp), fmt(gv), fr(r) + kind, "≥ %s×" % g(tgt) if tgt else "",
                      verdict(r, ">=", tgt) if tgt else ""))
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
        table("| case | GreenProc median | gevent median | ratio | target | verdict |", "|---|---:|---:|---|---|---|", rows3)
    if cold3:
        print()
        print("GreenProc's first, cold run in each process (the first warm-up run, N/20 items, scaled to N; info):")
        print()
        table("| case | metric | GreenProc cold | GreenProc warm | gevent | cold ratio |", "|---|---|---:|---:|---:|---|", cold3)
    if alloc3:
        print()
        print("GreenProc allocations and collections during the timed run (whole Green.Run; medians; info):")
        print()
        table("| case | per | allocated bytes | gen0 GCs | gen2 GCs | GC pause (ms) | warm-up runs | methods JIT-compiled in the timed run |", "|---|---|---:|---:|---:|---:|---:|---:|", alloc3)

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
    for key, field in SPREAD:
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


# The row names of the sides (their order: bench/cases.tsv).
SUB_NAMES = {
    "sub_spawn_par": {
        "greenproc": "GreenProc: a greenlet per child, all 200 at once",
        "greenproc_sync": "GreenProc, sync start (Popen.Start on the hub): all 200 at once",
        "greenproc_par50": "GreenProc: the same in waves of 50 (spawn 50, join them)",
        "c_par50": "C posix_spawnp, waves of 50 (spawn-par50)",
        "process": "System.Diagnostics.Process, ≤ 50 in flight",
        "process-redirected": "Process, stdio redirected (what CliWrap does), ≤ 50 in flight",
        "cliwrap": "CliWrap, ≤ 50 in flight",
        "gevent": "gevent.subprocess, all 200 at once"},
    "sub_spawn_seq": {
        "greenproc": "GreenProc: one greenlet, Popen + WaitAsync × 200",
        "greenproc_sync": "GreenProc, sync start: one greenlet",
        "c": "C posix_spawnp + waitpid (spawn-seq)",
        "process": "System.Diagnostics.Process",
        "process-redirected": "Process, stdio redirected",
        "cliwrap": "CliWrap",
        "gevent": "gevent.subprocess (true_seq)"},
    "sub_cat100": {
        "greenproc": "GreenProc: a greenlet per child, CommunicateAsync",
        "greenproc_sync": "GreenProc, sync start: a greenlet per child, CommunicateAsync",
        "process": "System.Diagnostics.Process (cat100x64k)",
        "cliwrap-stream": "CliWrap, piped to a MemoryStream",
        "cliwrap-buffered": "CliWrap ExecuteBufferedAsync",
        "gevent": "gevent.subprocess communicate"},
    "sub_cat1g": {
        "greenproc": "GreenProc: writer greenlet + reader greenlet (pipes from 64 KiB, grown to 1 MiB when busy)",
        "greenproc_pipe1m": "GreenProc, PipeSize = 1 MiB from the start (C and .NET peers: 64 KiB pipes)",
        "c_1thread_poll": "C, one thread, non-blocking + poll()",
        "c_2threads_blocking": "C, writer thread + blocking reads",
        "process": "System.Diagnostics.Process",
        "cliwrap": "CliWrap"},
}


def report_subprocess():
    SUB = [(c.key, c.label, c.units[0], [(s, SUB_NAMES[c.key].get(s, s)) for s in c.sides])
           for c in CASES.values() if c.issue == "4"]
    if not any((k, "greenproc") in data for k, _, _, _ in SUB):
        return
    print()
    print("Subprocess (issue 4), medians:")
    print()
    print("| case | implementation | median | min–max | GreenProc vs this |")
    print("|---|---|---:|---|---|")
    for key, text, unit, sides in SUB:
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
            print("| %s | %s | %s | %s–%s | %s |" % (text, name, fmt(m), fmt(min(v)), fmt(max(v)), rel))
    targets = []

    def t(name, r, key, lhs, text):
        targets.append((name, fr(r), text, check(r, key, lhs)))
    gp = sub_med("sub_spawn_par", "greenproc")
    gp50 = sub_med("sub_spawn_par", "greenproc_par50")
    c50 = sub_med("sub_spawn_par", "c_par50")
    pr = sub_med("sub_spawn_par", "process")
    if gp is not None:
        vc = "≤ %s" % g(limit("sub_spawn_par", "greenproc/c_par50"))
        vp = "> %s" % g(limit("sub_spawn_par", "process/greenproc"))
        t("a: GreenProc all 200 at once ÷ C spawn-par50 (time)", ratio(gp, c50), "sub_spawn_par", "greenproc/c_par50", vc)
        t("a: GreenProc waves of 50 ÷ C spawn-par50 (time)", ratio(gp50, c50), "sub_spawn_par", "greenproc/c_par50", vc)
        t("a: Process spawn-par50 ÷ GreenProc all at once (time; > 1: faster than Process)", ratio(pr, gp),
          "sub_spawn_par", "process/greenproc", vp)
        t("a: Process spawn-par50 ÷ GreenProc waves of 50 (time)", ratio(pr, gp50), "sub_spawn_par", "process/greenproc", vp)
        gps = sub_med("sub_spawn_par", "greenproc_sync")
        if gps is not None:
            t("a: GreenProc sync start ÷ C spawn-par50 (time)", ratio(gps, c50), "sub_spawn_par", "greenproc/c_par50", vc)
            t("a: Process spawn-par50 ÷ GreenProc sync start (time)", ratio(pr, gps), "sub_spawn_par", "process/greenproc", vp)
    gp = sub_med("sub_cat100", "greenproc")
    if gp is not None:
        vp = "≤ %s" % g(limit("sub_cat100", "greenproc/process"))
        vg = "≥ %s" % g(limit("sub_cat100", "gevent/greenproc"))
        t("b: GreenProc ÷ Process (time)", ratio(gp, sub_med("sub_cat100", "process")), "sub_cat100", "greenproc/process", vp)
        t("b: gevent ÷ GreenProc (time; speed-up)", ratio(sub_med("sub_cat100", "gevent"), gp), "sub_cat100",
          "gevent/greenproc", vg)
        gps = sub_med("sub_cat100", "greenproc_sync")
        if gps is not None:
            t("b: GreenProc sync start ÷ Process (time)", ratio(gps, sub_med("sub_cat100", "process")), "sub_cat100",
              "greenproc/process", vp)
            t("b: gevent ÷ GreenProc sync start (time; speed-up)", ratio(sub_med("sub_cat100", "gevent"), gps), "sub_cat100",
              "gevent/greenproc", vg)
    gp = sub_med("sub_cat1g", "greenproc")
    if gp is not None:
        vc = "≥ %s" % g(limit("sub_cat1g", "greenproc/c_1thread_poll"))
        vp = "≥ %s" % g(limit("sub_cat1g", "greenproc/process"))
        t("c: GreenProc ÷ C poll() relay (throughput)", ratio(gp, sub_med("sub_cat1g", "c_1thread_poll")), "sub_cat1g",
          "greenproc/c_1thread_poll", vc)
        t("c: GreenProc ÷ Process (throughput)", ratio(gp, sub_med("sub_cat1g", "process")), "sub_cat1g",
          "greenproc/process", vp)
        gpm = sub_med("sub_cat1g", "greenproc_pipe1m")
        if gpm is not None:
            t("c: GreenProc 1 MiB pipes ÷ C poll() relay, 64 KiB pipes (throughput)",
              ratio(gpm, sub_med("sub_cat1g", "c_1thread_poll")), "sub_cat1g", "greenproc/c_1thread_poll", vc)
            t("c: GreenProc 1 MiB pipes ÷ Process, 64 KiB pipes (throughput)", ratio(gpm, sub_med("sub_cat1g", "process")),
              "sub_cat1g", "greenproc/process", vp)
    print()
    print("Targets (ratios of the medians above):")
    print()
    table("| target | ratio | wanted | verdict |", "|---|---:|---|---|", targets)
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
def report_gipc():
    # gipc's own figures (Python, measured on this machine; gipc cannot be installed here, so they are quoted in
    # bench/cases.tsv as the side gipc=N).
    if not any(k.startswith("gipc_") for k, _ in data):
        return
    gm = med
    print()
    print("gipc (issue 5), medians over processes (GreenProc: parent + Gipc.StartProcess child, child -> parent):")
    print()
    print("| case | GreenProc | C, 1 MiB pipe (blocking) | C, 64 KiB pipe (blocking) | C, 1 MiB pipe, non-blocking + poll | C message receiver, 1 MiB pipe | gipc (Python, quoted) | GreenProc ÷ C 1 MiB | GreenProc ÷ C message | GreenProc ÷ gipc |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    tg = []
    for key in ("gipc_msgs", "gipc_msgs_int"):
        g_ = gm(key, "greenproc", "msgs_per_s")
        if g_ is None:
            continue
        py = quoted(key)
        print("| %s | %s | | | | | %s | | | %s× |" % (label(key), fmt(g_), fmt(py), fr(ratio(g_, py))))
        if key == "gipc_msgs":
            lim = limit(key, "greenproc")
            tg.append(("a: 1-byte messages/s ≥ %s M (≈ %.0f× gipc)" % (g(lim / 1e6), lim / py), fmt(g_),
                       "≥ {:,.0f}".format(lim), check(g_, key, "greenproc")))
    for key in [c.key for c in CASES.values() if c.key.startswith("gipc_bw_")]:
        g_ = gm(key, "greenproc", "MB_per_s")
        if g_ is None:
            continue
        text = label(key)
        c1, c0, cn = gm(key, "c_p1m", "MB_per_s"), gm(key, "c_default", "MB_per_s"), gm(key, "c_p1m_nonblock", "MB_per_s")
        cm = gm(key, "c_msg_p1m", "MB_per_s")
        py = quoted(key)
        print("| %s | %s | %s | %s | %s | %s | %s | %s× | %s× | %s× |" % (text, fmt(g_), fmt(c1), fmt(c0), fmt(cn), fmt(cm), fmt(py), fr(ratio(g_, c1)), fr(ratio(g_, cm)), fr(ratio(g_, py))))
        gp = gm(key, "greenproc_pooled", "MB_per_s")
        if gp is not None:
            print("| %s, GipcBuffer (pooled) | %s | %s | %s | %s | %s | %s | %s× | %s× | %s× |" % (text, fmt(gp), fmt(c1), fmt(c0), fmt(cn), fmt(cm), fmt(py), fr(ratio(gp, c1)), fr(ratio(gp, cm)), fr(ratio(gp, py))))
        gs = gm(key, "greenproc_stream", "MB_per_s")
        if gs is not None:
            print("| %s, GetStreamAsync into one reused buffer | %s | %s | %s | %s | %s | %s | %s× | %s× | %s× |" % (text, fmt(gs), fmt(c1), fmt(c0), fmt(cn), fmt(cm), fmt(py), fr(ratio(gs, c1)), fr(ratio(gs, cm)), fr(ratio(gs, py))))
        if "greenproc/gipc" in CASES[key].targets:
            lim = limit(key, "greenproc/gipc")
            tg.append(("b: 1 KiB ≥ %s× gipc (GreenProc ÷ gipc)" % g(lim), fr(ratio(g_, py)), "≥ %s" % g(lim),
                       check(ratio(g_, py), key, "greenproc/gipc")))
        else:
            lhs = "greenproc/c_p1m"
            want = "≥ %.2f" % limit(key, lhs)
            size_label = key[len("gipc_bw_"):].upper().replace("K", " KiB").replace("M", " MiB")
            tg.append(("b: %s ≥ %s× C with the same 1 MiB pipe (byte[])" % (size_label, g(limit(key, lhs))),
                       fr(ratio(g_, c1)), want, check(ratio(g_, c1), key, lhs)))
            if gp is not None:
                tg.append(("b: %s ≥ %s× C with the same 1 MiB pipe (GipcBuffer)" % (size_label, g(limit(key, lhs))),
                           fr(ratio(gp, c1)), want, check(ratio(gp, c1), key, lhs)))
                if cm is not None:
                    tg.append(("b: %s, GipcBuffer ÷ the C message receiver (info)" % size_label,
                               fr(ratio(gp, cm)), want, check(ratio(gp, cm), key, lhs)))
            if gs is not None:
                tg.append(("b: %s ≥ %s× C with the same 1 MiB pipe (GetStreamAsync, reused buffer as the C reader)" % (size_label, g(limit(key, lhs))),
                           fr(ratio(gs, c1)), want, check(ratio(gs, c1), key, lhs)))
    for key in ("gipc_rtt", "gipc_rtt_duplex"):
        g_ = gm(key, "greenproc", "rtt_median_us")
        if g_ is None:
            continue
        text = label(key)
        cb, cn = gm("gipc_rtt", "c_blocking", "rtt_median_us"), gm("gipc_rtt", "c_nonblock", "rtt_median_us")
        py = quoted(key)
        print("| %s, median µs (C: blocking / non-blocking + poll) | %s | %s | | %s | | %s | %s× poll | | %s× |" % (text, fmt(g_), fmt(cb), fmt(cn), fmt(py), fr(ratio(g_, cn)), fr(ratio(g_, py))))
        g99 = gm(key, "greenproc", "rtt_p99_us")
        print("| %s, p99 µs | %s | %s | | %s | | | %s× poll | | |" % (text, fmt(g99), fmt(gm("gipc_rtt", "c_blocking", "rtt_p99_us")),
              fmt(gm("gipc_rtt", "c_nonblock", "rtt_p99_us")), fr(ratio(g99, gm("gipc_rtt", "c_nonblock", "rtt_p99_us")))))
        if key == "gipc_rtt":
            lim = limit(key, "greenproc/c_nonblock")
            tg.append(("c: round trip median ≤ %s× C non-blocking + poll" % g(lim), fr(ratio(g_, cn)), "≤ %s" % g(lim),
                       check(ratio(g_, cn), key, "greenproc/c_nonblock")))
    key = "gipc_start"
    g_ = gm(key, "greenproc", "ms")
    if g_ is not None:
        h, ha = gm(key, "hello", "ms"), gm(key, "hello_apphost", "ms")
        py = quoted(key)
        print("| %s | %s | %s | %s | | | %s | %s× dotnet hello | | %s× (%s× faster) |"
              % (label(key), fmt(g_), fmt(h), fmt(ha), fmt(py), fr(ratio(g_, h)), fr(ratio(g_, py)), fr(ratio(py, g_))))
        gh = gm(key, "greenproc_hook", "ms")
        if gh is not None:
            print("| d: the same through the startup-hook fallback (info) | %s | %s | %s | | | %s | %s× dotnet hello | | %s× |"
                  % (fmt(gh), fmt(h), fmt(ha), fmt(py), fr(ratio(gh, h)), fr(ratio(gh, py))))
        ps = gm(key, "py_spawn", "ms")
        if ps is not None:
            print("| d: multiprocessing spawn + gevent hub to the first message, same run (gipc's spawn mode at the least), ms | %s | | | | | | | | GreenProc %s× faster |"
                  % (fmt(ps), fr(ratio(ps, g_))))
        lh, lq, lp = limit(key, "greenproc/hello"), limit(key, "gipc/greenproc"), limit(key, "py_spawn/greenproc")
        tg.append(("d: StartProcess to first message ≤ %s× `dotnet Hello.dll`" % g(lh), fr(ratio(g_, h)), "≤ %s" % g(lh),
                   check(ratio(g_, h), key, "greenproc/hello")))
        tg.append(("d: ≥ %s× faster than gipc's %s ms (gipc ÷ GreenProc)" % (g(lq), g(py)), fr(ratio(py, g_)), "≥ %s" % g(lq),
                   check(ratio(py, g_), key, "gipc/greenproc")))
        if ps is not None:
            tg.append(("d: ≥ %s× faster than multiprocessing spawn + gevent in the same run (its ÷ GreenProc)" % g(lp),
                       fr(ratio(ps, g_)), "≥ %s" % g(lp), check(ratio(ps, g_), key, "py_spawn/greenproc")))
    if tg:
        print()
        print("Targets:")
        print()
        table("| target | value | wanted | verdict |", "|---|---:|---|---|", tg)
    print()
    print("Spread (min–max over the processes) and GreenProc's parent per process (medians; allocations over the timed rounds):")
    print()
    print("| case | metric | GreenProc | C 1 MiB / C poll / dotnet hello | GreenProc cold (first round, 1/10 size) | allocated bytes per message (parent) | gen0 / gen2 GCs |")
    print("|---|---|---|---|---|---|---|")
    CSIDE = {"gipc_bw_": "c_p1m", "gipc_rtt": "c_nonblock", "gipc_start": "hello"}  # the anchor of the spread's 4th column
    for c in CASES.values():
        key = c.key
        if c.issue != "5" or (key, "greenproc") not in data:
            continue
        field = c.metrics[0]
        cside = next((s for p, s in CSIDE.items() if key == p or (p.endswith("_") and key.startswith(p))), None)
        cold = gm(key, "greenproc", "cold_" + field) if field != "rtt_median_us" else None
        if key == "gipc_start":
            cold = gm(key, "greenproc", "cold_ms")
        per = gm(key, "greenproc", "allocated_bytes_per_msg")
        if per is None:
            per = gm(key, "greenproc", "allocated_bytes_per_round_trip")
        g0, g2 = gm(key, "greenproc", "gc0"), gm(key, "greenproc", "gc2")
        print("| %s | %s | %s | %s | %s | %s | %s |" % (key, field, rng(key, "greenproc", field), rng(key, cside, field) if cside else "",
              fmt(cold), fmt(per), "" if g0 is None else "{:g} / {:g}".format(g0, g2)))


# ---------------------------------------------------------------- process pool (issue 12)
POOL_NAMES = {
    "pool_submit": {
        "greenproc": "GreenProc: 100k × SubmitAsync, awaited together (caller without a hub)",
        "greenproc_green": "GreenProc: the same from a greenlet (the pool on the caller's hub)",
        "mp_apply_async": "multiprocessing.Pool: 100k × apply_async, then get",
        "futures_submit": "ProcessPoolExecutor: 20k × submit, wait",
        "billiard": "billiard.Pool: 20k × apply_async",
        "pebble": "pebble.ProcessPool: 20k × schedule"},
    "pool_map1": {
        "greenproc": "GreenProc: MapAsync, ChunkSize = 1 (MaxInFlight default: 512 a worker)",
        "greenproc_inflight1024": "GreenProc: the same with MaxInFlight = 1024 (info: where the time goes)",
        "mp_map1": "multiprocessing.Pool.map, chunksize=1",
        "mp_imap_unordered1": "multiprocessing.Pool.imap_unordered, chunksize=1",
        "futures_map": "ProcessPoolExecutor.map (chunksize 1), 20k"},
    "pool_map": {
        "greenproc": "GreenProc: MapAsync, default chunking, 1M items (chunks of 1,024)",
        "greenproc_green": "GreenProc: the same from a greenlet",
        "mp_map": "multiprocessing.Pool.map, default chunksize, 1M items",
        "greenproc_100k": "GreenProc: MapAsync, 100k items (info)",
        "mp_map_100k": "multiprocessing.Pool.map, 100k items (info)"},
    "pool_start": {
        "greenproc": "GreenProc: new ProcessPool(2) → WaitReadyAsync (caller without a hub)",
        "greenproc_green": "GreenProc: the same inside Green.Run",
        "greenproc_w1": "GreenProc: 1 worker (info)",
        "gipc_child": "GreenProc: one Gipc.StartProcess child to its first message (info: what a worker is before its pool setup)",
        "hello": "`dotnet Hello.dll`, start to exit (one bare .NET process)",
        "py_spawn": "multiprocessing spawn Pool(2), both workers answered (bench/anchors/pool_start.py)",
        "py_fork": "multiprocessing fork Pool(2), the same (info: .NET cannot fork)",
        "pebble_start": "pebble ProcessPool(2) to the first result, import included (info)"},
}


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


def report_pool():
    if not any(k.startswith("pool_") for k, _ in data):
        return
    POOL_SIDES = [(c.key, c.label, c.metrics[0], [(s, POOL_NAMES[c.key].get(s, s)) for s in c.sides])
                  for c in CASES.values() if c.key in POOL_NAMES]
    print()
    print("Process pool, 2 workers, trivial task (x => x * x); medians over processes:")
    print()
    print("| case | implementation | median | min–max | GreenProc (the case's first row) ÷ this |")
    print("|---|---|---:|---|---|")
    for key, text, field, sides in POOL_SIDES:
        gp = pool_med(key, "greenproc", field)
        for side, name in sides:
            m = pool_med(key, side, field)
            if m is None:
                continue
            rel = "" if side == "greenproc" else fr(ratio(gp, m)) + "× the time"
            print("| %s | %s | %s | %s | %s |" % (text, name, fmt(m), pool_rng(key, side, field), rel))
    pt = []

    def t(name, value, wanted, ok):
        pt.append((name, value, wanted, ok))
    sub, m1 = pool_med("pool_submit", "greenproc", "us_per_task"), pool_med("pool_map1", "greenproc", "us_per_task")
    py_unbatched = [pool_med(k, s, "us_per_task") for k, s in (("pool_submit", "mp_apply_async"), ("pool_submit", "futures_submit"),
                    ("pool_submit", "billiard"), ("pool_submit", "pebble"), ("pool_map1", "mp_map1"),
                    ("pool_map1", "mp_imap_unordered1"), ("pool_map1", "futures_map"))]
    py_best = min([v for v in py_unbatched if v is not None], default=None)
    if sub is not None:
        lim = limit("pool_submit", "greenproc")
        t("a: SubmitAsync one by one ≤ %s µs/task" % g(lim), fmt(sub), "≤ %s" % g(lim), check(sub, "pool_submit", "greenproc"))
        if py_best is not None:
            t("a: SubmitAsync ÷ Python's best unbatched in this run (info)", fr(ratio(sub, py_best)), "(best: %s µs)" % fmt(py_best), "")
    if m1 is not None:
        lim = limit("pool_map1", "greenproc")
        t("a: MapAsync, ChunkSize = 1 ≤ %s µs/task" % g(lim), fmt(m1), "≤ %s" % g(lim), check(m1, "pool_map1", "greenproc"))
        m1w = pool_med("pool_map1", "greenproc_inflight1024", "us_per_task")
        if m1w is not None:
            t("a: the same with MaxInFlight = 1024 (info)", fmt(m1w), "≤ %s" % g(lim), check(m1w, "pool_map1", "greenproc"))
    bm, pm = pool_med("pool_map", "greenproc", "us_per_task"), pool_med("pool_map", "mp_map", "us_per_task")
    if bm is not None:
        lim = limit("pool_map", "greenproc")
        t("b: MapAsync batched, 1M ≤ Pool.map's %s µs/task (the issue's figure)" % g(lim), fmt(bm), "≤ %s" % g(lim),
          check(bm, "pool_map", "greenproc"))
        if pm is not None:
            t("b: MapAsync batched ÷ Pool.map in this run", fr(ratio(bm, pm)), "≤ %s" % g(limit("pool_map", "greenproc/mp_map")),
              check(ratio(bm, pm), "pool_map", "greenproc/mp_map"))
    st, he = pool_med("pool_start", "greenproc", "ms"), pool_med("pool_start", "hello", "ms")
    if st is not None:
        t("c: 2 workers ready ÷ one bare `dotnet Hello.dll`", fr(ratio(st, he)), "≤ %s" % g(limit("pool_start", "greenproc/hello")),
          check(ratio(st, he), "pool_start", "greenproc/hello"))
        sp = pool_med("pool_start", "py_spawn", "ms")
        if sp is not None:
            t("c: 2 workers ready ÷ a spawn-context Pool(2) with both workers answered (info)", fr(ratio(st, sp)), "", "")
    if pt:
        print()
        print("Targets:")
        print()
        table("| target | value | wanted | verdict |", "|---|---:|---|---|", pt)
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
        for system in CASES["pool_crash"].sides:
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
        for system in CASES["pool_lazy"].sides[1:]:
            for r in data.get(("pool_lazy", system), []):
                v = "{:,}".format(r["read_after_3_and_1s"]) if "read_after_3_and_1s" in r else "no result within %d s" % r["timed_out_s"]
                print("| %s | %s |" % (system, v))


# ---------------------------------------------------------------- targets as written in bench/cases.tsv
def side_median(key, side, field):
    """A side's median of the field: measured, or quoted in bench/cases.tsv (side=N, in the case's headline metric)."""
    m = med(key, side, field)
    if m is None and field == CASES[key].metrics[0]:
        m = quoted(key, side)
    return m


def case_targets(key, names):
    """Every 'A/B OP LIMIT' and 'A OP LIMIT' target of the case, evaluated on this run's medians: rows (target, value,
    wanted, verdict). NAMES: side -> short name for people."""
    case = CASES[key]
    rows = []
    for lhs, t in case.targets.items():
        if t is None:  # a behaviour, checked by reading the case's table
            continue
        op, lim = t
        field, _, expr = lhs.rpartition(":")
        field = field or case.metrics[0]
        a, _, b = expr.partition("/")
        va = side_median(key, a, field)
        value = ratio(va, side_median(key, b, field)) if b else va
        text = "%s ÷ %s" % (names.get(a, a), names.get(b, b)) if b else names.get(a, a)
        rows.append(("%s: %s, %s" % (key, text, field), fr(value) if b else fmt(value),
                     "%s %s" % ("≥" if op == ">=" else "≤", g(lim)), verdict(value, op, lim)))
    return rows


# ---------------------------------------------------------------- echo server (issue 14)
ECHO_NAMES = {
    "greenproc": "GreenProc: GreenServer + client greenlets (GreenSocket), one hub thread",
    "dotnet_tasks": "plain .NET async sockets: AcceptAsync / ReceiveAsync / SendAsync, a Task per connection and per client, thread pool",
    "gevent": "gevent: StreamServer + client greenlets (bench_echo.py)",
    "c_epoll": "C: one-thread epoll server process + one-thread epoll client process (echo_epoll.c)",
}
ECHO_SHORT = {"greenproc": "GreenProc", "dotnet_tasks": ".NET tasks", "gevent": "gevent", "c_epoll": "C epoll"}


def cnt(key, side, field):
    m = med(key, side, field)
    return "–" if m is None else "{:g}".format(m)


def report_echo():
    cases = [c for c in CASES.values() if c.issue == "14" and any((c.key, s) in data for s in c.sides)]
    if not cases:
        return
    print()
    print("Echo server (issue 14): a server on 127.0.0.1 and its clients, each connection one request in flight; medians over processes:")
    print()
    print("| case | implementation | µs per round trip | round trips/s | min–max (the case's metric) | GreenProc vs this |")
    print("|---|---|---:|---:|---|---|")
    for c in cases:
        field, higher = c.metrics[0], c.better[0] == "higher"
        gp = med(c.key, "greenproc", field)
        for side in c.sides:
            m = med(c.key, side, field)
            if m is None:
                continue
            rel = "" if side == "greenproc" else (fr(ratio(gp, m)) + "× the rate" if higher else fr(ratio(m, gp)) + "× faster")
            print("| %s | %s | %s | %s | %s | %s |" % (c.label, ECHO_NAMES.get(side, side), fmt(med(c.key, side, "us_per_round_trip")),
                  fmt(med(c.key, side, "round_trips_per_s")), rng(c.key, side, field), rel))
    rows = [row for c in cases for row in case_targets(c.key, ECHO_SHORT)]
    if rows:
        print()
        print("Targets (ratios of the medians above):")
        print()
        table("| target | value | wanted | verdict |", "|---|---:|---|---|", rows)
    print()
    print("The .NET sides per process (medians; allocations and collections over the timed run, whole process):")
    print()
    print("| case | side | cold first run (1/20 of the rounds), round trips/s | warm-up runs | allocated bytes per round trip | gen0 / gen2 GCs | methods JIT-compiled in the timed run |")
    print("|---|---|---:|---:|---:|---|---:|")
    for c in cases:
        for side in ("greenproc", "dotnet_tasks"):
            if (c.key, side) not in data:
                continue
            g0, g2 = med(c.key, side, "gc0"), med(c.key, side, "gc2")
            print("| %s | %s | %s | %s | %s | %s | %s |" % (c.key, ECHO_SHORT[side], fmt(med(c.key, side, "cold_round_trips_per_s")),
                  cnt(c.key, side, "warmups"), fmt(med(c.key, side, "allocated_bytes_per_round_trip")),
                  "–" if g0 is None else "{:g} / {:g}".format(g0, g2), cnt(c.key, side, "jit_methods_in_run")))


# ---------------------------------------------------------------- before / after (bench/run.sh --baseline REF)
BASELINE = "@baseline"


def report_baseline(baseline_build):
    """GreenProc's sides run with both builds, rep by rep: before (the baseline), after, after/before."""
    pairs = [(k, s[:-len(BASELINE)]) for k, s in data if s.endswith(BASELINE)]
    if not pairs:
        return
    print()
    print("Before / after: the GreenProc sides run with both builds, interleaved process by process; before = %s." % baseline_build)
    print()
    print("| case | side | metric | before median | after median | after ÷ before | change | before min–max | after min–max |")
    print("|---|---|---|---:|---:|---:|---|---|---|")
    order = {k: i for i, k in enumerate(CASES)}
    for key, side in sorted(set(pairs), key=lambda p: (order.get(p[0], len(order)), p[1] != "greenproc", p[1])):
        case = CASES.get(key)
        metrics = list(zip(case.metrics, case.better)) if case else []
        for field, better in metrics:
            before, after = vals(key, side + BASELINE, field), vals(key, side, field)
            if not before or not after:
                continue
            b, a = statistics.median(before), statistics.median(after)
            r = ratio(a, b)
            change = ""
            if r is not None:
                gain = (r - 1) if better == "higher" else (1 - r)
                change = "%+.1f %% (%s)" % (gain * 100, "better" if gain > 0 else "worse" if gain < 0 else "same")
                # ranges that do not overlap: a change bigger than the spread of either build, in this run (with
                # one process a side there is no spread to compare with)
                if min(len(before), len(after)) < 2:
                    change += ", one process: no spread"
                elif max(before) < min(after) or max(after) < min(before):
                    change += ", outside both ranges"
            print("| %s | %s | %s | %s | %s | %s | %s | %s–%s | %s–%s |" % (key, side, field, fmt(b), fmt(a),
                  "–" if r is None else "{:.3f}".format(r), change, fmt(min(before)), fmt(max(before)),
                  fmt(min(after)), fmt(max(after))))


def main():
    ap = argparse.ArgumentParser(description="Report a bench/run.sh results file (bench/out/results-*.tsv).")
    ap.add_argument("results")
    ap.add_argument("tag", nargs="?", help="pinned or unpinned (default: from the file name)")
    ap.add_argument("reps", nargs="?", help="processes per side (default: the most of any side)")
    ap.add_argument("build", nargs="?", help="the GreenProc build (default: the file's '# build:' note)")
    ap.add_argument("--baseline-build", help="the baseline build (default: the file's '# baseline:' note)")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.tsv"))
    args = ap.parse_args()
    CASES.update(load_cases(args.cases))
    notes = load_results(args.results)
    unknown = sorted({k for k, _ in data} - set(CASES))
    if unknown:
        print("note: results for cases not in %s (not reported): %s" % (args.cases, ", ".join(unknown)), file=sys.stderr)
    tag = args.tag or ("pinned" if args.results.endswith("-pinned.tsv") else "unpinned")
    reps = args.reps or str(max((len(v) for v in data.values()), default=0))
    build = args.build or notes.get("build", "not recorded in the results file")
    report_runtime(tag, reps, build)
    report_subprocess()
    report_gipc()
    report_pool()
    report_echo()
    report_baseline(args.baseline_build or notes.get("baseline", "not recorded in the results file"))


if __name__ == "__main__":
    main()
