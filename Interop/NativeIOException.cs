using System.IO;
using System.Runtime.InteropServices;

namespace GreenProc;

/// <summary>
/// A system call failed. <see cref="Errno"/> holds the C <c>errno</c> and the message names the call and the
/// error (for example <c>write(fd 7) failed: Broken pipe (EPIPE, errno 32)</c>). On Windows it holds the Win32 error
/// code instead (for example <c>WriteFile(handle 0x1A4) failed: The pipe is being closed. (ERROR_NO_DATA, Win32 error 232)</c>).
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

    private NativeIOException(int win32Error, string operation, string message)
        : base(message)
    {
        Errno = win32Error;
        Operation = operation;
        HResult = win32Error;
    }

    /// <summary>The C <c>errno</c> value the call failed with; on Windows, the Win32 error code.</summary>
    public int Errno { get; }

    /// <summary>The call that failed, with its main argument, e.g. <c>read(fd 5)</c>.</summary>
    public string Operation { get; }

    /// <summary>The exception for Win32 error <paramref name="error"/> raised by <paramref name="operation"/>.</summary>
    internal static NativeIOException FromWin32(int error, string operation)
        => new(error, operation, $"{operation} failed: {Marshal.GetPInvokeErrorMessage(error)} ({Win32Name(error)}Win32 error {error})");

    private static string Win32Name(int error) => error switch
    {
        Interop.ERROR_FILE_NOT_FOUND => "ERROR_FILE_NOT_FOUND, ",
        Interop.ERROR_ACCESS_DENIED => "ERROR_ACCESS_DENIED, ",
        Interop.ERROR_INVALID_HANDLE => "ERROR_INVALID_HANDLE, ",
        Interop.ERROR_INVALID_PARAMETER => "ERROR_INVALID_PARAMETER, ",
        Interop.ERROR_BROKEN_PIPE => "ERROR_BROKEN_PIPE, ",
        Interop.ERROR_NO_DATA => "ERROR_NO_DATA, ",
        Interop.ERROR_PIPE_NOT_CONNECTED => "ERROR_PIPE_NOT_CONNECTED, ",
        Interop.ERROR_OPERATION_ABORTED => "ERROR_OPERATION_ABORTED, ",
        _ => "",
    };

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
