using System;
using System.Threading.Tasks;

namespace GreenProc.Ipc;

/// <summary>
/// A simplex gipc pipe: its <see cref="Reader"/> and <see cref="Writer"/>. Deconstructs into both; disposing it closes
/// the writer before the reader (so a reader in this process sees the messages already put, then end of stream).
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class GipcPipe<T> : IDisposable, IAsyncDisposable
{
    internal GipcPipe(GipcReader<T> reader, GipcWriter<T> writer)
    {
        Reader = reader;
        Writer = writer;
    }

    /// <summary>The reading end.</summary>
    public GipcReader<T> Reader { get; }

    /// <summary>The writing end.</summary>
    public GipcWriter<T> Writer { get; }

    /// <summary>Deconstructs into <c>(reader, writer)</c>, as gipc's <c>pipe()</c> returns.</summary>
    /// <param name="reader">The reading end.</param>
    /// <param name="writer">The writing end.</param>
    public void Deconstruct(out GipcReader<T> reader, out GipcWriter<T> writer)
    {
        reader = Reader;
        writer = Writer;
    }

    /// <summary>Closes the writer, then the reader. Ends already passed to a child stay with the child.</summary>
    public void Dispose()
    {
        if (!Writer.IsClosed)
        {
            Writer.Dispose();
        }

        if (!Reader.IsClosed)
        {
            Reader.Dispose();
        }
    }

    /// <summary>Flushes and closes the writer, then closes the reader.</summary>
    /// <returns>A task that completes when both are closed.</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    public async ValueTask DisposeAsync()
    {
        if (!Writer.IsClosed)
        {
            await Writer.DisposeAsync();
        }

        if (!Reader.IsClosed)
        {
            Reader.Dispose();
        }
    }
}
