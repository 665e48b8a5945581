"""Anchor for pool_start (the process pool's start), measured in the same run as GreenProc.

../shared/bench/pool/mp_pool.py startup times a *fork* pool (Pool(W) + one apply): a fork copies a warm interpreter,
which .NET cannot do (a dotnet process cannot fork), so it is the wrong yardstick for a pool of fresh processes. This
times what GreenProc's pool does: W fresh interpreters ('spawn' context). Python's Pool has no "ready" event, so the
clock stops when every worker has answered once: W tasks that each wait (a Barrier of W) until all W workers run one,
so no worker can answer for another; and, apart, at the first apply's result.

Run with /usr/bin/python3: pool_start.py N [WORKERS] [spawn|fork]
Prints one JSON line: medians over N starts after one cold start, in ms.
"""
import json
import multiprocessing
import os
import statistics
import sys
import time

_barrier = None


def _init(barrier):
    global _barrier
    _barrier = barrier


def meet(_):
    _barrier.wait()  # returns once all W workers hold one of these tasks
    return os.getpid()


def square(x):
    return x * x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    w = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    method = sys.argv[3] if len(sys.argv) > 3 else "spawn"
    ctx = multiprocessing.get_context(method)
    ready, first = [], []
    for _ in range(n + 1):
        barrier = ctx.Barrier(w)
        t0 = time.perf_counter()
        with ctx.Pool(w, initializer=_init, initargs=(barrier,)) as pool:
            pids = pool.map(meet, range(w), chunksize=1)
            t1 = time.perf_counter()
            assert len(set(pids)) == w
        ready.append((t1 - t0) * 1e3)
        t0 = time.perf_counter()
        with ctx.Pool(w) as pool:
            assert pool.apply(square, (3,)) == 9
            first.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"kind": "pool_start_" + method, "workers": w, "n": n,
                      "ms": round(statistics.median(ready[1:]), 2), "ms_min": round(min(ready[1:]), 2),
                      "ms_first_result": round(statistics.median(first[1:]), 2), "cold_ms": round(ready[0], 2)}))


if __name__ == "__main__":
    main()
