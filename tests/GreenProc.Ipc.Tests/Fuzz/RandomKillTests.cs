using System;
using System.IO;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// A child streaming messages of random sizes is SIGKILLed at a random point (issue 17's fault injection): the parent
/// receives only whole messages, each exactly as sent and in order, then end of stream, or a protocol error (a frame
/// cut by the kill) that closes the handle; never a torn or wrong message, never a hang, and no descriptor left.
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class RandomKillTests(Xunit.Abstractions.ITestOutputHelper output) : LeakCheckedTest
{
    protected override ReactorKind Reactor => ReactorKind.Default;

    /// <summary>The child: the messages a <see cref="Random"/> with <paramref name="seed"/> makes, for ever.</summary>
    internal static async Task Stream(GipcWriter<byte[]> output, int seed)
    {
        var random = new Random(seed);
        while (true)
        {
            await output.PutAsync(Next(random));
        }
    }

    private static byte[] Next(Random random)
    {
        var payload = new byte[random.Next(4) == 0 ? random.Next(64 << 10, 512 << 10) : random.Next(0, 4096)];
        random.NextBytes(payload);
        return payload;
    }

    [Fact]
    public void A_child_killed_at_a_random_point_mid_stream_delivers_whole_messages_only()
    {
        int seed = FuzzInput.Seed(10);
        var random = new Random(seed);
        int cut = 0, clean = 0;
        Run(async () =>
        {
            for (int i = 0; i < FuzzInput.Iterations(6); i++)
            {
                using GipcPipe<byte[]> pipe = Gipc.Pipe(GipcRawCodec.Instance);
                int childSeed = random.Next();
                int killAfter = random.Next(0, 40);
                using GipcProcess child = Gipc.StartProcess(Stream, pipe.Writer, childSeed);
                var expected = new Random(childSeed);
                int got = 0;
                try
                {
                    while (true)
                    {
                        if (got == killAfter)
                        {
                            child.Kill(); // the child is somewhere in its loop: between puts, or mid-frame
                        }

                        byte[] message = await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30));
                        Assert.True(message.AsSpan().SequenceEqual(Next(expected)), $"message {got} differs from what was sent (seed {seed}, iteration {i})");
                        got++;
                    }
                }
                catch (EndOfStreamException)
                {
                    clean++;
                }
                catch (GipcProtocolException)
                {
                    Assert.True(pipe.Reader.IsClosed);
                    cut++;
                }

                await child.JoinAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(-9, child.ExitCode);
                Assert.True(got >= killAfter, $"{got} messages before the kill's effect, {killAfter} read before it was sent");
            }
        });

        output.WriteLine($"{cut} streams cut mid-frame (a protocol error), {clean} ended at a frame boundary");
        Assert.Equal(FuzzInput.Iterations(6), cut + clean);
    }
}
