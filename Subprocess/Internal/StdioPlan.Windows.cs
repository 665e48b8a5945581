using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace GreenProc.Subprocess.Internal;

// Windows: the child's three standard handles. Each is a handle valid in this process (the spawner makes inheritable
// duplicates of them for the one CreateProcess call); pipes are named pipes whose child end is synchronous, as programs
// expect, and whose end here is overlapped, served by the hub's completion port.
internal sealed partial class StdioPlan
{
    private const int FILE_APPEND_DATA = 0x4, SYNCHRONIZE = 0x00100000, FILE_SHARE_READ_WRITE = 0x3, OPEN_ALWAYS = 4;

    /// <summary>The child's stdin, stdout and stderr (0 for none).</summary>
    [SupportedOSPlatform("windows")]
    public nint[] BuildWindows(PopenOptions options)
    {
        _pipeSize = options.PipeSize;
        nint stdin = SourceWindows(options.Stdin, 0);
        nint stdout = SourceWindows(options.Stdout, 1);
        nint stderr = options.Stderr.Kind == RedirectKind.Stdout ? stdout : SourceWindows(options.Stderr, 2);
        return [stdin, stdout, stderr];
    }

    /// <summary>
    /// <see cref="PopenOptions.PassFds"/> on Windows: each handle under its number (the spawner lists them for
    /// inheritance and names their values in the child's <c>GREENPROC_HANDLES</c>; see <c>InheritedHandles</c>).
    /// </summary>
    public List<(int Number, nint Handle)> PassedWindows(PopenOptions options)
    {
        var passed = new List<(int Number, nint Handle)>();
        if (options.PassFds is not null)
        {
            foreach (KeyValuePair<int, SafeHandle> pass in options.PassFds.OrderBy(p => p.Key))
            {
                passed.Add((pass.Key, Reference(pass.Value)));
            }
        }

        return passed;
    }

    [SupportedOSPlatform("windows")]
    private nint SourceWindows(Redirect redirect, int childFd)
    {
        switch (redirect.Kind)
        {
            case RedirectKind.Inherit:
            {
                nint own = Interop.GetStdHandle(childFd switch { 0 => Interop.STD_INPUT_HANDLE, 1 => Interop.STD_OUTPUT_HANDLE, _ => Interop.STD_ERROR_HANDLE });
                return own == -1 ? 0 : own;
            }

            case RedirectKind.Pipe:
            {
                // PipeSize sets the named pipe's buffers (Windows fixes them at creation; there is no growth).
                bool childReads = childFd == 0;
                SafeFdHandle.CreateNamedPipePair(
                    out SafeFdHandle readEnd, out SafeFdHandle writeEnd, readOverlapped: !childReads, writeOverlapped: childReads, _pipeSize ?? SafeFdHandle.WindowsPipeBufferSize);
                if (childReads)
                {
                    _childSide.Add(readEnd);
                    Stdin = new GreenStream(writeEnd, FileAccess.Write);
                    return readEnd.DangerousGetHandle();
                }

                _childSide.Add(writeEnd);
                var stream = new GreenStream(readEnd, FileAccess.Read);
                if (childFd == 1)
                {
                    Stdout = stream;
                }
                else
                {
                    Stderr = stream;
                }

                return writeEnd.DangerousGetHandle();
            }

            case RedirectKind.DevNull:
                return Own(File.OpenHandle("NUL", FileMode.Open, childFd == 0 ? FileAccess.Read : FileAccess.Write, FileShare.ReadWrite));
            case RedirectKind.Handle:
                return Reference(redirect.Handle!);
            case RedirectKind.File when redirect.Append:
            {
                // Opened for appending only, so every write of the child (and of a second stream on the same file)
                // lands at the end: .NET's FileMode.Append only moves a FileStream's own position.
                unsafe
                {
                    nint file = Interop.CreateFile(redirect.Path!, FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ_WRITE, null, OPEN_ALWAYS, 0, 0);
                    if (file == -1)
                    {
                        throw Interop.Win32Exception(Interop.LastWin32Error, $"CreateFile({redirect.Path}, append)");
                    }

                    return Own(new SafeFileHandle(file, ownsHandle: true));
                }
            }

            case RedirectKind.File:
                return Own(redirect.ForReading
                    ? File.OpenHandle(redirect.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
                    : File.OpenHandle(redirect.Path!, FileMode.Create, FileAccess.Write, FileShare.ReadWrite));
            default:
                throw new ArgumentException($"Redirect {redirect} is not valid for the child's {StreamName(childFd)}.");
        }
    }

    private nint Own(SafeFileHandle handle)
    {
        _childSide.Add(handle);
        return handle.DangerousGetHandle();
    }
}
