using System;
using System.Text;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Decodes what a child wrote the way <c>new StreamReader(stream, encoding)</c> reads it (and so the way
/// System.Diagnostics.Process's StandardOutput does): a byte order mark is not text. Every text form of captured
/// output (CompletedProcess, CalledProcessException and its message, CheckOutputAsync) decodes through here.
/// </summary>
internal static class OutputText
{
    private static readonly Encoding s_utf32BigEndian = new UTF32Encoding(bigEndian: true, byteOrderMark: true);

    public static string Decode(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        Encoding actual = Detect(encoding, bytes, out int markLength);
        return actual.GetString(bytes[markLength..]);
    }

    /// <summary>StreamReader's rule: the chosen encoding's own preamble first, then the Unicode marks, which decide.</summary>
    private static Encoding Detect(Encoding chosen, ReadOnlySpan<byte> b, out int markLength)
    {
        // First the chosen encoding's preamble: with UTF-16 chosen, FF FE is its mark even when 00 00 follows (a
        // U+0000), which the detection below would take for UTF-32's.
        ReadOnlySpan<byte> preamble = chosen.Preamble;
        if (!preamble.IsEmpty && b.StartsWith(preamble))
        {
            markLength = preamble.Length;
            return chosen;
        }

        // Then StreamReader's detectEncodingFromByteOrderMarks: a mark of a Unicode form names the encoding (the
        // default UTF-8 has no preamble of its own, yet EF BB BF is dropped). A mark of another form than the chosen
        // one switches to that form, as StreamReader does.
        markLength = 0;
        Encoding? detected = null;
        if (b.Length >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        {
            (detected, markLength) = (Encoding.BigEndianUnicode, 2);
        }
        else if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        {
            (detected, markLength) = b.Length < 4 || b[2] != 0 || b[3] != 0 ? (Encoding.Unicode, 2) : (Encoding.UTF32, 4);
        }
        else if (b.Length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        {
            (detected, markLength) = (Encoding.UTF8, 3);
        }
        else if (b.Length >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)
        {
            (detected, markLength) = (s_utf32BigEndian, 4);
        }

        // The same form as chosen: keep the caller's object (its decoder fallback, a strict UTF-8's for one).
        return detected is null || detected.CodePage == chosen.CodePage ? chosen : detected;
    }
}
