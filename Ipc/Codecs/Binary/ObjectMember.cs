using System;
using System.Reflection;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>One public property or field of a record, class or struct that travels on the wire.</summary>
internal sealed class ObjectMember(MemberInfo member, Type type)
{
    /// <summary>The property or field.</summary>
    public MemberInfo Member { get; } = member;

    /// <summary>Its declared type: the type the decoder builds for it.</summary>
    public Type Type { get; } = type;

    public string Name => Member.Name;

    /// <summary>Whether it can be assigned after construction (a public setter, <c>init</c> included, or a writable field).</summary>
    public bool CanSet => Member switch
    {
        PropertyInfo p => p.GetSetMethod(nonPublic: false) is not null,
        FieldInfo f => !f.IsInitOnly,
        _ => false,
    };

    /// <summary>How many base types lie above the declaring type (to order base members first).</summary>
    public int DeclaringDepth
    {
        get
        {
            int depth = 0;
            for (Type? t = Member.DeclaringType?.BaseType; t is not null; t = t.BaseType)
            {
                depth++;
            }

            return depth;
        }
    }
}
