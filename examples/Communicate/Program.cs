// Green subprocess communicate: a heartbeat keeps beating while a child runs, then 100 children converse at once,
// all on one thread.
using System;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;
using GreenProc;
using GreenProc.Subprocess;

Green.Run(async () =>
{
    var clock = Stopwatch.StartNew();
    int beats = 0;
    bool childDone = false;
    Greenlet heartbeat = Green.Spawn(async () =>
    {
        while (!childDone)
        {
            Console.WriteLine($"heartbeat {++beats} at {clock.Elapsed.TotalSeconds:0.0} s");
            await Green.Sleep(TimeSpan.FromSeconds(0.2));
        }
    }, "heartbeat");

    using (var child = Popen.Start(["sh", "-c", "sleep 1; uname"], stdout: Redirect.Pipe))
    {
        (byte[]? output, _) = await child.CommunicateAsync();
        childDone = true;
        Console.WriteLine($"child exited with {child.ReturnCode} after {clock.Elapsed.TotalSeconds:0.0} s and wrote: {Encoding.UTF8.GetString(output!).Trim()}");
    }

    await heartbeat;
    Console.WriteLine($"the heartbeat beat {beats} times while the child ran");

    // 100 concurrent conversations: each child echoes 64 KiB back through its pipes.
    var payload = new byte[64 * 1024];
    Random.Shared.NextBytes(payload);
    clock.Restart();
    var conversations = new Greenlet<bool>[100];
    for (int i = 0; i < conversations.Length; i++)
    {
        conversations[i] = Green.Spawn(async () =>
        {
            using var cat = Popen.Start(["cat"], stdin: Redirect.Pipe, stdout: Redirect.Pipe);
            (byte[]? echoed, _) = await cat.CommunicateAsync(payload);
            return cat.ReturnCode == 0 && echoed.AsSpan().SequenceEqual(payload);
        });
    }

    int ok = 0;
    foreach (Greenlet<bool> c in conversations)
    {
        ok += await c ? 1 : 0;
    }

    Console.WriteLine($"100 concurrent communicates (64 KiB each way): {ok} echoed intact in {clock.Elapsed.TotalMilliseconds:0} ms");
});
