using System;

namespace GreenProc.Windows.Tests;

/// <summary>A test of what only Windows has; reported as skipped elsewhere.</summary>
public sealed class WindowsFactAttribute : FactAttribute
{
    public WindowsFactAttribute()
    {
        if (!OperatingSystem.IsWindows())
        {
            Skip = "Windows only (run under Wine by .ci/run)";
        }
    }
}
