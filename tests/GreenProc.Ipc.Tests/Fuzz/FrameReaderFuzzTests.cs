using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// A gipc reader fed damaged streams through a real pipe, in pieces of random sizes: every read ends as a message, a
/// <see cref="GipcProtocolException"/> that closes the handle, or end of stream; never another exception or a hang, and
/// never an allocation for a length the frame cap refuses. No descriptor is left open (<see cref="LeakCheckedTest"/>).
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class FrameReaderFuzzTests : LeakCheckedTest
{
    private const int MaxFrame = 64 << 10;

    protected override ReactorKind Reactor => ReactorKind.Default;

    [Fact]
    public void Damaged_streams_end_as_messages_a_protocol_error_or_end_of_stream()
    {
        int seed = FuzzInput.Seed(9);
        var random = new Random(seed);
        int protocolErrors = 0, clean = 0, messages = 0;
        Run(async () =>
        {
            for (int i = 0; i < FuzzInput.Iterations(300); i++)
            {
                byte[] input = i % 5 == 0 ? FuzzInput.Noise(random) : FuzzInput.Mutate(random, ValidStream(random));
                (int got, bool protocolError) = await ReadAllAsync(random, input, seed, i);
                messages += got;
                _ = protocolError ? protocolErrors++ : clean++;
            }
        });

        // The fuzzer reached both ends: streams that parsed to their end and streams refused as corrupt.
        Assert.True(protocolErrors > 0 && clean > 0 && messages > 0, $"{protocolErrors} refused, {clean} read to the end, {messages} messages");
    }

    private static async Task<(int Messages, bool ProtocolError)> ReadAllAsync(Random random, byte[] input, int seed, int iteration)
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default with { MaxFrameSize = MaxFrame });
        var pieces = new List<int>();
        for (int at = 0; at < input.Length;)
        {
            int n = Math.Min(input.Length - at, 1 + random.Next(random.Next(2) == 0 ? 8 : 4096));
            pieces.Add(n);
            at += n;
        }

        // The writer: the pieces, a yield between them (so the reader sees frames cut anywhere), then end of stream.
        Greenlet writer = Green.Spawn(async () =>
        {
            using var raw = new GreenStream(w, FileAccess.Write);
            int at = 0;
            try
            {
                foreach (int n in pieces)
                {
                    await raw.WriteAsync(input.AsMemory(at, n));
                    at += n;
                    await Green.Yield();
                }
            }
            catch (IOException)
            {
                // EPIPE: the reader refused the stream and closed its end.
            }
        });

        int messages = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (true)
            {
                byte[] message = await reader.GetAsync(TimeSpan.FromSeconds(30));
                Assert.True(message.Length <= MaxFrame, $"a {message.Length}-byte message passed the {MaxFrame}-byte cap; {FuzzInput.Describe(seed, iteration, input)}");
                messages++;
            }
        }
        catch (EndOfStreamException)
        {
            await writer;
            return (messages, false);
        }
        catch (GipcProtocolException)
        {
            Assert.True(reader.IsClosed, $"a protocol error left the handle open; {FuzzInput.Describe(seed, iteration, input)}");
            await writer.KillAsync(); // the reader is gone; the writer may be parked on a full pipe
            return (messages, true);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{e.GetType().Name} ({e.Message}) escaped a read; {FuzzInput.Describe(seed, iteration, input)}\n{e}");
            throw;
        }
        finally
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < (4L * MaxFrame) + (64L * input.Length) + (1 << 20), $"{allocated:N0} bytes allocated reading {input.Length} bytes; {FuzzInput.Describe(seed, iteration, input)}");
        }
    }

    /// <summary>A valid stream: a few frames of random payloads, some empty, one sometimes near the cap.</summary>
    private static byte[] ValidStream(Random random)
    {
        var stream = new List<byte>();
        for (int frames = random.Next(1, 6); frames > 0; frames--)
        {
            var payload = new byte[random.Next(8) == 0 ? random.Next(MaxFrame - 64, MaxFrame + 1) : random.Next(0, 300)];
            random.NextBytes(payload);
            stream.AddRange(PipeTests.Frame(payload));
        }

        return [.. stream];
    }
}
