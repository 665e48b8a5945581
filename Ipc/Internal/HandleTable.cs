using System;
using System.Collections.Generic;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The handles met while encoding (parent) or decoding (child) StartProcess arguments. While one is
/// <see cref="Current"/>, the binary codec writes each <see cref="IGipcHandle"/> as its index in the table, and reads
/// an index back as the handle the child received. Outside StartProcess no table is active, and a handle in a message
/// is an error (handles cross process boundaries only when a child starts).
/// </summary>
internal sealed class HandleTable
{
    [ThreadStatic]
    private static HandleTable? t_current;

    private readonly List<IGipcHandle> _handles = new();
    private readonly Func<int, Type, IGipcHandle>? _resolve;

    /// <summary>A table that collects handles (parent side).</summary>
    public HandleTable()
    {
    }

    /// <summary>A table that produces handles from indexes (child side).</summary>
    public HandleTable(Func<int, Type, IGipcHandle> resolve) => _resolve = resolve;

    public static HandleTable? Current => t_current;

    public IReadOnlyList<IGipcHandle> Handles => _handles;

    /// <summary>Makes this table the ambient one until the returned scope is disposed.</summary>
    public Scope Activate()
    {
        HandleTable? previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    /// <summary>Encoding: the index of <paramref name="handle"/> (the same handle twice gets one index).</summary>
    public int Register(IGipcHandle handle)
    {
        int i = _handles.IndexOf(handle);
        if (i >= 0)
        {
            return i;
        }

        _handles.Add(handle);
        return _handles.Count - 1;
    }

    /// <summary>Decoding: the handle of type <paramref name="handleType"/> at <paramref name="index"/>.</summary>
    public IGipcHandle Resolve(int index, Type handleType)
        => _resolve is null ? throw new InvalidOperationException("This handle table collects handles; it cannot resolve them.") : _resolve(index, handleType);

    public readonly struct Scope(HandleTable? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}
