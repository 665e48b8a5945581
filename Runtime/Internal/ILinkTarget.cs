namespace GreenProc.Internal;

/// <summary>An internal link of a greenlet (wait sets, pools): told on the hub when the greenlet is dead.</summary>
internal interface ILinkTarget
{
    void OnGreenletReady(Greenlet greenlet);
}
