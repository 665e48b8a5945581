namespace GreenProc.Soak;

/// <summary>A message to a child: its number on that pipe, the payload's checksum, and the payload.</summary>
public sealed record SoakMessage(long Seq, ulong Sum, byte[] Payload);

/// <summary>A child's acknowledgement: the number it received, the checksum it computed, and the length it saw.</summary>
public sealed record SoakAck(long Seq, ulong Sum, int Length);
