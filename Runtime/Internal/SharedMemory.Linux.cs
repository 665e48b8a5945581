using System;

namespace GreenProc.Internal;

/// <summary>
/// A few pages of memory that two processes share: an anonymous memfd mapped by each (Linux; a pagefile-backed section
/// on Windows, SharedMemory.Windows.cs). The creator gives the descriptor to the other process, which maps it with
/// <see cref="Open"/>; either mapping outlives the descriptor.
/// </summary>
/// <remarks>The runtime owns it so that the layers above it never call the native layer themselves.</remarks>
internal sealed unsafe partial class SharedMemory : IDisposable
{
    private readonly int _size;
    private void* _start;

    private SharedMemory(int fd, int size)
    {
        _size = size;
        _start = Interop.MapShared(fd, (nuint)size); // sizes the file too (ftruncate)
    }

    private SharedMemory(void* start, int size)
    {
        _size = size;
        _start = start;
    }

    /// <summary>The first byte (null once disposed).</summary>
    public void* Start => _start;

    /// <summary>
    /// New shared memory of <paramref name="size"/> bytes, zeroed, and its descriptor for the other process (the
    /// caller closes it once that process has it).
    /// </summary>
    public static SharedMemory Create(string name, int size, out SafeFdHandle descriptor)
    {
        if (OperatingSystem.IsWindows())
        {
            return CreateWindows(size, out descriptor);
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Shared memory uses memfd_create on Linux and a section on Windows; other platforms are not built yet.");
        }

        descriptor = Interop.MemfdCreate(name);
        return new SharedMemory(descriptor.Fd, size);
    }

    /// <summary>Maps the descriptor <paramref name="fd"/> received from the creator, then closes it.</summary>
    public static SharedMemory Open(int fd, int size)
    {
        if (OperatingSystem.IsWindows())
        {
            return OpenWindows(fd, size);
        }

        try
        {
            return new SharedMemory(fd, size);
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    public void Dispose()
    {
        if (_start is not null)
        {
            if (OperatingSystem.IsWindows())
            {
                Interop.UnmapViewOfFile(_start);
            }
            else
            {
                Interop.Unmap(_start, (nuint)_size);
            }

            _start = null;
        }
    }
}
