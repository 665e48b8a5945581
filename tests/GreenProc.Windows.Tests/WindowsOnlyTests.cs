using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Windows.Tests;

/// <summary>What only Windows has: no readiness for pipes, overlapped handles only, one completion port per handle.</summary>
public class WindowsOnlyTests
{
    [WindowsFact]
    public async Task Waiting_for_a_pipe_to_be_readable_says_to_read_it_through_a_stream()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                return await PrimitiveContractTests.Record(async () => await Green.WaitReadAsync(r, TimeSpan.FromSeconds(1)));
            }
        });
        Assert.Contains("GreenStream", Assert.IsType<PlatformNotSupportedException>(error).Message, StringComparison.Ordinal);
    }

    [WindowsFact]
    public async Task A_synchronous_pipe_handle_is_refused_by_GreenStream()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w, nonBlocking: false);
        using (r)
        using (w)
        {
            ArgumentException e = Assert.Throws<ArgumentException>(() => new GreenStream(r, FileAccess.Read, ownsHandle: false));
            Assert.Contains("overlapped", e.Message, StringComparison.Ordinal);
            await Task.CompletedTask;
        }
    }

    [WindowsFact]
    public async Task A_pipe_handle_used_by_a_second_hub_is_refused()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            await HubRunner.RunAsync(async () =>
            {
                using var writer = new GreenStream(w, FileAccess.Write, ownsHandle: false);
                await writer.WriteAsync(new byte[] { 1 });
            });
            Exception error = await HubRunner.RunAsync(async () =>
            {
                using var writer = new GreenStream(w, FileAccess.Write, ownsHandle: false);
                return await PrimitiveContractTests.Record(async () => await writer.WriteAsync(new byte[] { 2 }));
            });
            Assert.Contains("completion port", Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
        }
    }

    [WindowsFact]
    public async Task Unix_descriptor_calls_say_they_are_Unix_only()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            Assert.Throws<PlatformNotSupportedException>(() => r.SetNonBlocking());
            Assert.Throws<PlatformNotSupportedException>(() => r.SetPipeSize(1 << 20));
            Assert.Throws<PlatformNotSupportedException>(() => SafeFdHandle.CreateSocketPair(out _, out _));
            await Task.CompletedTask;
        }
    }
}
