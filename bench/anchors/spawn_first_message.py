"""Anchor for gipc_start (issue 5, target d), measured in the same run as GreenProc.

gipc cannot be installed here (no PyPI), so its ~45 ms start is only a quoted figure from another day. This is what
gipc's spawn mode does at the least: a multiprocessing 'spawn' child (a fresh interpreter that unpickles the target),
which brings up a gevent hub and sends one message back over a multiprocessing pipe; the parent times StartProcess
to the message's arrival. gipc adds its own handle bookkeeping on top, so gipc is not faster than this.

Run with Debian's interpreter (it has gevent): /usr/bin/python3 spawn_first_message.py N
Prints one JSON line: the median over N starts after one cold start, in ms.
"""
import json
import multiprocessing
import statistics
import sys
import time


def child(conn):
    import gevent  # the child of gipc's spawn mode imports gevent and starts a hub before the target runs

    gevent.get_hub()
    conn.send_bytes(b"h")
    conn.close()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    ctx = multiprocessing.get_context("spawn")
    times = []
    for _ in range(n + 1):
        t0 = time.perf_counter()
        reader, writer = ctx.Pipe(duplex=False)
        process = ctx.Process(target=child, args=(writer,))
        process.start()
        writer.close()
        if reader.recv_bytes() != b"h":
            raise SystemExit("the child sent something else")
        times.append((time.perf_counter() - t0) * 1e3)
        reader.close()
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"the child exited {process.exitcode}")
    print(json.dumps({"bench": "mp_spawn_first_message", "lib": "python-multiprocessing-spawn+gevent",
                      "n": n, "ms": round(statistics.median(times[1:]), 2), "cold_ms": round(times[0], 2),
                      "all_ms": [round(t, 2) for t in times]}))


if __name__ == "__main__":
    main()
