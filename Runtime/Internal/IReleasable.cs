namespace GreenProc.Internal;

/// <summary>A semaphore or lock a <see cref="GreenReleaser"/> gives back.</summary>
internal interface IReleasable
{
    void Release();
}
