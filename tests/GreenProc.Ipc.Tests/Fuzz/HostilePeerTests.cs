using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// Peers that misbehave without breaking the format (issue 17): one that stalls inside a frame, one that floods. A
/// timeout ends a read that waits on a stalled peer without losing what arrived; a flood costs the reader only the
/// messages it asks for (the pipe pushes back on the peer).
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class HostilePeerTests : LeakCheckedTest
{
    protected override ReactorKind Reactor => ReactorKind.Default;

    [Fact]
    public void A_peer_that_stalls_inside_a_frame_times_reads_out_and_loses_nothing()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            using var raw = new GreenStream(w, FileAccess.Write);
            byte[] payload = RandomNumberGenerator.GetBytes(1000);
            byte[] frame = PipeTests.Frame(payload);

            // Stalled inside the header, then inside the payload: each read times out, the handle stays usable.
            await raw.WriteAsync(frame.AsMemory(0, 3));
            await Assert.ThrowsAsync<GreenTimeoutException>(() => reader.GetAsync(TimeSpan.FromMilliseconds(30)).AsTask());
            Assert.False(reader.IsClosed);
            await raw.WriteAsync(frame.AsMemory(3, 400));
            await Assert.ThrowsAsync<GreenTimeoutException>(() => reader.GetAsync(TimeSpan.FromMilliseconds(30)).AsTask());
            await raw.WriteAsync(frame.AsMemory(403));
            Assert.Equal(payload, await reader.GetAsync(TimeSpan.FromSeconds(10)));

            // A stall at a frame boundary: the same.
            await Assert.ThrowsAsync<GreenTimeoutException>(() => reader.GetAsync(TimeSpan.FromMilliseconds(30)).AsTask());
            await raw.WriteAsync(PipeTests.Frame([7]));
            Assert.Equal(new byte[] { 7 }, await reader.GetAsync(TimeSpan.FromSeconds(10)));
        });
    }

    [Fact]
    public void A_flooding_peer_costs_the_reader_only_what_it_reads()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            byte[] frame = PipeTests.Frame(RandomNumberGenerator.GetBytes(64 << 10));
            long written = 0;
            Greenlet flood = Green.Spawn(async () =>
            {
                using var raw = new GreenStream(w, FileAccess.Write);
                try
                {
                    for (int i = 0; i < 100_000; i++) // 6.4 GB if nobody pushed back
                    {
                        await raw.WriteAsync(frame);
                        written += frame.Length;
                    }
                }
                catch (IOException)
                {
                    // EPIPE once the reader is gone.
                }
            });

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(64 << 10, (await reader.GetAsync(TimeSpan.FromSeconds(10))).Length);
            }

            await Green.Yield();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.False(flood.IsReady); // parked on the full pipe: the flood is held back, not buffered here
            Assert.True(written < 64L << 20, $"{written:N0} bytes accepted from the peer");
            Assert.True(allocated < (20L * (64 << 10) * 2) + (4 << 20), $"{allocated:N0} bytes allocated for 20 messages of 64 KiB");
            reader.Dispose();
            await flood.KillAsync();
        });
    }
}
