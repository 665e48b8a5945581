using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using GreenProc.Internal;
using GreenProc.Ipc.Internal;
using GreenProc.Subprocess;

namespace GreenProc.Ipc;

public static partial class Gipc
{
    /// <summary>
    /// Starts a child process (a fresh <c>dotnet</c> process running this app's code, never a fork) that runs
    /// <paramref name="target"/> with <paramref name="args"/> on a hub of its own, then exits with 0 (or 1, when the
    /// target throws: the exception is on the child's stderr, and in <see cref="GipcProcess.Exception"/> here).
    /// </summary>
    /// <param name="target">A static method, or a lambda that captures nothing. Capturing lambdas and instance methods are
    /// refused: their state cannot travel to another process.</param>
    /// <param name="args">The arguments, matching the target's parameters: gipc handles (<see cref="GipcReader{T}"/>,
    /// <see cref="GipcWriter{T}"/>, <see cref="GipcDuplex{T}"/>; also nested in arrays, lists and records) and values
    /// the binary codec can encode. Each handle's descriptor goes to the child, and this process's copy is closed once
    /// the child has it: using it here afterwards raises <see cref="GipcClosedException"/>.</param>
    /// <param name="daemon">Kill the child when this process dies (also by SIGKILL on Linux, TerminateProcess on Windows).</param>
    /// <param name="name">A name for the process (default: the method's name).</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">The target cannot run in another process, or the arguments do not match it.</exception>
    /// <exception cref="GipcClosedException">A handle argument is closed or already went to another child (checked
    /// before anything starts).</exception>
    /// <exception cref="NotSupportedException">An argument's type cannot be encoded.</exception>
    /// <exception cref="PlatformNotSupportedException">A single-file or NativeAOT app.</exception>
    /// <remarks>On Windows the handles travel by inheritance (an explicit handle list: the child inherits them and nothing
    /// else) and the child finds them through <c>GREENPROC_HANDLES</c>. A Windows handle is associated with the completion
    /// port of the first hub that reads or writes it, for life, and a child's inherited copy is the same file object: hand
    /// a child handles this process has not used (the usual pattern: make a pipe, pass one end), or the child's first use
    /// raises <see cref="InvalidOperationException"/>.</remarks>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess(Delegate target, object?[]? args = null, bool daemon = false, string? name = null)
        => StartProcessCore(target, args, new ChildStart { Daemon = daemon, Name = name });

    /// <summary>StartProcess with the settings only GreenProc's own children use (the process pool's workers).</summary>
    internal static GipcProcess StartProcessCore(Delegate target, object?[]? args, ChildStart start)
    {
        MethodInfo method = ProcessTarget.Check(target);
        Type[] types = ProcessTarget.ParameterTypes(method);
        args ??= [];
        if (args.Length != types.Length)
        {
            throw new ArgumentException($"'{method.Name}' takes {types.Length} argument(s); {args.Length} were given.", nameof(args));
        }

        // Encode the arguments first: the handles among them (at any depth) are collected on the way.
        var table = new HandleTable();
        List<byte[]> encoded = EncodeArguments(method, types, args, table);
        var passFds = new Dictionary<int, SafeHandle>();
        int nextFd = Bootstrap.FirstHandleFd; // each handle's fds in order (a duplex end has two)
        List<HandleDescriptor> descriptors = DescribeHandles(table, passFds, ref nextFd, out List<ITransferableHandle> handles, nameof(args));

        // The outcome pipe: the child's unhandled exception comes back through it (GipcProcess.Exception). Then the
        // extra descriptors, which the child's code finds in ChildHost.ExtraFds.
        int outcomeFd = nextFd++;
        for (int i = 0; i < start.ExtraFds.Count; i++)
        {
            passFds[nextFd++] = start.ExtraFds[i];
        }

        string processName = start.Name ?? method.Name;
        byte[] bootstrap = BuildBootstrap(method, processName, descriptors, outcomeFd, start.ExtraFds.Count, encoded);
        return Launch(bootstrap, passFds, outcomeFd, handles, processName, start);
    }

    /// <summary>Each argument with its parameter's codec; the handles among them are collected into <paramref name="table"/>.</summary>
    private static List<byte[]> EncodeArguments(MethodInfo method, Type[] types, object?[] args, HandleTable table)
    {
        var encoded = new List<byte[]>(args.Length);
        using (table.Activate())
        {
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] is { } a && !types[i].IsInstanceOfType(a))
                {
                    throw new ArgumentException($"Argument {i} of '{method.Name}' is a {a.GetType().Name}; the parameter is a {types[i].Name}.", nameof(args));
                }

