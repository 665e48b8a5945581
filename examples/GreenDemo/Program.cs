// GreenDemo: the green runtime in one page. Everything below runs on ONE OS thread.
//   dotnet run --project examples/GreenDemo
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using GreenProc;

Green.Run(async () =>
{
    // 1. Cooperative interleaving: Yield puts the caller at the back of the run queue.
    var log = new StringBuilder();
    Greenlet Worker(string id) => Green.Spawn(async () =>
    {
        log.Append(id).Append('A').Append(' ');
        await Green.Yield();
        log.Append(id).Append('B').Append(' ');
    });
    await Green.JoinAll([Worker("1"), Worker("2")]);
    Console.WriteLine($"interleaving:  {log.ToString().Trim()}");

    // 2. Ten thousand greenlets sleeping at once finish in ~the time of one sleep.
    var sw = Stopwatch.StartNew();
    var sleepers = Enumerable.Range(0, 10_000).Select(i => Green.Spawn(async () => await Green.Sleep(TimeSpan.FromMilliseconds(50)))).ToList();
    await Green.JoinAll(sleepers);
    Console.WriteLine($"10,000 greenlets slept 50 ms concurrently in {sw.ElapsedMilliseconds} ms");

    // 3. A pipe ping-pong between two greenlets, each parked on its fd until the other writes.
    SafeFdHandle.CreatePipe(out SafeFdHandle r1, out SafeFdHandle w1);
    SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
    using var in1 = new GreenStream(r1, FileAccess.Read);
    using var out1 = new GreenStream(w1, FileAccess.Write);
    using var in2 = new GreenStream(r2, FileAccess.Read);
    using var out2 = new GreenStream(w2, FileAccess.Write);
    const int Rounds = 10_000;
    var echo = Green.Spawn(async () =>
    {
        var b = new byte[1];
        while (await in1.ReadAsync(b) == 1)
        {
            await out2.WriteAsync(b);
        }
    }, "echo");
    sw.Restart();
    var buf = new byte[1];
    for (int i = 0; i < Rounds; i++)
    {
        buf[0] = (byte)i;
        await out1.WriteAsync(buf);
        await in2.ReadExactlyAsync(buf);
    }

    out1.Dispose(); // EOF ends the echo greenlet
    await echo;
    Console.WriteLine($"pipe ping-pong: {Rounds:N0} round trips in {sw.ElapsedMilliseconds} ms ({Rounds * 2 / sw.Elapsed.TotalSeconds:N0} msgs/s)");

    // 4. Timeouts fire at the next switch point, and name the scope that fired.
    using (var scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(20)))
    {
        try
        {
            await Green.Sleep(TimeSpan.FromSeconds(10));
        }
        catch (GreenTimeoutException e) when (e.Timeout == scope)
        {
            Console.WriteLine($"timeout:       {e.Message}");
        }
    }

    // 5. Kill: GreenletExit is raised where the victim waits; its links fire.
    var victim = Green.Spawn(() => Green.Sleep(System.Threading.Timeout.InfiniteTimeSpan).AsTask(), "victim");
    victim.Link(g => Console.WriteLine($"link:          '{g.Name}' is dead (killed = {g.Killed})"));
    await Green.Yield();
    await victim.KillAsync();

    // 6. A blocking call offloaded to a thread while the hub keeps running greenlets.
    int ticks = 0;
    var ticker = Green.Spawn(async () => { while (true) { ticks++; await Green.Sleep(TimeSpan.FromMilliseconds(10)); } });
    await Green.RunBlocking(() => System.Threading.Thread.Sleep(100));
    await ticker.KillAsync();
    Console.WriteLine($"RunBlocking:   the hub ticked {ticks} times while a thread slept 100 ms");
});
