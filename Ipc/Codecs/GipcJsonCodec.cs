using System;
using System.Buffers;
using System.Text.Json;

namespace GreenProc.Ipc;

/// <summary>
/// JSON through System.Text.Json: readable on the wire and tolerant of schema changes, slower than the binary default.
/// Polymorphism follows the serializer's rules (only types declared with <c>[JsonDerivedType]</c>), so the data cannot
/// pick an arbitrary .NET type either. A handle passed to a child with this codec gets the default serializer options.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class GipcJsonCodec<T> : IGipcCodec<T>
{
    private readonly JsonSerializerOptions _options;

    /// <summary>A codec with the given serializer options (default: <see cref="JsonSerializerOptions.Default"/>).</summary>
    /// <param name="options">The serializer options.</param>
    public GipcJsonCodec(JsonSerializerOptions? options = null) => _options = options ?? JsonSerializerOptions.Default;

    /// <summary>A codec with the default options.</summary>
    public static GipcJsonCodec<T> Instance { get; } = new();

    /// <inheritdoc />
    public void Encode(T value, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, value, _options);
    }

    /// <inheritdoc />
    public T Decode(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload, _options)!;
        }
        catch (JsonException e)
        {
            throw new GipcProtocolException($"A frame is not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }
}
