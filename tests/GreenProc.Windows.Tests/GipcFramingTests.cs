using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Windows.Tests;

/// <summary>
/// The gipc reader against frames that arrive in pieces, written raw into its pipe: a get that times out or is cancelled
/// mid-frame keeps what it read, and large and small frames land whole wherever the writes split them (on Windows a get
/// reads through the completion port into the frame buffer or a large frame's own array).
/// </summary>
public class GipcFramingTests
{
    [Fact]
    public async Task A_get_that_times_out_or_is_cancelled_mid_frame_keeps_the_partial_bytes()
    {
        byte[] got = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            using var raw = new GreenStream(w, FileAccess.Write);
            byte[] frame = Frame(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());

            await raw.WriteAsync(frame.AsMemory(0, 3)); // part of the header
            Exception t = await PrimitiveContractTests.Record(async () => await reader.GetAsync(TimeSpan.FromMilliseconds(20)));
            Assert.IsType<GreenTimeoutException>(t);
            await raw.WriteAsync(frame.AsMemory(3, 50)); // the rest of the header and half the payload
            using (var cts = new CancellationTokenSource())
            {
                Greenlet<byte[]> cancelled = Green.Spawn(async () => await reader.GetAsync(cancellationToken: cts.Token));
                await Green.Yield();
                cts.Cancel();
                Exception c = await PrimitiveContractTests.Record(async () => await cancelled);
                Assert.IsAssignableFrom<OperationCanceledException>(c);
            }

            await raw.WriteAsync(frame.AsMemory(53));
            return await reader.GetAsync(TimeSpan.FromSeconds(30));
        });
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray(), got);
    }

    // Under Wine every write is a trip through the wineserver (~0.1 ms), so the one-byte split of the Linux suite would
    // take a minute here: 997 still splits every header and payload at odd places.
    [Theory]
    [InlineData(997)]
    [InlineData(4093)]
    [InlineData(70_001)]
    public async Task Large_and_small_frames_in_any_split_arrive_whole_including_a_timeout_inside_a_large_one(int piece)
    {
        var random = new Random(piece);
        int[] sizes = [40_000, 100_000, 3, 0, 65_536, 32_768, 10, 300_000, 1];
        byte[][] payloads = sizes.Select(n => { var b = new byte[n]; random.NextBytes(b); return b; }).ToArray();
        byte[] stream = payloads.SelectMany(Frame).ToArray();
        List<byte[]> got = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var raw = new GreenStream(w, FileAccess.Write);
            var received = new List<byte[]>();
            var timedOut = new GreenEvent();
            Greenlet reader = Green.Spawn(async () =>
            {
                using var gr = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
                Exception e = await PrimitiveContractTests.Record(async () => await gr.GetAsync(TimeSpan.FromMilliseconds(5)));
                Assert.IsType<GreenTimeoutException>(e); // inside the first (large) payload; the next get continues it
                timedOut.Set();
                for (int i = 0; i < sizes.Length; i++)
                {
                    received.Add(await gr.GetAsync(TimeSpan.FromSeconds(30)));
                }
            });

            await raw.WriteAsync(stream.AsMemory(0, 5 + 20_000)); // half of the first payload
            Assert.True(await timedOut.WaitAsync(TimeSpan.FromSeconds(30)));
            for (int at = 5 + 20_000; at < stream.Length; at += piece)
            {
                await raw.WriteAsync(stream.AsMemory(at, Math.Min(piece, stream.Length - at)));
                await Green.Yield();
            }

            await reader;
            return received;
        });
        Assert.Equal(sizes.Length, got.Count);
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(got[i]), $"message {i} ({sizes[i]} bytes) differs");
        }
    }

    /// <summary>A raw gipc frame: the magic byte, the length, the payload.</summary>
    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = 0x47;
        BitConverter.TryWriteBytes(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
