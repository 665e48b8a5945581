// gipc's classic relay: the parent puts "hi" ten times from one greenlet and prints what comes back from another;
// a child process relays every message from one pipe to the other as "hi in <i>".
using System;
using System.Threading.Tasks;
using GreenProc;
using GreenProc.Ipc;

Green.Run(async () =>
{
    using GipcPipe<string> toChild = Gipc.Pipe<string>();
    using GipcPipe<string> fromChild = Gipc.Pipe<string>();
    using GipcProcess child = Gipc.StartProcess(Relay.Run, toChild.Reader, fromChild.Writer);

    Greenlet put = Green.Spawn(async () =>
    {
        for (int i = 0; i < 10; i++)
        {
            await toChild.Writer.PutAsync("hi");
        }

        await toChild.Writer.DisposeAsync(); // the child sees end of stream and finishes
    }, "put");
    Greenlet get = Green.Spawn(async () =>
    {
        await foreach (string message in fromChild.Reader.ReadAllAsync())
        {
            Console.WriteLine(message);
        }
    }, "get");

    await Green.JoinAll([put, get], raiseError: true);
    await child.JoinAsync();
    Console.WriteLine($"child {child.Name} (pid {child.Pid}) exited with {child.ExitCode}");
});

internal static class Relay
{
    /// <summary>Runs in the child process, on its own hub.</summary>
    public static async Task Run(GipcReader<string> input, GipcWriter<string> output)
    {
        int i = 0;
        await foreach (string message in input.ReadAllAsync())
        {
            await output.PutAsync($"{message} in {i++}");
        }
    }
}
