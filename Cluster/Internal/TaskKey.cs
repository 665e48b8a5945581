using System;
using System.Reflection;
using System.Text;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// The name a task travels by: its declaring type and method, with its argument and result types, spelled without
/// assembly versions (a client and a node on different patch releases of the runtime agree on it). The node looks it
/// up in its allow-list; nothing on the wire is ever resolved to a type or method.
/// </summary>
internal static class TaskKey
{
    public static string Of(MethodInfo method, Type argument, Type result)
    {
        var text = new StringBuilder();
        Append(text, method.DeclaringType!);
        text.Append('.').Append(method.Name).Append('(');
        Append(text, argument);
        text.Append(")->");
        Append(text, result);
        return text.ToString();
    }

    private static void Append(StringBuilder text, Type type)
    {
        if (type.IsArray)
        {
            Append(text, type.GetElementType()!);
            text.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (type.IsNested)
        {
            Append(text, type.DeclaringType!);
            text.Append('+');
        }
        else if (type.Namespace is { Length: > 0 } ns)
        {
            text.Append(ns).Append('.');
        }

        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        text.Append(tick < 0 ? name : name[..tick]);
        if (type.IsGenericType)
        {
            text.Append('<');
            Type[] args = type.GetGenericArguments();
            for (int i = 0; i < args.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                Append(text, args[i]);
            }

            text.Append('>');
        }
    }
}
