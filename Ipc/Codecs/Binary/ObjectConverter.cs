using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// Records, classes and structs: for a reference type a presence byte (0 null, 1 a value), then the members in the
/// order of <see cref="ObjectShape"/>, with no names or tags. A struct with no members is one 0 byte, so that every
/// value takes at least one byte (which keeps the count checks of collections sound).
/// </summary>
/// <remarks>
/// All the members are read or written by one delegate compiled from an expression tree when the converter is
/// built: per message that is one delegate call, then for each member either a direct, inlinable call (numbers,
/// bools, strings, blobs) or one virtual call to the member's converter; no reflection, and no boxing. The
/// expression builds the declared type only, through its public constructor, so the payload never picks what is
/// instantiated.
/// </remarks>
internal sealed class ObjectConverter<T> : BinaryConverter<T>
{
    private static readonly bool s_isValueType = typeof(T).IsValueType;

    private readonly MembersWriter<T> _write;
    private readonly MembersReader<T> _read;
    private readonly bool _emptyStruct;

    /// <param name="shape">The constructor and members.</param>
    /// <param name="register">Called first with this converter, so that a recursive type finds it while its members are resolved.</param>
    /// <param name="resolve">The converter of a member type.</param>
    public ObjectConverter(ObjectShape shape, Action<BinaryConverter> register, Func<Type, BinaryConverter> resolve)
    {
        register(this);

        var members = new List<(ObjectMember Member, BinaryConverter Converter)>();
        int minSize = 0;
        foreach (ObjectMember member in shape.ConstructorMembers.Concat(shape.SetMembers))
        {
            BinaryConverter converter;
            try
            {
                converter = resolve(member.Type);
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"{e.Message} (in member {ConverterFactory.Describe(typeof(T))}.{member.Name})", e);
            }

            members.Add((member, converter));
            minSize += converter.MinSize;
        }

        _emptyStruct = s_isValueType && members.Count == 0;
        MinSize = s_isValueType ? Math.Clamp(minSize, 1, 1 << 20) : 1;
        _write = CompileWriter(members);
        _read = CompileReader(shape, members);
    }

    public override void Write(ref WireWriter writer, T value, int depth)
    {
        if (!s_isValueType)
        {
            if (value is null)
            {
                writer.WriteByte(0);
                return;
            }

            writer.WriteByte(1);
        }
        else if (_emptyStruct)
        {
            writer.WriteByte(0);
            return;
        }

        _write(ref writer, value, Elements.Enter(depth));
    }

    public override T Read(ref WireReader reader, int depth)
    {
        if (!s_isValueType)
        {
            if (!reader.ReadPresence())
            {
                return default!;
            }
        }
        else if (_emptyStruct)
        {
            byte b = reader.ReadByte();
            if (b != 0)
            {
                BinaryThrowHelper.ThrowBadEmptyStruct(b);
            }
        }

        return _read(ref reader, Elements.EnterRead(depth));
    }

    private static MembersWriter<T> CompileWriter(List<(ObjectMember Member, BinaryConverter Converter)> members)
    {
        ParameterExpression writer = Expression.Parameter(typeof(WireWriter).MakeByRefType(), "writer");
        ParameterExpression value = Expression.Parameter(typeof(T), "value");
        ParameterExpression depth = Expression.Parameter(typeof(int), "depth");
        var calls = new List<Expression>(members.Count + 1);
        foreach ((ObjectMember member, BinaryConverter converter) in members)
        {
            Expression access = member.Member is PropertyInfo p ? Expression.Property(value, p) : Expression.Field(value, (FieldInfo)member.Member);
            MethodInfo? direct = DirectMethod(converter, "WriteValue");
            calls.Add(direct is not null
                ? Expression.Call(direct, writer, access)
                : Expression.Call(
                    Expression.Constant(converter, converter.GetType()),
                    converter.GetType().GetMethod(nameof(Write))!,
                    writer,
                    access,
                    depth));
        }

        calls.Add(Expression.Empty());
        return Expression.Lambda<MembersWriter<T>>(Expression.Block(calls), $"Write{typeof(T).Name}", [writer, value, depth]).Compile();
    }

    private static MembersReader<T> CompileReader(ObjectShape shape, List<(ObjectMember Member, BinaryConverter Converter)> members)
    {
        ParameterExpression reader = Expression.Parameter(typeof(WireReader).MakeByRefType(), "reader");
        ParameterExpression depth = Expression.Parameter(typeof(int), "depth");

        // C# and expression trees evaluate constructor arguments left to right: the wire order.
        int argCount = shape.ConstructorMembers.Length;
        var args = new Expression[argCount];
        ParameterInfo[] parameters = shape.Constructor?.GetParameters() ?? [];
        for (int i = 0; i < argCount; i++)
        {
            Expression read = ReadCall(members[i].Converter, reader, depth);
            args[i] = parameters[i].ParameterType == read.Type ? read : Expression.Convert(read, parameters[i].ParameterType);
        }

        Expression created = shape.Constructor is null ? Expression.New(typeof(T)) : Expression.New(shape.Constructor, args);
        Expression body;
        if (members.Count == argCount)
        {
            body = created;
        }
        else
        {
            ParameterExpression result = Expression.Variable(typeof(T), "result");
            var steps = new List<Expression> { Expression.Assign(result, created) };
            for (int i = argCount; i < members.Count; i++)
            {
                (ObjectMember member, BinaryConverter converter) = members[i];
                Expression target = member.Member is PropertyInfo p ? Expression.Property(result, p) : Expression.Field(result, (FieldInfo)member.Member);
                steps.Add(Expression.Assign(target, ReadCall(converter, reader, depth)));
            }

            steps.Add(result);
            body = Expression.Block([result], steps);
        }

        return Expression.Lambda<MembersReader<T>>(body, $"Read{typeof(T).Name}", [reader, depth]).Compile();
    }

    private static MethodCallExpression ReadCall(BinaryConverter converter, ParameterExpression reader, ParameterExpression depth)
    {
        MethodInfo? direct = DirectMethod(converter, "ReadValue");
        return direct is not null
            ? Expression.Call(direct, reader)
            : Expression.Call(Expression.Constant(converter, converter.GetType()), converter.GetType().GetMethod(nameof(Read))!, reader, depth);
    }

    /// <summary>
    /// The static <c>WriteValue</c>/<c>ReadValue</c> of a leaf converter (numbers, bool, string, byte[]), called
    /// straight from the compiled delegate so that the JIT can inline it.
    /// </summary>
    private static MethodInfo? DirectMethod(BinaryConverter converter, string name)
        => converter is StringConverter or ByteArrayConverter or BooleanConverter || converter.IsRawMemory
            ? converter.GetType().GetMethod(name, BindingFlags.Public | BindingFlags.Static)
            : null;
}
