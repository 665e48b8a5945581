namespace GreenProc;

/// <summary>
/// Told when a <see cref="SafeFdHandle"/> is being disposed, before its descriptor is released, so that a hub can
/// wake the greenlets parked on it and drop the descriptor from its reactor first.
/// </summary>
internal interface IFdCloseObserver
{
    /// <summary>Runs on the disposing thread, while the descriptor is still open.</summary>
    void OnFdClosing(SafeFdHandle handle);
}
