using System;

namespace GreenProc;

/// <summary>What the blocked-hub monitor saw: who held the hub, for how long, running what.</summary>
public sealed class HubBlockedEventArgs : EventArgs
{
    internal HubBlockedEventArgs(Hub hub, Greenlet? greenlet, string? greenletName, TimeSpan duration, string? runningMethod, string? stack, bool ended)
    {
        Hub = hub;
        Greenlet = greenlet;
        GreenletName = greenletName;
        Duration = duration;
        RunningMethod = runningMethod;
        Stack = stack;
        Ended = ended;
    }

    /// <summary>The hub that was blocked.</summary>
    public Hub Hub { get; }

    /// <summary>The greenlet whose callback held the hub, or null for a hub callback.</summary>
    public Greenlet? Greenlet { get; }

    /// <summary>Its name, taken when the report was made.</summary>
    public string? GreenletName { get; }

    /// <summary>How long the hub had been held when this report was made.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The method (for an async method, its name) whose continuation was running.</summary>
    public string? RunningMethod { get; }

    /// <summary>With <see cref="HubBlockingMonitorOptions.CaptureStack"/>: the hub thread's stack when the callback returned.</summary>
    public string? Stack { get; }

    /// <summary>False for the report made while the hub is held; true for the follow-up made when it is released (stack reports only).</summary>
    public bool Ended { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        string who = GreenletName is null ? "a hub callback" : $"greenlet '{GreenletName}'";
        string what = RunningMethod is null ? "" : $" in {RunningMethod}";
        return Ended
            ? $"GreenProc: {who} held the hub for {Duration.TotalMilliseconds:F0} ms{what}; stack at release:\n{Stack}"
            : $"GreenProc: {who} has blocked the hub for {Duration.TotalMilliseconds:F0} ms{what} (a blocking call on the hub thread? use Green.RunBlocking)";
    }
}
