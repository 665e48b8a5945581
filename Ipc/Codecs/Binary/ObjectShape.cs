using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// How a record, class or struct travels: the constructor that builds it, the members passed to that constructor
/// (in parameter order) and the members assigned afterwards (in declaration order). Worked out once per type.
/// </summary>
/// <remarks>
/// The members are the public instance properties with a public getter and the public instance fields. The
/// constructor is the public one with the most parameters that all match a member by name (case-insensitively, an
/// exact match first) and type; a record's primary constructor is that one. Members it does not take must be
/// settable (<c>set</c>, <c>init</c> or a writable field). A get-only property with no constructor parameter is
/// taken as computed from the others and skipped, unless it is an auto-property; such an auto-property, or a readonly
/// field, holds state that would be lost: an error.
/// Both processes run the same build, so the order is the same on both ends; the wire holds no member names.
/// </remarks>
internal sealed class ObjectShape
{
    private ObjectShape(Type type, ConstructorInfo? constructor, ObjectMember[] constructorMembers, ObjectMember[] setMembers)
    {
        Type = type;
        Constructor = constructor;
        ConstructorMembers = constructorMembers;
        SetMembers = setMembers;
    }

    public Type Type { get; }

    /// <summary>The constructor to call; null for a struct built from its default value.</summary>
    public ConstructorInfo? Constructor { get; }

    /// <summary>The members passed to <see cref="Constructor"/>, in parameter order.</summary>
    public ObjectMember[] ConstructorMembers { get; }

    /// <summary>The members assigned after construction.</summary>
    public ObjectMember[] SetMembers { get; }

    public static ObjectShape Create(Type type)
    {
        List<ObjectMember> members = PublicMembers(type);
        (ConstructorInfo? constructor, ObjectMember[]? bound) = ChooseConstructor(type, members);
        if (bound is null)
        {
            throw new NotSupportedException(
                $"{ConverterFactory.Describe(type)} has no public constructor whose parameters all match public members by "
                + "name and type, nor a public parameterless constructor, so the gipc binary codec cannot build it.");
        }

        var setMembers = new List<ObjectMember>();
        foreach (ObjectMember member in members)
        {
            if (Array.IndexOf(bound, member) >= 0)
            {
                continue;
            }

            if (member.CanSet)
            {
                setMembers.Add(member);
            }
            else if (member.Member is FieldInfo || HasBackingField(type, member.Name))
            {
                throw new NotSupportedException(
                    $"{ConverterFactory.Describe(type)}.{member.Name} is a "
                    + (member.Member is FieldInfo ? "readonly field" : "get-only auto-property")
                    + " that no public constructor parameter sets, so the gipc binary codec could not restore it. Add a "
                    + $"constructor parameter named {member.Name}, or make it settable.");
            }
        }

        if (bound.Length == 0 && setMembers.Count == 0 && HasInstanceFields(type))
        {
            throw new NotSupportedException(
                $"{ConverterFactory.Describe(type)} keeps its state in non-public fields, so the gipc binary codec would "
                + "carry nothing of it. Send a record or class with public members instead.");
        }

        return new ObjectShape(type, constructor, bound, setMembers.ToArray());
    }

    private static List<ObjectMember> PublicMembers(Type type)
    {
        // A member hidden by 'new' in a derived type appears once per declaring type: keep the most derived.
        var byName = new Dictionary<string, ObjectMember>(StringComparer.Ordinal);
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.GetGetMethod(nonPublic: false) is not null)
            {
                if (property.PropertyType.IsByRef)
                {
                    throw new NotSupportedException(
                        $"{ConverterFactory.Describe(type)}.{property.Name} returns by reference; the gipc binary codec "
                        + "carries values only.");
                }

                Keep(byName, new ObjectMember(property, property.PropertyType));
            }
        }

        foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            Keep(byName, new ObjectMember(field, field.FieldType));
        }

        return byName.Values
            .OrderBy(m => m.DeclaringDepth)
            .ThenBy(m => m.Member.MetadataToken)
            .ToList();

        static void Keep(Dictionary<string, ObjectMember> byName, ObjectMember member)
        {
            if (!byName.TryGetValue(member.Name, out ObjectMember? existing) || member.DeclaringDepth > existing.DeclaringDepth)
            {
                byName[member.Name] = member;
            }
        }
    }

    private static (ConstructorInfo? Constructor, ObjectMember[]? Bound) ChooseConstructor(Type type, List<ObjectMember> members)
    {
        ConstructorInfo? best = null;
        ObjectMember[]? bestBound = null;
        foreach (ConstructorInfo constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
        {
            ObjectMember[]? bound = Bind(constructor.GetParameters(), members);
            if (bound is not null && (bestBound is null || bound.Length > bestBound.Length))
            {
                best = constructor;
                bestBound = bound;
            }
        }

        if (bestBound is null && type.IsValueType)
        {
            // A struct with no matching constructor starts from its default value.
            return (null, Array.Empty<ObjectMember>());
        }

        return (best, bestBound);
    }

    private static ObjectMember[]? Bind(ParameterInfo[] parameters, List<ObjectMember> members)
    {
        var bound = new ObjectMember[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            ParameterInfo parameter = parameters[i];
            if (parameter.Name is null || parameter.ParameterType.IsByRef || parameter.IsOut)
            {
                return null;
            }

            ObjectMember? match = members.Find(m => string.Equals(m.Name, parameter.Name, StringComparison.Ordinal))
                ?? members.Find(m => string.Equals(m.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            if (match is null || Array.IndexOf(bound, match) >= 0 || !parameter.ParameterType.IsAssignableFrom(match.Type))
            {
                return null;
            }

            bound[i] = match;
        }

        return bound;
    }

    private static bool HasBackingField(Type type, string name)
    {
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            if (t.GetField($"<{name}>k__BackingField", BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasInstanceFields(Type type)
    {
        for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            if (t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly).Length > 0)
            {
                return true;
            }
        }

        return false;
    }
}
