namespace GreenProc.Microbench;

/// <summary>A small message for the codec benchmarks: two numbers and a short string.</summary>
/// <param name="Id">A number.</param>
/// <param name="Value">Another.</param>
/// <param name="Name">A short string.</param>
public sealed record SmallRecord(int Id, double Value, string Name);
