using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;

namespace GreenProc.Tests;

/// <summary>
/// Listens to one meter (as dotnet-counters or OpenTelemetry would) and keeps every measurement with its tags, so a
/// test can read what GreenProc published: counters' increments, gauges' readings, histogram records.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MetricsRecorder(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every measurement so far: instrument name, value, tags.</summary>
    public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

    /// <summary>Has the observable instruments report now (on this thread).</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    /// <summary>The sum of a counter's increments (or histogram records), those tagged <paramref name="tag"/> = <paramref name="value"/> if given.</summary>
    public double Sum(string instrument, string? tag = null, object? value = null)
        => Matching(instrument, tag, value).Sum(m => m.Value);

    /// <summary>How many measurements an instrument made (tagged as given).</summary>
    public int Count(string instrument, string? tag = null, object? value = null)
        => Matching(instrument, tag, value).Count();

    /// <summary>The last reading of an observable instrument (tagged as given), or null.</summary>
    public double? Last(string instrument, string? tag = null, object? value = null)
        => Matching(instrument, tag, value).Select(m => (double?)m.Value).LastOrDefault();

    /// <summary>Forgets what was recorded.</summary>
    public void Clear() => Measurements.Clear();

    public void Dispose() => _listener.Dispose();

    private IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Matching(string instrument, string? tag, object? value)
        => Measurements.Where(m => m.Instrument == instrument && (tag is null || (m.Tags.TryGetValue(tag, out object? v) && Equals(v, value))));

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        Measurements.Enqueue((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
    }
}
