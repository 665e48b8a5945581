// GreenProc.Bench, subprocess modes (issue 4): the GreenProc side of ../shared/bench/gevent/bench_subprocess.py,
// ../shared/bench/native/spawn_and_relay.c and ../shared/bench/dotnet-peers, line for line. See Program.cs for the
// mode list and docs/BENCHMARKS.md for the figures.
//
// Each process runs a few untimed warm-up runs (GREENPROC_BENCH_SUB_WARMUPS, default 3; the first one, cold, is
// reported as cold_*), then one timed run, and prints one JSON line. Spawning costs far more than the JIT here, so
// no tier-up budget as for the primitives: the peers' harness does a single warm-up run.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks;
using GreenProc.Subprocess;

namespace GreenProc.Bench;

internal static partial class Program
{
    private static int SubWarmups()
    {
        string? env = Environment.GetEnvironmentVariable("GREENPROC_BENCH_SUB_WARMUPS");
        return env is not null ? int.Parse(env, CultureInfo.InvariantCulture) : 3;
    }

    /// <summary>Untimed warm-up runs; returns the first (cold) one's time, or NaN when there is none.</summary>
    private static double SubWarmUp(Func<double> run)
    {
        double cold = double.NaN;
        for (int i = 0, k = SubWarmups(); i < k; i++)
        {
            double t = run();
            if (i == 0)
            {
                cold = t;
            }
        }

        return cold;
    }

    // ---------------------------------------------------------------- (a) N x `true`

    /// <summary>
    /// kind "true": N greenlets at once, each <c>Popen.Start(["true"])</c> then <c>WaitAsync</c> (gevent's
    /// <c>gevent.spawn(one_true)</c> ×N, joinall). "true_par50": the same in waves of 50 (spawn 50 greenlets, join them,
    /// next wave: the C loop's spawn_true_batch(200, 50)). "true_seq": one greenlet, N sequential starts and waits.
    /// </summary>
    private static void SubTrue(string kind, int n)
    {
        Func<double> run = kind switch
        {
            "true" => () => RunSubTrue(n, n),
            "true_par50" => () => RunSubTrue(n, 50),
            "true_seq" => () => RunSubTrueSeq(n),
            _ => throw new FormatException($"unknown subprocess kind '{kind}'"),
        };
        double cold = SubWarmUp(run);
        Alloc alloc = Alloc.Start();
        double dt = run();
        alloc.Stop();
        Emit(w =>
        {
            Head(w, "subprocess_" + kind, n);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("ms", Math.Round(dt * 1e3, 2));
            w.WriteNumber("procs_per_s", Math.Round(n / dt, 1));
            w.WriteNumber("ms_per_proc", Math.Round(dt / n * 1e3, 3));
            SubCold(w, cold);
            alloc.Write(w, n, "proc");
        });
    }

    // GREENPROC_BENCH_SUB_START=sync starts children with Popen.Start (posix_spawn on the hub thread, as gevent's
    // Popen forks on its hub); the default is Popen.StartAsync (the spawn runs on a spawner thread meanwhile).
    private static readonly bool s_syncStart = Environment.GetEnvironmentVariable("GREENPROC_BENCH_SUB_START") == "sync";

    // GREENPROC_BENCH_PIPE_SIZE=N sets PopenOptions.PipeSize, a fixed size (default: none, so Popen's pipes start at the
    // kernel's 64 KiB, as the C and .NET peers' do, and grow to 1 MiB when busy).
    private static readonly int? s_pipeSize = int.TryParse(Environment.GetEnvironmentVariable("GREENPROC_BENCH_PIPE_SIZE"), CultureInfo.InvariantCulture, out int size) ? size : null;

    private static async ValueTask<Popen> StartChild(string[] args, Redirect? stdin = null, Redirect? stdout = null)
    {
        var options = new PopenOptions { Stdin = stdin ?? Redirect.Inherit, Stdout = stdout ?? Redirect.Inherit, PipeSize = s_pipeSize };
        return s_syncStart ? Popen.Start(args, options) : await Popen.StartAsync(args, options);
    }

    private static double RunSubTrue(int n, int wave)
    {
        return Green.Run(async () =>
        {
            int ok = 0;
            async Task OneTrue()
            {
                using Popen p = await StartChild(["true"]);
                if (await p.WaitAsync() == 0)
                {
                    ok++;
                }
            }

            long t0 = Stopwatch.GetTimestamp();
            for (int done = 0; done < n; done += wave)
            {
                int k = Math.Min(wave, n - done);
                var gs = new List<Greenlet>(k);
                for (int i = 0; i < k; i++)
                {
                    gs.Add(Green.Spawn(OneTrue));
                }

                await Green.JoinAll(gs, raiseError: true);
            }

            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return ok == n ? dt : throw new InvalidOperationException($"only {ok} of {n} `true` exited 0");
        });
    }

