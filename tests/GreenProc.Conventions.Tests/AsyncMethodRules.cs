using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace GreenProc.Conventions.Tests;

/// <summary>
/// The rules every async method of a GreenProc assembly follows so that code awaiting it, and its own continuations,
/// stay on the hub (DESIGN §6), checked over compiled IL and metadata so that they cannot drift:
/// <list type="number">
/// <item>No await uses <c>ConfigureAwait(false)</c> (nor <c>ConfigureAwaitOptions</c> without
/// <c>ContinueOnCapturedContext</c>, nor a value that is not a constant): the state machine's <c>MoveNext</c> is
/// scanned for a <c>ConfigureAwait</c> call and the constant loaded just before it.</item>
/// <item>A method returning <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/> is built by GreenProc's hub
/// builder (<c>[AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder&lt;&gt;))]</c>): the default builder backs a
/// pending ValueTask with a Task, whose ConfigureAwait(false) continuation goes to the thread pool when it completes
/// on the hub (a thread with a SynchronizationContext); the BCL's pooling builder stays on the hub but posts a normal
/// await, a second hop that reorders greenlets.</item>
/// <item>A method returning <see cref="Task"/> does not override or implement a member of another type (Stream,
/// IAsyncDisposable...): code that knows nothing of hubs calls those, with ConfigureAwait(false), and no builder can
/// keep a Task's context-free continuation on the hub. GreenProc's own Task-returning APIs keep their contract shape:
/// awaited normally, a Task ending on the hub resumes its caller inline, like the hub builder.</item>
/// </list>
/// Async iterators are allowed: their MoveNextAsync is an IValueTaskSource that resumes a context-free continuation
/// on the thread that completes it, the hub.
/// </summary>
internal static class AsyncMethodRules
{
    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private static readonly Assembly s_runtime = typeof(Green).Assembly;
    private static readonly Type? s_hubBuilder = s_runtime.GetType("GreenProc.Internal.HubValueTaskMethodBuilder", throwOnError: false);
    private static readonly Type? s_hubBuilderOfT = s_runtime.GetType("GreenProc.Internal.HubValueTaskMethodBuilder`1", throwOnError: false);
    private static readonly OpCode[] s_oneByteOpCodes = new OpCode[0x100];
    private static readonly OpCode[] s_twoByteOpCodes = new OpCode[0x100];

