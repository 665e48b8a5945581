using System;

namespace GreenProc;

// Errors that escape a greenlet or a hub callback, and where they are reported.
public sealed partial class Hub
{
    /// <summary>
    /// Receives errors that escape a greenlet (with the greenlet) or a hub callback such as a link (with null).
    /// Each error is reported once. The default writes the greenlet's name and the exception to stderr. A greenlet
    /// ended by an <see cref="OperationCanceledException"/> is canceled, not failed, and is not reported.
    /// </summary>
    public Action<Greenlet?, Exception> ErrorHandler { get; set; }

    internal void ReportError(Greenlet? greenlet, Exception error)
    {
        try
        {
            ErrorHandler(greenlet, error);
        }
        catch (Exception handlerError)
        {
            // A failing handler must not take the loop down; fall back to the default report.
            DefaultErrorHandler(greenlet, new AggregateException("Hub.ErrorHandler threw while reporting an error.", error, handlerError));
        }
    }

    private static void DefaultErrorHandler(Greenlet? greenlet, Exception error)
    {
        string who = greenlet is null ? "A hub callback" : $"Greenlet '{greenlet.Name}' (#{greenlet.Id})";
        Console.Error.WriteLine($"{who} failed: {error}");
    }
}