    private static double RunSubTrueSeq(int n)
    {
        return Green.Run(async () =>
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                using Popen p = await StartChild(["true"]);
                if (await p.WaitAsync() != 0)
                {
                    throw new InvalidOperationException("`true` failed");
                }
            }

            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        });
    }

    // ---------------------------------------------------------------- (b) N x `cat`, communicate SIZE bytes

    /// <summary>bench_subprocess.py cat N SIZE: N greenlets, each <c>cat</c> with piped stdin/stdout, CommunicateAsync(SIZE bytes), echo checked.</summary>
    private static void SubCat(int n, int size)
    {
        var payload = new byte[size];
        payload.AsSpan().Fill((byte)'y');
        double cold = SubWarmUp(() => RunSubCat(n, payload));
        Alloc alloc = Alloc.Start();
        double dt = RunSubCat(n, payload);
        alloc.Stop();
        Emit(w =>
        {
            Head(w, "subprocess_cat", n);
            w.WriteNumber("size", size);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("ms", Math.Round(dt * 1e3, 2));
            w.WriteNumber("procs_per_s", Math.Round(n / dt, 1));
            w.WriteNumber("ms_per_proc", Math.Round(dt / n * 1e3, 3));
            SubCold(w, cold);
            alloc.Write(w, n, "proc");
        });
    }

    private static double RunSubCat(int n, byte[] payload)
    {
        return Green.Run(async () =>
        {
            int ok = 0;
            async Task OneCat()
            {
                using Popen p = await StartChild(["cat"], Redirect.Pipe, Redirect.Pipe);
                (byte[]? output, _) = await p.CommunicateAsync(payload);
                if (output is not null && output.AsSpan().SequenceEqual(payload) && p.ReturnCode == 0)
                {
                    ok++;
                }
            }

            long t0 = Stopwatch.GetTimestamp();
            var gs = new List<Greenlet>(n);
            for (int i = 0; i < n; i++)
            {
                gs.Add(Green.Spawn(OneCat));
            }

            await Green.JoinAll(gs, raiseError: true);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return ok == n ? dt : throw new InvalidOperationException($"only {ok} of {n} `cat` echoed their input");
        });
    }

    // ---------------------------------------------------------------- (c) 1 GiB through one `cat`

    /// <summary>
    /// spawn_and_relay.c cat1g / dotnet-peers cat1g: MIB MiB through one <c>cat</c>. One greenlet writes CHUNK-byte
    /// chunks to <c>Stdin</c> then disposes it, another reads <c>Stdout</c> (CHUNK-byte buffer) until EOF; then
    /// WaitAsync. Timed from before the start to the reap; MB/s with MB = 10^6. Warm-up runs stream MIB/16.
    /// </summary>
    private static void SubCat1G(int mib, int chunk)
    {
        long total = (long)mib << 20;
        double cold = SubWarmUp(() => RunSubCatStream(Math.Max(total / 16, chunk), chunk));
        Alloc alloc = Alloc.Start();
        double dt = RunSubCatStream(total, chunk);
        alloc.Stop();
        Emit(w =>
        {
            Head(w, "subprocess_cat_stream", mib);
            w.WriteNumber("bytes", total);
            w.WriteNumber("chunk", chunk);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("MB_per_s", Math.Round(total / dt / 1e6, 1));
            if (!double.IsNaN(cold))
            {
                w.WriteNumber("cold_MB_per_s", Math.Round(Math.Max(total / 16, chunk) / cold / 1e6, 1));
            }

            alloc.Write(w, total / chunk, "chunk");
        });
    }

    private static double RunSubCatStream(long total, int chunk)
    {
        return Green.Run(async () =>
        {
            var wbuf = new byte[chunk];
            wbuf.AsSpan().Fill((byte)'a');
            var rbuf = new byte[chunk];
            long got = 0;
            long t0 = Stopwatch.GetTimestamp();
            using Popen p = await StartChild(["cat"], Redirect.Pipe, Redirect.Pipe);
            GreenStream stdin = p.Stdin!, stdout = p.Stdout!;
            Greenlet writer = Green.Spawn(async () =>
            {
                for (long sent = 0; sent < total; sent += chunk)
                {
                    await stdin.WriteAsync(wbuf);
                }

                stdin.Dispose();
            }, "writer");
            Greenlet reader = Green.Spawn(async () =>
            {
                int k;
                while ((k = await stdout.ReadAsync(rbuf)) > 0)
                {
                    got += k;
                }
            }, "reader");
            await Green.JoinAll([writer, reader], raiseError: true);
            int rc = await p.WaitAsync();
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return got == total && rc == 0 ? dt : throw new InvalidOperationException($"cat stream: got {got} of {total} bytes, rc {rc}");
        });
    }

    private static void SubCold(Utf8JsonWriter w, double cold)
    {
        w.WriteNumber("warmups", SubWarmups());
        if (!double.IsNaN(cold))
        {
            w.WriteNumber("cold_seconds", Math.Round(cold, 4));
        }
    }
}
