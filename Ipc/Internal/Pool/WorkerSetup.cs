namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// What a worker is told at start, beside its pipes: the initializer to run first (found by metadata token, as tasks
/// are) and its encoded argument, and the worker's number in the pool (for its name in reports).
/// </summary>
/// <param name="Number">The worker's number (1, 2, ...; replacements get new ones).</param>
/// <param name="InitializerAssembly">The initializer's assembly's simple name, or null for none.</param>
/// <param name="InitializerAssemblyPath">Where the pool loaded that assembly from.</param>
/// <param name="InitializerType">The initializer's declaring type's full name (a check).</param>
/// <param name="InitializerToken">The initializer's metadata token.</param>
/// <param name="InitializerArgument">Its argument, encoded with the binary codec of its parameter type; null when it takes none.</param>
internal sealed record WorkerSetup(
    int Number,
    string? InitializerAssembly,
    string? InitializerAssemblyPath,
    string? InitializerType,
    int InitializerToken,
    byte[]? InitializerArgument);
