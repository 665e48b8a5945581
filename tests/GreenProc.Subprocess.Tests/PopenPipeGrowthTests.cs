using System;
using System.Security.Cryptography;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Subprocess.Tests;

/// <summary>
/// The pipes Popen makes with no <see cref="PopenOptions.PipeSize"/> start at the kernel's 64 KiB and grow to 1 MiB
/// once they carry a lot (issue 13). Serial: grown pipes count against one process-wide budget, which a test running
/// beside these could use up.
/// </summary>
[Collection(nameof(SerialProcessTests))]
public sealed class PopenPipeGrowthTests
{
    private const int DefaultPipeSize = 64 * 1024;

    [Fact]
    public void Streaming_megabytes_through_cat_grows_both_pipes_and_every_byte_comes_back()
    {
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            using var p = Popen.Start(["cat"], new PopenOptions { Stdin = Redirect.Pipe, Stdout = Redirect.Pipe });
            Assert.Equal(DefaultPipeSize, p.Stdin!.Handle.GetPipeSize());
            Assert.Equal(DefaultPipeSize, p.Stdout!.Handle.GetPipeSize());
            (byte[] sent, byte[] received) = await Echo(p, 8 << 20);
            Assert.Equal(1 << 20, p.Stdin.Handle.GetPipeSize());
            Assert.Equal(1 << 20, p.Stdout.Handle.GetPipeSize());
            Assert.Equal(SHA256.HashData(sent), SHA256.HashData(received));
            p.Stdin.Dispose();
            Assert.Equal(0, await p.WaitAsync(TimeSpan.FromSeconds(20)));
        });
    }

    [Fact]
    public void A_short_exchange_keeps_the_default_size_and_a_fixed_PipeSize_never_grows()
    {
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            using (var small = Popen.Start(["cat"], new PopenOptions { Stdin = Redirect.Pipe, Stdout = Redirect.Pipe }))
            {
                (byte[] sent, byte[] received) = await Echo(small, 256 * 1024);
                Assert.Equal(sent, received);
                Assert.Equal(DefaultPipeSize, small.Stdin!.Handle.GetPipeSize());
                Assert.Equal(DefaultPipeSize, small.Stdout!.Handle.GetPipeSize());
                small.Stdin.Dispose();
                Assert.Equal(0, await small.WaitAsync(TimeSpan.FromSeconds(20)));
            }

            using var fixedSize = Popen.Start(["cat"], new PopenOptions { Stdin = Redirect.Pipe, Stdout = Redirect.Pipe, PipeSize = DefaultPipeSize });
            (byte[] a, byte[] b) = await Echo(fixedSize, 8 << 20);
            Assert.Equal(SHA256.HashData(a), SHA256.HashData(b));
            Assert.Equal(DefaultPipeSize, fixedSize.Stdin!.Handle.GetPipeSize());
            Assert.Equal(DefaultPipeSize, fixedSize.Stdout!.Handle.GetPipeSize());
            fixedSize.Stdin.Dispose();
            Assert.Equal(0, await fixedSize.WaitAsync(TimeSpan.FromSeconds(20)));
        });
    }

    /// <summary>Streams <paramref name="total"/> random bytes into the child's stdin in 256 KiB writes from one greenlet
    /// while this one reads them back from its stdout with a 64 KiB buffer.</summary>
    private static async Task<(byte[] Sent, byte[] Received)> Echo(Popen p, int total)
    {
        var data = new byte[total];
        new Random(total).NextBytes(data);
        Greenlet writer = Green.Spawn(async () =>
        {
            for (int off = 0; off < total; off += 256 * 1024)
            {
                await p.Stdin!.WriteAsync(data.AsMemory(off, Math.Min(256 * 1024, total - off)));
            }
        });
        var received = new byte[total];
        var buffer = new byte[64 * 1024];
        int got = 0;
        using (GreenTimeout.Start(TimeSpan.FromSeconds(20)))
        {
            while (got < total)
            {
                int n = await p.Stdout!.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, total - got)));
                Assert.True(n > 0, $"end of stream after {got} of {total} bytes");
                buffer.AsSpan(0, n).CopyTo(received.AsSpan(got));
                got += n;
            }

            await writer;
        }

        return (data, received);
    }
}
