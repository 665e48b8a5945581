using System;
using System.Collections.Generic;
using System.Text;

namespace GreenProc.Ipc;

/// <summary>
/// An exception that was raised in another process (a <c>Gipc.StartProcess</c> child's target, a
/// <c>ProcessPool</c> task) and came back here: its type's name, its message, its stack trace in that process
/// and its inner exceptions. The remote type is named, never instantiated: the wire chooses no .NET type to build.
/// </summary>
public sealed class GipcRemoteException : GipcException
{
    private static readonly IReadOnlyList<GipcRemoteException> s_none = [];

    /// <summary>Creates the exception.</summary>
    public GipcRemoteException()
        : this("An exception was raised in another process.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The remote exception's message.</param>
    public GipcRemoteException(string message)
        : base(message)
    {
        RemoteType = typeof(Exception).FullName!;
        RemoteInnerExceptions = s_none;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The remote exception's message.</param>
    /// <param name="innerException">The cause.</param>
    public GipcRemoteException(string message, Exception? innerException)
        : base(message, innerException)
    {
        RemoteType = typeof(Exception).FullName!;
        RemoteInnerExceptions = innerException is GipcRemoteException r ? [r] : s_none;
    }

    internal GipcRemoteException(string remoteType, string message, string? remoteStackTrace, int processId, IReadOnlyList<GipcRemoteException> inner)
        : base(message, inner.Count > 0 ? inner[0] : null)
    {
        RemoteType = remoteType;
        RemoteStackTrace = remoteStackTrace;
        ProcessId = processId;
        RemoteInnerExceptions = inner;
    }

    /// <summary>The full name of the remote exception's type (for example <c>System.InvalidOperationException</c>).</summary>
    public string RemoteType { get; }

    /// <summary>The stack trace in the process that raised it, or null.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>The id of the process that raised it (0 when unknown).</summary>
    public int ProcessId { get; }

    /// <summary>
    /// The remote inner exceptions: one for an exception with an <c>InnerException</c>, several for an
    /// <see cref="AggregateException"/>; the first is also <see cref="Exception.InnerException"/>.
    /// </summary>
    public IReadOnlyList<GipcRemoteException> RemoteInnerExceptions { get; }

    /// <summary>Whether the remote exception was of type <typeparamref name="T"/> (by full name; not a subtype test).</summary>
    /// <typeparam name="T">The exception type.</typeparam>
    /// <returns>True when <see cref="RemoteType"/> is <typeparamref name="T"/>'s full name.</returns>
    public bool Is<T>()
        where T : Exception
        => RemoteType == typeof(T).FullName;

    /// <summary>The remote type, message and stack, then the inner exceptions, then where it was raised here.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        Append(text, this, 0);
        if (StackTrace is { } local)
        {
            text.Append("\n   --- received here ---\n").Append(local);
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, GipcRemoteException e, int depth)
    {
        string indent = new(' ', depth * 2);
        text.Append(indent).Append(e.RemoteType).Append(": ").Append(e.Message);
        if (e.RemoteStackTrace is { Length: > 0 } stack)
        {
            text.Append('\n').Append(indent).Append("   --- stack in process ").Append(e.ProcessId).Append(" ---\n");
            foreach (string line in stack.Split('\n'))
            {
                text.Append(indent).Append(line.TrimEnd('\r')).Append('\n');
            }

            text.Length--;
        }

        foreach (GipcRemoteException inner in e.RemoteInnerExceptions)
        {
            text.Append('\n').Append(indent).Append(" ---> ");
            Append(text, inner, depth + 1);
        }
    }
}
