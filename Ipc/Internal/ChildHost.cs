using System;
using GreenProc.Internal;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The child side of StartProcess, run by the startup hook before the app's Main: read the bootstrap pipe, rebuild the
/// handles on the fds received, decode the arguments, run the target on a new hub, close every handle (the hub's
/// exit flush delivers what they hold), and return the exit code (0, or 1 with the exception on stderr).
/// </summary>
internal static class ChildHost
{
    /// <summary>The extra fds StartProcessCore passed to this child (the process pool's worker slot), in order.</summary>
    public static int[] ExtraFds { get; private set; } = [];

    public static int Run()
    {
        string name = "gipc child";
        int outcomeFd = -1;
        RuntimeMetrics.SuppressInChild(); // a Meter would cost every child ~8 ms of its start (GREENPROC_METRICS=1 keeps them)
        try
        {
            byte[] data = ReadBootstrap();
            Bootstrap boot = Bootstrap.Deserialize(data);
            name = boot.Name;
            outcomeFd = boot.OutcomeFd;
            TakeReceivedFds(boot);
            MethodInfo method = FindTarget(boot);
            object? instance = ProcessTarget.NeedsInstance(method) ? Activator.CreateInstance(method.DeclaringType!, nonPublic: true) : null;
            var created = new List<object>();
            object?[] args = DecodeArguments(boot, method, created);
            Green.Run(() => RunTargetAsync(method, instance, args, created));
            Console.Out.Flush();
            return 0;
        }
        catch (Exception e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"gipc child process '{name}' failed: {e}");
            Console.Error.Flush();
            ReportOutcome(outcomeFd, e);
            return 1;
        }
    }

    /// <summary>Makes the outcome fd and the extra fds close-on-exec, and records the extra ones in <see cref="ExtraFds"/>.</summary>
    private static void TakeReceivedFds(Bootstrap boot)
    {
        int outcomeFd = boot.OutcomeFd;
        if (outcomeFd >= Bootstrap.FirstHandleFd && OperatingSystem.IsWindows())
        {
            // Inherited because they were listed: not inheritable again, so a program this child starts never holds
            // them. The extra ones keep their numbers, resolved where they are used (SharedMemory.Open).
            ExtraFds = new int[boot.ExtraFdCount];
            for (int i = -1; i < ExtraFds.Length; i++)
            {
                int number = outcomeFd + 1 + i;
                using var received = new SafeFdHandle(Received(number), ownsHandle: false);
                FdIO.SetCloseOnExec(received, true);
                if (i >= 0)
                {
                    ExtraFds[i] = number;
                }
            }
        }
        else if (outcomeFd >= Bootstrap.FirstHandleFd)
        {
            // Received through dup2, which clears close-on-exec: a program this child starts must not hold it (the
            // parent reads it to its end once this process has exited).
            FdIO.SetCloseOnExec(outcomeFd, true);
            ExtraFds = new int[boot.ExtraFdCount];
            for (int i = 0; i < ExtraFds.Length; i++)
            {
                ExtraFds[i] = outcomeFd + 1 + i;
                FdIO.SetCloseOnExec(ExtraFds[i], true);
            }
        }
    }

    /// <summary>Decodes the target's arguments; the handles among them are rebuilt on the received fds into
    /// <paramref name="created"/> (by handle index).</summary>
    private static object?[] DecodeArguments(Bootstrap boot, MethodInfo method, List<object> created)
    {
        Type[] types = ProcessTarget.ParameterTypes(method);
        object?[] args = new object?[types.Length];
        var table = new HandleTable((index, declaredType) => CreateHandle(boot.Handles, index, declaredType, created));
        using (table.Activate())
        {
            for (int i = 0; i < types.Length; i++)
            {
                args[i] = TypedOps.For(types[i]).Decode(boot.Arguments[i]);
            }
        }

        return args;
    }

    /// <summary>The child's main greenlet: runs the target to its end (awaiting what it returns), then closes the handles.</summary>
    private static async Task RunTargetAsync(MethodInfo method, object? instance, object?[] args, List<object> created)
    {
        try
        {
            object? result = InvokeTarget(method, instance, args);
            switch (result)
            {
                case Task task:
                    await task;
                    break;
                case ValueTask valueTask:
                    await valueTask;
                    break;
                default:
                    if (result is not null && result.GetType().IsGenericType && result.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>))
                    {
                        await (Task)result.GetType().GetMethod("AsTask")!.Invoke(result, null)!;
                    }

                    break;
            }
        }
        finally
        {
            // Close what the target left open. Messages it put and that are not written yet still reach the
            // parent: the hub writes them out when this main greenlet ends, for at most each writer's
            // ExitFlushTimeout, and raises GipcUndeliveredException (exit code 1) for what a parent that
            // stopped reading did not take. (Not DisposeAsync here: it would wait for such a parent for ever.)
            foreach (object? handle in created)
            {
                (handle as IDisposable)?.Dispose(); // a slot of a handle no argument named is empty
            }
        }
    }

    /// <summary>Calls the target; an exception it throws comes out as itself, not wrapped by reflection.</summary>
    private static object? InvokeTarget(MethodInfo method, object? instance, object?[] args)
    {
        try
        {
            return method.Invoke(instance, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>
    /// Writes the exception to the outcome pipe for the parent (GipcProcess.Exception). Nobody reads the pipe before
    /// this process exits, so the record must fit in the pipe's buffer (64 KiB): a longer one goes without its inner
    /// exceptions and with its stack cut.
    /// </summary>
    private static void ReportOutcome(int fd, Exception error)
    {
        if (fd < Bootstrap.FirstHandleFd)
        {
            return;
        }

        byte[] record = RemoteError.ToBytes(error);
        if (record.Length > 48 << 10)
        {
            record = RemoteError.ToBytes(error, brief: true);
        }

        int received = InheritedHandles.Resolve(fd);
        if (received < 0)
        {
            return;
        }

        using var outcome = new SafeFdHandle(received);
        try
        {
            FdIO.WriteAll(outcome, record);
        }
        catch (NativeIOException)
        {
            // The parent is gone: nobody to tell.
        }
    }

    private static byte[] ReadBootstrap()
    {
        using var fd = new SafeFdHandle(Received(Bootstrap.BootstrapFd));
        return FdIO.ReadToEnd(fd);
    }

    private static MethodInfo FindTarget(Bootstrap boot)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName { Name = boot.AssemblyName }); // no display-name parsing
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException)
        {
            assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(boot.AssemblyPath);
        }

        // By token, not by type name: a child's first lookup by name costs it ~8 ms of JIT work (measured).
        MethodInfo? method = assembly.ManifestModule.ResolveMethod(boot.MethodToken) as MethodInfo;
        if (method is null || method.DeclaringType?.FullName != boot.TypeName)
        {
            throw new GipcException($"The child found a different method for {boot.TypeName} in {assembly.Location} than its parent: do both run the same build of the app?");
        }

        return method;
    }

    /// <summary>
    /// A received fd in the mode every gipc handle needs, close-on-exec. The parent's non-blocking pipes reach a child as fresh,
    /// blocking descriptions (Subprocess gives every child blocking descriptors, DESIGN §6), and a read that blocks
    /// would stall every greenlet of this hub; this description is the child's own, so the parent is not affected.
    /// </summary>
    private static SafeFdHandle NonBlocking(int fd)
    {
        var handle = new SafeFdHandle(Received(fd));
        if (!OperatingSystem.IsWindows())
        {
            handle.SetNonBlocking(); // on Windows a gipc pipe end is overlapped from its creation
        }

        FdIO.SetCloseOnExec(handle, true); // every fd GreenProc holds is close-on-exec (dup2 cleared it on the way in)
        return handle;
    }

    /// <summary>
    /// The descriptor (Unix) or inherited handle (Windows, named in GREENPROC_HANDLES) this child received as
    /// <paramref name="number"/>.
    /// </summary>
    private static int Received(int number)
    {
        int received = InheritedHandles.Resolve(number);
        return received >= 0
            ? received
            : throw new GipcProtocolException($"The parent passed no handle numbered {number} (the {InheritedHandles.EnvironmentVariable} variable does not name it).");
    }

    private static IGipcHandle CreateHandle(List<HandleDescriptor> descriptors, int index, Type declaredType, List<object> created)
    {
        if ((uint)index >= (uint)descriptors.Count)
        {
            throw new GipcProtocolException($"The arguments refer to handle {index}, but the parent passed {descriptors.Count}.");
        }

        HandleDescriptor d = descriptors[index];
        Type? definition = declaredType.IsGenericType ? declaredType.GetGenericTypeDefinition() : null;
        HandleKind declaredKind = definition == typeof(GipcReader<>) ? HandleKind.Reader
            : definition == typeof(GipcWriter<>) ? HandleKind.Writer
            : definition == typeof(GipcDuplex<>) ? HandleKind.Duplex
            : 0;
        if (declaredKind != d.Kind)
        {
            throw new GipcException($"The parent passed a {d.Kind} where the target declares a {declaredType.Name}.");
        }

        // The same handle passed twice (two arguments, or one nested twice) is one object here too.
        if (created.Count > index && created[index] is IGipcHandle existing)
        {
            return existing;
        }

        var options = GipcOptions.Default with { MaxFrameSize = d.MaxFrameSize, WriteBufferLimit = d.WriteBufferLimit, ReadBufferSize = d.ReadBufferSize, ExitFlushTimeout = d.ExitFlushTimeout, PipeSize = null };
        if (d.Fd < Bootstrap.FirstHandleFd || (d.Kind == HandleKind.Duplex) != (d.SecondFd >= Bootstrap.FirstHandleFd))
        {
            throw new GipcProtocolException($"The gipc bootstrap names no valid fds for handle {index} ({d.Kind}: {d.Fd}, {d.SecondFd}).");
        }

        IGipcHandle handle = TypedOps.For(declaredType.GetGenericArguments()[0]).CreateHandle(
            d.Kind, NonBlocking(d.Fd), d.SecondFd >= 0 ? NonBlocking(d.SecondFd) : null, d, options);
        while (created.Count <= index)
        {
            created.Add(null!);
        }

        created[index] = handle;
        return handle;
    }
}
