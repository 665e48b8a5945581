using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Soak;

/// <summary>The child: acknowledges every message with what it computed from the bytes it received.</summary>
internal static class Echo
{
    public static async Task Run(GipcReader<SoakMessage> input, GipcWriter<SoakAck> output)
    {
        await foreach (SoakMessage m in input.ReadAllAsync())
        {
            await output.PutAsync(new SoakAck(m.Seq, Checksum.Of(m.Payload), m.Payload.Length));
        }
    }
}
