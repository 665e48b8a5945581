using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// Checks that a StartProcess target can run in another process — a static method, or a lambda that captures
/// nothing (the compiler puts those on a stateless singleton) — and names it so the child can find it again.
/// </summary>
internal static class ProcessTarget
{
    /// <param name="target">The delegate.</param>
    /// <param name="what">What the method is for, in messages ("StartProcess", "A ProcessPool task").</param>
    /// <param name="checkReturn">Whether the return type must be void, Task or ValueTask (a StartProcess target).</param>
    public static MethodInfo Check(Delegate target, string what = "StartProcess", bool checkReturn = true)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.GetInvocationList().Length != 1)
        {
            throw new ArgumentException($"{what} takes one method, not a multicast delegate.", nameof(target));
        }

        MethodInfo method = target.Method;
        if (!method.IsStatic)
        {
            Type? owner = target.Target?.GetType();
            bool statelessLambda = owner is not null && owner.IsDefined(typeof(CompilerGeneratedAttribute), false)
                && owner.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length == 0;
            if (!statelessLambda)
            {
                throw new ArgumentException(
                    $"{what} needs a static method (or a lambda that captures nothing); '{method.DeclaringType?.Name}.{method.Name}' " +
                    (owner is not null && owner.IsDefined(typeof(CompilerGeneratedAttribute), false)
                        ? "is a lambda that captures variables, which cannot travel to another process. Pass those values as arguments instead."
                        : "is an instance method: its object cannot travel to another process. Make it static and pass what it needs as arguments."),
                    nameof(target));
            }
        }

        if (method.IsGenericMethod || method.DeclaringType is null || method.DeclaringType.IsGenericType)
        {
            throw new ArgumentException(
                $"{what} targets cannot be generic methods or live in generic types (a lambda inside a generic class or method is one); '{method.Name}' does. Use a static method of a non-generic class.",
                nameof(target));
        }

        if (method.Module != method.DeclaringType.Assembly.ManifestModule)
        {
            throw new ArgumentException($"{what} targets must be in their assembly's main module; '{method.Name}' is in {method.Module.Name}.", nameof(target));
        }

        if (string.IsNullOrEmpty(method.DeclaringType.Assembly.Location))
        {
            throw new PlatformNotSupportedException(
                "StartProcess needs the target's assembly as a file (a framework-dependent app: dotnet run, dotnet app.dll, an apphost, a test host). Single-file and NativeAOT apps are not supported.");
        }

        Type r = method.ReturnType;
        if (checkReturn && r != typeof(void) && !typeof(Task).IsAssignableFrom(r) && r != typeof(ValueTask) && !(r.IsGenericType && r.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            throw new ArgumentException($"A StartProcess target returns void, Task or ValueTask; '{method.Name}' returns {r.Name}.", nameof(target));
        }

        return method;
    }

    public static bool NeedsInstance(MethodInfo method) => !method.IsStatic;

    public static Type[] ParameterTypes(MethodInfo method)
    {
        ParameterInfo[] parameters = method.GetParameters();
        var types = new Type[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            types[i] = parameters[i].ParameterType;
        }

        return types;
    }
}
