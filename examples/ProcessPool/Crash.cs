namespace ProcessPoolDemo;

/// <summary>A task that failed because its worker died (what <see cref="GreenProc.Ipc.WorkerCrashedException"/> said).</summary>
/// <param name="Index">The task's range.</param>
/// <param name="Pid">The worker that died running it.</param>
/// <param name="Signal">The signal that killed it (9: SIGKILL), or null if it exited.</param>
public sealed record Crash(int Index, int Pid, int? Signal);
