using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Tests;

/// <summary>The I/O core's one convention (DESIGN §6, issue 13), on real pipes and socket pairs, outside any hub.</summary>
public sealed class FdIOTests
{
    [Fact]
    public void A_read_of_an_empty_non_blocking_pipe_is_NotReady_and_of_a_closed_one_is_end_of_stream()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        {
            var buffer = new byte[8];
            Assert.Equal(FdIO.NotReady, FdIO.TryRead(r, buffer));
            Assert.Equal(3, FdIO.TryWrite(w, "abc"u8));
            Assert.Equal(3, FdIO.TryRead(r, buffer));
            Assert.Equal("abc"u8.ToArray(), buffer[..3]);
            w.Dispose();
            Assert.Equal(0, FdIO.TryRead(r, buffer));
        }
    }

    [Fact]
    public void A_read_into_two_buffers_fills_the_first_then_the_second()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            Assert.Equal(10, FdIO.TryWrite(w, "0123456789"u8));
            var first = new byte[4];
            var second = new byte[16];
            Assert.Equal(10, FdIO.TryRead(r, first, second));
            Assert.Equal("0123"u8.ToArray(), first);
            Assert.Equal("456789"u8.ToArray(), second[..6]);
            Assert.Equal(FdIO.NotReady, FdIO.TryRead(r, first, second));
        }
    }

    [Fact]
    public unsafe void A_gathered_write_sends_its_segments_in_order_and_a_full_pipe_is_NotReady()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            byte[] a = "head:"u8.ToArray();
            byte[] b = "body"u8.ToArray();
            fixed (byte* pa = a)
            fixed (byte* pb = b)
            {
                IOSegment[] segments = [new(pa, a.Length), new(pb, b.Length)];
                Assert.Equal(9, FdIO.TryWrite(w, segments));
                var read = new byte[16];
                Assert.Equal(9, FdIO.TryRead(r, read));
                Assert.Equal("head:body"u8.ToArray(), read[..9]);

                var fill = new byte[w.GetPipeSize()];
                Assert.Equal(fill.Length, FdIO.TryWrite(w, fill));
                Assert.Equal(FdIO.NotReady, FdIO.TryWrite(w, segments));
                Assert.Equal(FdIO.NotReady, FdIO.TryWrite(w, segments.AsSpan(0, 1)));
            }
        }
    }

    [Fact]
    public void A_write_whose_reader_is_gone_raises_EPIPE_and_says_the_peer_is_gone()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (w)
        {
            r.Dispose();
            NativeIOException e = Assert.Throws<NativeIOException>(() => FdIO.TryWrite(w, "x"u8));
            Assert.Equal(Interop.EPIPE, e.Errno);
            Assert.True(FdIO.IsPeerGone(e));
            Assert.Contains("write(fd", e.Message);
        }
    }

    [Fact]
    public void A_socket_peer_that_resets_is_a_peer_gone_error()
    {
        SafeFdHandle.CreateSocketPair(out SafeFdHandle a, out SafeFdHandle b);
        using (a)
        {
            Assert.Equal(1, FdIO.TryWrite(a, "x"u8));
            b.Dispose(); // closed with unread data: Linux resets the connection (ECONNRESET at a), not a clean end
            NativeIOException e = Assert.Throws<NativeIOException>(() => FdIO.TryRead(a, new byte[4]));
            Assert.Equal(Interop.ECONNRESET, e.Errno);
            Assert.True(FdIO.IsPeerGone(e));
        }
    }

    [Fact]
    public void A_closed_handle_raises_ObjectDisposedException_before_any_call()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        r.Dispose();
        w.Dispose();
        Assert.Throws<ObjectDisposedException>(() => FdIO.TryRead(r, new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => FdIO.TryRead(r, new byte[1], new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => FdIO.TryWrite(w, "x"u8));
        Assert.Throws<ObjectDisposedException>(() => FdIO.WriteAll(w, "x"u8));
        Assert.Throws<ObjectDisposedException>(() => FdIO.Read(r, new byte[1]));
    }

    [Fact]
    public async Task The_blocking_forms_wait_on_a_non_blocking_descriptor_until_the_other_side_acts()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            // More than the pipe holds: WriteAll must wait for the reader (in poll, not by spinning on EAGAIN).
            var data = new byte[(w.GetPipeSize() * 3) + 17];
            new Random(7).NextBytes(data);
            Task writer = Task.Run(() =>
            {
                FdIO.WriteAll(w, data);
                w.Dispose();
            });
            byte[] received = await Task.Run(() => FdIO.ReadToEnd(r));
            await writer;
            Assert.Equal(data, received);
        }
    }

    [Fact]
    public async Task A_blocking_read_returns_what_arrives_then_end_of_stream()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        {
            Task<int> reader = Task.Run(() => FdIO.Read(r, new byte[64]));
            FdIO.WriteAll(w, "hello"u8);
            Assert.Equal(5, await reader);
            w.Dispose();
            Assert.Equal(0, FdIO.Read(r, new byte[64]));
        }
    }

    [Fact]
    public void WaitAny_returns_for_the_ready_handle_and_at_once_for_a_closed_one()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r1, out SafeFdHandle w1);
        SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
        using (r1)
        using (w1)
        using (w2)
        {
            FdIO.WriteAll(w1, "x"u8);
            FdIO.WaitAny(new List<SafeFdHandle> { r2, r1 }, forWrite: false, timeoutMs: -1); // r1 is readable: returns

            r2.Dispose();
            FdIO.WaitAny(new List<SafeFdHandle> { r2 }, forWrite: false, timeoutMs: -1); // closed: returns, no hang
            FdIO.WaitAny(new List<SafeFdHandle> { w2 }, forWrite: true, timeoutMs: -1); // reader gone: POLLERR wakes
        }
    }

    [Fact]
    public void Close_on_exec_can_be_cleared_and_set_again()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            Assert.True(Interop.IsCloseOnExec(r.Fd));
            FdIO.SetCloseOnExec(r, false);
            Assert.False(Interop.IsCloseOnExec(r.Fd));
            FdIO.SetCloseOnExec(r.Fd, true);
            Assert.True(Interop.IsCloseOnExec(r.Fd));
        }
    }
}
