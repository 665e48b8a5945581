using System.Collections.Generic;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Everything the platform spawner needs, resolved in managed code before the spawn: the program's path, argv, envp,
/// and the descriptor map. Keeping it platform-neutral leaves room for a Windows spawner (an explicit inherited-handle
/// list instead of dup2 actions).
/// </summary>
internal sealed class SpawnRequest
{
    public required string Path { get; init; }

    public required string[] Argv { get; init; }

    public required string[] Envp { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>(descriptor here, number in the child) pairs, applied in order; no source is another pair's target.</summary>
    public List<(int Source, int Target)> FdMap { get; } = new(3);

    /// <summary>The highest descriptor number the child keeps (at least 2: stdio).</summary>
    public int MaxChildFd { get; set; } = 2;

    public bool NewSession { get; init; }

    public bool NewProcessGroup { get; init; }
}
