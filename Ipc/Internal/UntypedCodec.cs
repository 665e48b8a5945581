using System;
using System.Buffers;
using System.Reflection;

namespace GreenProc.Ipc.Internal;

/// <summary>Encodes and decodes StartProcess arguments of a type known only at run time, with the binary codec.</summary>
internal static class UntypedCodec
{
    private static readonly MethodInfo s_encode = typeof(UntypedCodec).GetMethod(nameof(EncodeCore), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo s_decode = typeof(UntypedCodec).GetMethod(nameof(DecodeCore), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static byte[] Encode(Type type, object? value) => (byte[])Invoke(s_encode.MakeGenericMethod(type), value)!;

    public static object? Decode(Type type, byte[] payload) => Invoke(s_decode.MakeGenericMethod(type), payload);

    private static object? Invoke(MethodInfo method, object? argument)
    {
        try
        {
            return method.Invoke(null, [argument]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static byte[] EncodeCore<T>(object? value)
    {
        var output = new ArrayBufferWriter<byte>();
        GipcBinaryCodec<T>.Instance.Encode((T)value!, output);
        return output.WrittenSpan.ToArray();
    }

    private static object? DecodeCore<T>(byte[] payload) => GipcBinaryCodec<T>.Instance.Decode(payload);
}