    static AsyncMethodRules()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            ushort value = unchecked((ushort)opCode.Value);
            if (opCode.Size == 1)
            {
                s_oneByteOpCodes[value] = opCode;
            }
            else
            {
                s_twoByteOpCodes[value & 0xff] = opCode;
            }
        }
    }

    /// <summary>An async method and the compiler's state machine for it.</summary>
    public readonly record struct AsyncMethod(MethodInfo Method, Type StateMachine)
    {
        public override string ToString() => Describe(Method);
    }

    /// <summary>Every async method (and async iterator, lambda, local function) declared in <paramref name="types"/>.</summary>
    public static IEnumerable<AsyncMethod> AsyncMethods(IEnumerable<Type> types)
    {
        foreach (Type type in types)
        {
            foreach (MethodInfo method in type.GetMethods(Declared))
            {
                Type? machine = method.GetCustomAttribute<AsyncStateMachineAttribute>()?.StateMachineType
                    ?? method.GetCustomAttribute<AsyncIteratorStateMachineAttribute>()?.StateMachineType;
                if (machine is not null)
                {
                    yield return new AsyncMethod(method, machine);
                }
            }
        }
    }

    /// <summary>Rule 1: the awaits of each method that do not keep the captured context, as "method: what".</summary>
    public static List<string> ContextFreeAwaits(IEnumerable<AsyncMethod> methods)
    {
        var violations = new List<string>();
        foreach (AsyncMethod m in methods)
        {
            MethodInfo moveNext = m.StateMachine.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
            foreach (string finding in ScanConfigureAwait(moveNext))
            {
                violations.Add($"{m}: {finding}");
            }
        }

        return violations;
    }

    /// <summary>Rules 2 and 3: methods whose builder or return type would let an awaiting caller leave the hub.</summary>
    public static List<string> BuilderViolations(IEnumerable<AsyncMethod> methods)
    {
        var violations = new List<string>();
        foreach (AsyncMethod m in methods)
        {
            Type returnType = m.Method.ReturnType;
            Type? builder = m.StateMachine.GetField("<>t__builder", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.FieldType;
            if (returnType == typeof(ValueTask) || (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            {
                if (!IsHubBuilder(builder))
                {
                    violations.Add($"{m}: returns {Name(returnType)} but is built by {(builder is null ? "an unknown builder" : Name(builder))}, not "
                        + "GreenProc's hub builder: add [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))] (or the non-generic one).");
                }
            }
            else if (returnType == typeof(Task) || (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)))
            {
                if (OverriddenOrImplemented(m.Method) is { } member)
                {
                    violations.Add($"{m}: returns {Name(returnType)} and stands for {member}, which code unaware of hubs awaits with "
                        + "ConfigureAwait(false): make it a non-async method that returns an IValueTaskSource-backed ValueTask, or a hub-built one.");
                }
            }
        }

        return violations;
    }

    private static bool IsHubBuilder(Type? builder)
        => builder is not null && s_hubBuilder is not null && s_hubBuilderOfT is not null
            && (builder == s_hubBuilder || (builder.IsGenericType && builder.GetGenericTypeDefinition() == s_hubBuilderOfT));

    private static string? OverriddenOrImplemented(MethodInfo method)
    {
        MethodInfo baseDefinition = method.GetBaseDefinition();
        if (baseDefinition.DeclaringType != method.DeclaringType)
        {
            return $"{Name(baseDefinition.DeclaringType!)}.{baseDefinition.Name}";
        }

        Type owner = method.DeclaringType!;
        foreach (Type iface in owner.GetInterfaces())
        {
            InterfaceMapping map = owner.GetInterfaceMap(iface);
            int i = Array.IndexOf(map.TargetMethods, method);
            if (i >= 0)
            {
                return $"{Name(iface)}.{map.InterfaceMethods[i].Name}";
            }
        }

        return null;
    }

    /// <summary>Walks the IL of <paramref name="moveNext"/> and reports each ConfigureAwait call whose argument is not a constant "keep the context".</summary>
    private static IEnumerable<string> ScanConfigureAwait(MethodInfo moveNext)
    {
        byte[] il = moveNext.GetMethodBody()?.GetILAsByteArray() ?? [];
        Type[]? typeArguments = moveNext.DeclaringType!.IsGenericType ? moveNext.DeclaringType.GetGenericArguments() : null;
        long? constant = null; // the value the previous instruction pushed, if it was an ldc.i4
        int position = 0;
        while (position < il.Length)
        {
            OpCode opCode = il[position] == 0xFE ? s_twoByteOpCodes[il[++position]] : s_oneByteOpCodes[il[position]];
            position++;
            int operandStart = position;
            position += OperandSize(opCode.OperandType, il, position);

            if (opCode.OperandType == OperandType.InlineMethod && (opCode == OpCodes.Call || opCode == OpCodes.Callvirt))
            {
                MethodBase? callee = Resolve(moveNext.Module, BitConverter.ToInt32(il, operandStart), typeArguments);
                if (callee is { Name: "ConfigureAwait" } && callee.GetParameters() is { Length: > 0 } parameters
                    && Verdict(parameters[^1].ParameterType, constant) is { } finding)
                {
                    yield return $"{finding} (IL offset 0x{operandStart - 1:X4}, {Name(callee.DeclaringType!)}.ConfigureAwait)";
                }
            }

            constant = LoadedConstant(opCode, il, operandStart);
        }
    }

    private static string? Verdict(Type parameter, long? constant)
    {
        if (parameter == typeof(bool))
        {
            return constant switch
            {
                1 => null,
                0 => "awaits with ConfigureAwait(false): its continuation leaves the hub when the awaited task completes there",
                _ => "awaits with ConfigureAwait(<not a constant>): only a constant true can be seen to keep the hub",
            };
        }

        if (parameter == typeof(ConfigureAwaitOptions))
        {
            return constant is { } options && (options & (long)ConfigureAwaitOptions.ContinueOnCapturedContext) != 0
                ? null
                : "awaits with ConfigureAwaitOptions lacking ContinueOnCapturedContext: its continuation leaves the hub";
        }

        return null;
    }

    private static MethodBase? Resolve(Module module, int token, Type[]? typeArguments)
    {
        try
        {
            return module.ResolveMethod(token, typeArguments, null);
        }
        catch (ArgumentException)
        {
            return module.ResolveMethod(token); // a token that needs no generic context
        }
    }

    private static long? LoadedConstant(OpCode opCode, byte[] il, int operand)
    {
        if (opCode == OpCodes.Ldc_I4_S)
        {
            return (sbyte)il[operand];
        }

        if (opCode == OpCodes.Ldc_I4)
        {
            return BitConverter.ToInt32(il, operand);
        }

        if (opCode == OpCodes.Ldc_I4_M1)
        {
            return -1;
        }

        short value = opCode.Value;
        return value >= OpCodes.Ldc_I4_0.Value && value <= OpCodes.Ldc_I4_8.Value ? value - OpCodes.Ldc_I4_0.Value : null;
    }

    private static int OperandSize(OperandType type, byte[] il, int position) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
        _ => 4, // branch targets, tokens, int32, float32
    };

    /// <summary>A readable name: lambdas and local functions are named after the method they sit in.</summary>
    private static string Describe(MethodInfo method)
    {
        Type owner = method.DeclaringType!;
        while (owner.IsNested && owner.Name.StartsWith('<'))
        {
            owner = owner.DeclaringType!; // a closure class: name the type the lambda was written in
        }

        Match m = Regex.Match(method.Name, @"^<(?<outer>[^>]+)>(?<kind>[bg])__(?<inner>[^|]*)");
        if (!m.Success)
        {
            return $"{Name(owner)}.{method.Name}";
        }

        return m.Groups["kind"].Value == "g"
            ? $"{Name(owner)}.{m.Groups["outer"].Value} (local function {m.Groups["inner"].Value})"
            : $"{Name(owner)}.{m.Groups["outer"].Value} (a lambda)";
    }

    private static string Name(Type type)
    {
        string name = type.FullName ?? type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        string bare = (tick < 0 ? name : name[..tick]).Replace('+', '.');
        return type.IsGenericType ? $"{bare}<{string.Join(", ", type.GetGenericArguments().Select(a => a.Name))}>" : bare;
    }
}
