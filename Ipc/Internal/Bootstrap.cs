using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// What a StartProcess child reads from its bootstrap pipe (fd 3): the target, the handles it received (fds 4, 5, ...;
/// a duplex end arrives as two), the fd of its outcome pipe (the next one) and the encoded arguments. The parent wrote it, so this channel names the target's assembly and type; the gipc pipes
/// themselves never carry a type name.
/// </summary>
internal sealed class Bootstrap
{
    public const int BootstrapFd = 3;
    public const int FirstHandleFd = 4;
    public const string EnvironmentVariable = "GREENPROC_GIPC_BOOTSTRAP";
    private const int Magic = 0x47495043; // "GIPC"

    /// <summary>The target's assembly, by simple name (resolved through the app's deps file, like the parent's).</summary>
    public required string AssemblyName { get; init; }

    /// <summary>Where the parent loaded it from, for an assembly the deps file does not list.</summary>
    public required string AssemblyPath { get; init; }

    /// <summary>The target's metadata token in the assembly's manifest module: found without any name lookup.</summary>
    public required int MethodToken { get; init; }

    /// <summary>The declaring type's full name: a check that the child resolved the same method.</summary>
    public required string TypeName { get; init; }

    public required string Name { get; init; }

    /// <summary>
    /// The fd (after the handles' fds) of the outcome pipe: the child writes its unhandled exception there before it
    /// exits with 1, and the parent reads it once the child has exited (<see cref="GipcProcess.Exception"/>).
    /// </summary>
    public required int OutcomeFd { get; init; }

    /// <summary>How many more fds follow the outcome fd (StartProcessCore's extra descriptors).</summary>
    public int ExtraFdCount { get; init; }

    public required List<HandleDescriptor> Handles { get; init; }

    public required List<byte[]> Arguments { get; init; }

    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(AssemblyName);
            w.Write(AssemblyPath);
            w.Write(TypeName);
            w.Write(MethodToken);
            w.Write(Name);
            w.Write(OutcomeFd);
            w.Write(ExtraFdCount);
            w.Write(Handles.Count);
            foreach (HandleDescriptor h in Handles)
            {
                w.Write((byte)h.Kind);
                w.Write((byte)h.Codec);
                w.Write(h.CustomCodecType ?? string.Empty);
                w.Write(h.Fd);
                w.Write(h.SecondFd);
                w.Write(h.MaxFrameSize);
                w.Write(h.WriteBufferLimit);
                w.Write(h.ReadBufferSize);
                w.Write(h.ExitFlushTimeout.Ticks);
            }

            w.Write(Arguments.Count);
            foreach (byte[] a in Arguments)
            {
                w.Write(a.Length);
                w.Write(a);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote (BinaryWriter's format) from the bytes, without a stream.</summary>
    public static Bootstrap Deserialize(byte[] data)
    {
        var r = new SpanReader(data);
        if (r.ReadInt32() != Magic)
        {
            throw new InvalidDataException("The gipc bootstrap data is corrupt.");
        }

        string assemblyName = r.ReadString();
        string assemblyPath = r.ReadString();
        string typeName = r.ReadString();
        int token = r.ReadInt32();
        string name = r.ReadString();
        int outcomeFd = r.ReadInt32();
        int extraFdCount = r.ReadInt32();
        var handles = new List<HandleDescriptor>();
        for (int i = r.ReadInt32(); i > 0; i--)
        {
            var kind = (HandleKind)r.ReadByte();
            var codec = (CodecKind)r.ReadByte();
            string custom = r.ReadString();
            int fd = r.ReadInt32(), secondFd = r.ReadInt32();
            int maxFrame = r.ReadInt32(), writeLimit = r.ReadInt32(), readBuffer = r.ReadInt32();
            handles.Add(new HandleDescriptor(kind, codec, custom.Length == 0 ? null : custom, fd, secondFd, maxFrame, writeLimit, readBuffer, TimeSpan.FromTicks(r.ReadInt64())));
        }

        var arguments = new List<byte[]>();
        for (int i = r.ReadInt32(); i > 0; i--)
        {
            arguments.Add(r.ReadBytes(r.ReadInt32()));
        }

        return new Bootstrap
        {
            AssemblyName = assemblyName,
            AssemblyPath = assemblyPath,
            TypeName = typeName,
            MethodToken = token,
            Name = name,
            OutcomeFd = outcomeFd,
            ExtraFdCount = extraFdCount,
            Handles = handles,
            Arguments = arguments,
        };
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public byte ReadByte() => Take(1)[0];

        public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public byte[] ReadBytes(int count) => Take(count).ToArray();

        public string ReadString()
        {
            // BinaryWriter's length prefix: 7 bits per byte, low group first.
            int length = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = ReadByte();
                if (shift > 28)
                {
                    throw new InvalidDataException("The gipc bootstrap data is corrupt (string length).");
                }

                length |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            return Encoding.UTF8.GetString(Take(length));
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if ((uint)count > (uint)_rest.Length)
            {
                throw new InvalidDataException("The gipc bootstrap data is truncated.");
            }

            ReadOnlySpan<byte> taken = _rest[..count];
            _rest = _rest[count..];
            return taken;
        }
    }
}

/// <summary>
/// One handle passed to a child: its kind, codec (a custom one by assembly-qualified type name), the fd it arrives on
/// (a duplex end's read pipe; its write pipe is <see cref="SecondFd"/>, else -1) and options.
/// </summary>
internal sealed record HandleDescriptor(HandleKind Kind, CodecKind Codec, string? CustomCodecType, int Fd, int SecondFd, int MaxFrameSize, int WriteBufferLimit, int ReadBufferSize, TimeSpan ExitFlushTimeout);