                encoded.Add(TypedOps.For(types[i]).Encode(args[i]));
            }
        }

        return encoded;
    }

    /// <summary>
    /// Checks that every handle can go to the child, gives each its descriptor numbers there (from
    /// <paramref name="nextFd"/> on, in <paramref name="passFds"/>), and describes it for the child's bootstrap.
    /// </summary>
    private static List<HandleDescriptor> DescribeHandles(HandleTable table, Dictionary<int, SafeHandle> passFds, ref int nextFd, out List<ITransferableHandle> handles, string argumentsName)
    {
        handles = new List<ITransferableHandle>(table.Handles.Count);
        var descriptors = new List<HandleDescriptor>(table.Handles.Count);
        foreach (IGipcHandle h in table.Handles)
        {
            var handle = (ITransferableHandle)h;
            handle.EnsureTransferable();
            if (!GipcCodecs.IsTransferable(handle.CodecType))
            {
                throw new ArgumentException($"A handle's codec {handle.CodecType.Name} cannot be rebuilt in the child: give it a public parameterless constructor, or use a built-in codec.", argumentsName);
            }

            handles.Add(handle);
            GipcOptions o = handle.Options;
            CodecKind codec = GipcCodecs.KindOf(handle.CodecType);
            string? custom = codec == CodecKind.Custom ? handle.CodecType.AssemblyQualifiedName : null;
            int fd = nextFd++;
            passFds[fd] = handle.Handle;
            int secondFd = -1;
            if (handle.SecondHandle is { } second)
            {
                secondFd = nextFd++;
                passFds[secondFd] = second;
            }

            descriptors.Add(new HandleDescriptor(handle.Kind, codec, custom, fd, secondFd, o.MaxFrameSize, o.WriteBufferLimit, o.ReadBufferSize, o.ExitFlushTimeout));
        }

        return descriptors;
    }

    /// <summary>What the child reads first: the target, its handles' descriptions and its encoded arguments.</summary>
    private static byte[] BuildBootstrap(MethodInfo method, string processName, List<HandleDescriptor> descriptors, int outcomeFd, int extraFdCount, List<byte[]> encoded)
        => new Bootstrap
        {
            AssemblyName = method.DeclaringType!.Assembly.GetName().Name!,
            AssemblyPath = method.DeclaringType.Assembly.Location,
            TypeName = method.DeclaringType.FullName!,
            MethodToken = method.MetadataToken,
            Name = processName,
            Handles = descriptors,
            OutcomeFd = outcomeFd,
            ExtraFdCount = extraFdCount,
            Arguments = encoded,
        }.Serialize();

    /// <summary>
    /// Starts the child with its bootstrap and outcome pipes and <paramref name="passFds"/>, then closes this process's
    /// copies of the handles that went to it. The pipes' ends that stay here are closed on every path but the ones the
    /// child's <see cref="GipcProcess"/> (the outcome) or the background write of a large bootstrap takes over.
    /// </summary>
    private static GipcProcess Launch(byte[] bootstrap, Dictionary<int, SafeHandle> passFds, int outcomeFd, List<ITransferableHandle> handles, string processName, ChildStart start)
    {
        (string[] command, bool viaStartupHook) = ChildLauncher.Command();
        SafeFdHandle.CreatePipe(out SafeFdHandle bootRead, out SafeFdHandle bootWrite, nonBlocking: false);
        SafeFdHandle.CreatePipe(out SafeFdHandle outcomeRead, out SafeFdHandle outcomeWrite, nonBlocking: false);
        bool restHandedOff = false;
        bool outcomeHandedOff = false;
        try
        {
            int first = WriteBootstrapHead(bootWrite, bootstrap);
            passFds[Bootstrap.BootstrapFd] = bootRead;
            passFds[outcomeFd] = outcomeWrite;
            Popen popen = StartChild(command, viaStartupHook, passFds, start);

            // The child has its copies: close ours (gipc's semantics: a handle lives in one process at a time).
            foreach (ITransferableHandle handle in handles)
            {
                handle.CompleteTransfer();
            }

            if (first < bootstrap.Length)
            {
                restHandedOff = true;
                WriteBootstrapRestLater(bootWrite, bootstrap, first);
            }

            outcomeHandedOff = true;
            return new GipcProcess(popen, processName, outcomeRead);
        }
        finally
        {
            bootRead.Dispose();
            outcomeWrite.Dispose();
            if (!outcomeHandedOff)
            {
                outcomeRead.Dispose();
            }

            if (!restHandedOff)
            {
                bootWrite.Dispose();
            }
        }
    }

    /// <summary>Writes what the bootstrap pipe holds (grown for a large bootstrap) before the child exists; returns how much.</summary>
    private static int WriteBootstrapHead(SafeFdHandle bootWrite, byte[] bootstrap)
    {
        int capacity = 64 << 10;
        if (bootstrap.Length > capacity)
        {
            try
            {
                capacity = bootWrite.SetPipeSize(Math.Min(bootstrap.Length, 1 << 20));
            }
            catch (Exception e) when (e is NativeIOException or PlatformNotSupportedException)
            {
                // Kept at 64 KiB (over the user's pipe budget, or Windows): the rest goes from a pool thread.
            }
        }

        // What fits goes in before the child exists (a blocking write into an empty pipe of that size returns at once).
        int first = Math.Min(capacity, bootstrap.Length);
        FdIO.WriteAll(bootWrite, bootstrap.AsSpan(0, first));
        return first;
    }

    /// <summary>Writes the rest of a large bootstrap from a pool thread (it blocks until the child reads it), then
    /// closes <paramref name="rest"/>.</summary>
    private static void WriteBootstrapRestLater(SafeFdHandle rest, byte[] bootstrap, int first)
    {
        // The rest blocks until the child reads it: write it from a pool thread, not the hub.
        _ = Task.Run(() =>
        {
            using (rest)
            {
                try
                {
                    FdIO.WriteAll(rest, bootstrap.AsSpan(first));
                }
                catch (NativeIOException)
                {
                    // the child died before reading its arguments: its exit code tells
                }
            }
        });
    }

    /// <summary>Starts the child process itself (the dotnet host, or the app through its startup hook).</summary>
    private static Popen StartChild(string[] command, bool viaStartupHook, Dictionary<int, SafeHandle> passFds, ChildStart start)
    {
        // A hook-launched child is the app itself: the variables tell the hook to host a target instead of Main.
        Dictionary<string, string?>? environment = viaStartupHook
            ? new() { [Bootstrap.EnvironmentVariable] = "1", [ChildLauncher.StartupHooksVariable] = ChildLauncher.StartupHooks() }
            : null;

        // A diagnostics tool that launched this app (`dotnet-counters collect -- app`, dotnet-trace) names its own
        // session in DOTNET_DiagnosticPorts, with 'suspend': a child inheriting it would wait at its start for a resume
        // from a tool that does not know it (seen: a pool's workers never ready under dotnet-counters). Children are
        // watched by attaching to their pid instead.
        foreach (string variable in ChildLauncher.DiagnosticPortVariables)
        {
            if (Environment.GetEnvironmentVariable(variable) is not null)
            {
                (environment ??= new())[variable] = null;
            }
        }

        return Popen.Start(command, new PopenOptions
        {
            Stdin = Redirect.DevNull,
            Stderr = start.CaptureStderr ? Redirect.Pipe : Redirect.Inherit,
            PassFds = passFds,
            KillWithOwner = start.Daemon,
            NewProcessGroup = start.NewProcessGroup,
            EnvironmentOverrides = environment,
        });
    }

    /// <summary>Starts <paramref name="target"/> in a child process (see <see cref="StartProcess(Delegate, object?[], bool, string?)"/>).</summary>
    /// <param name="target">A static method or a lambda that captures nothing.</param>
    /// <param name="daemon">Kill the child when this process dies.</param>
    /// <param name="name">A name for the process.</param>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess(Func<Task> target, bool daemon = false, string? name = null)
        => StartProcess((Delegate)target, [], daemon, name);

    /// <summary>Starts <paramref name="target"/> in a child process (see <see cref="StartProcess(Delegate, object?[], bool, string?)"/>).</summary>
    /// <param name="target">A static method or a lambda that captures nothing.</param>
    /// <param name="arg1">The first argument (a handle or an encodable value).</param>
    /// <param name="daemon">Kill the child when this process dies.</param>
    /// <param name="name">A name for the process.</param>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess<T1>(Func<T1, Task> target, T1 arg1, bool daemon = false, string? name = null)
        => StartProcess((Delegate)target, [arg1], daemon, name);

    /// <summary>Starts <paramref name="target"/> in a child process (see <see cref="StartProcess(Delegate, object?[], bool, string?)"/>).</summary>
    /// <param name="target">A static method or a lambda that captures nothing.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="daemon">Kill the child when this process dies.</param>
    /// <param name="name">A name for the process.</param>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess<T1, T2>(Func<T1, T2, Task> target, T1 arg1, T2 arg2, bool daemon = false, string? name = null)
        => StartProcess((Delegate)target, [arg1, arg2], daemon, name);

    /// <summary>Starts <paramref name="target"/> in a child process (see <see cref="StartProcess(Delegate, object?[], bool, string?)"/>).</summary>
    /// <param name="target">A static method or a lambda that captures nothing.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="daemon">Kill the child when this process dies.</param>
    /// <param name="name">A name for the process.</param>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess<T1, T2, T3>(Func<T1, T2, T3, Task> target, T1 arg1, T2 arg2, T3 arg3, bool daemon = false, string? name = null)
        => StartProcess((Delegate)target, [arg1, arg2, arg3], daemon, name);

    /// <summary>Starts <paramref name="target"/> in a child process (see <see cref="StartProcess(Delegate, object?[], bool, string?)"/>).</summary>
    /// <param name="target">A static method or a lambda that captures nothing.</param>
    /// <param name="daemon">Kill the child when this process dies.</param>
    /// <param name="name">A name for the process.</param>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess(Action target, bool daemon = false, string? name = null)
        => StartProcess((Delegate)target, [], daemon, name);

    /// <summary>Starts <paramref name="target"/> in a child process (see <see cref="StartProcess(Delegate, object?[], bool, string?)"/>).</summary>
    /// <param name="target">A static method or a lambda that captures nothing.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="daemon">Kill the child when this process dies.</param>
    /// <param name="name">A name for the process.</param>
    /// <returns>The running child.</returns>
    public static GipcProcess StartProcess<T1>(Action<T1> target, T1 arg1, bool daemon = false, string? name = null)
        => StartProcess((Delegate)target, [arg1], daemon, name);
}
