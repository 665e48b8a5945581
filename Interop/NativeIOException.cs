using System.IO;
using System.Runtime.InteropServices;

namespace GreenProc;

/// <summary>
/// A system call failed. <see cref="Errno"/> holds the C <c>errno</c> and the message names the call and the
/// error (for example <c>write(fd 7) failed: Broken pipe (EPIPE, errno 32)</c>).
/// </summary>
public class NativeIOException : IOException
{
    /// <summary>Creates the exception for <paramref name="errno"/> raised by <paramref name="operation"/>.</summary>
    public NativeIOException(int errno, string operation)
        : base($"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({ErrnoName(errno)}errno {errno})")
    {
        Errno = errno;
        Operation = operation;
        HResult = errno;
    }

    /// <summary>The C <c>errno</c> value the call failed with.</summary>
    public int Errno { get; }

    /// <summary>The call that failed, with its main argument, e.g. <c>read(fd 5)</c>.</summary>
    public string Operation { get; }

    private static string ErrnoName(int errno) => errno switch
    {
        Interop.EPERM => "EPERM, ",
        Interop.ENOENT => "ENOENT, ",
        Interop.ESRCH => "ESRCH, ",
        Interop.EINTR => "EINTR, ",
        Interop.EBADF => "EBADF, ",
        Interop.ECHILD => "ECHILD, ",
        Interop.EAGAIN => "EAGAIN, ",
        Interop.EACCES => "EACCES, ",
        Interop.EEXIST => "EEXIST, ",
        Interop.EINVAL => "EINVAL, ",
        Interop.EMFILE => "EMFILE, ",
        Interop.EPIPE => "EPIPE, ",
        Interop.ENOSYS => "ENOSYS, ",
        Interop.ECONNRESET => "ECONNRESET, ",
        _ => "",
    };
}
