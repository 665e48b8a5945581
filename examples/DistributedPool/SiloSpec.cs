using System;
using System.Globalization;

namespace DistributedPoolDemo;

/// <summary>
/// What a silo process is told on its command line (<c>--silo INDEX --silo-port P --gateway-port G --primary-port P0
/// --cluster-id ID --workers W</c>): the demo starts each silo as this program again, with these arguments.
/// </summary>
/// <param name="Index">Its number; silo 0 is the primary (it holds the development membership table).</param>
/// <param name="SiloPort">Where it listens for the other silos (loopback).</param>
/// <param name="GatewayPort">Where it listens for clients (loopback).</param>
/// <param name="PrimaryPort">Silo 0's silo port, where the others join.</param>
/// <param name="ClusterId">This run's cluster, so that two demos on one machine never meet.</param>
/// <param name="Workers">Its node's pool size.</param>
public sealed record SiloSpec(int Index, int SiloPort, int GatewayPort, int PrimaryPort, string ClusterId, int Workers)
{
    public const string Flag = "--silo";

    /// <summary>The service id every run shares (Orleans keys some state by it; the cluster id tells runs apart).</summary>
    public const string ServiceId = "greenproc-distributed-pool-demo";

    public bool IsPrimary => Index == 0;

    public string[] ToArguments() =>
    [
        Flag, Text(Index),
        "--silo-port", Text(SiloPort),
        "--gateway-port", Text(GatewayPort),
        "--primary-port", Text(PrimaryPort),
        "--cluster-id", ClusterId,
        "--workers", Text(Workers),
    ];

    /// <summary>Reads the arguments <see cref="ToArguments"/> wrote (a silo is only started by the demo).</summary>
    public static SiloSpec Parse(string[] args)
    {
        int index = -1, siloPort = 0, gatewayPort = 0, primaryPort = 0, workers = 1;
        string clusterId = "";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case Flag:
                    index = (int)DemoOptions.Number(args, ++i, Flag, 0, 7);
                    break;
                case "--silo-port":
                    siloPort = Port(args, ++i, "--silo-port");
                    break;
                case "--gateway-port":
                    gatewayPort = Port(args, ++i, "--gateway-port");
                    break;
                case "--primary-port":
                    primaryPort = Port(args, ++i, "--primary-port");
                    break;
                case "--cluster-id":
                    clusterId = ++i < args.Length ? args[i] : throw new FormatException("--cluster-id needs a value");
                    break;
                case "--workers":
                    workers = (int)DemoOptions.Number(args, ++i, "--workers", 1, 64);
                    break;
                default:
                    throw new FormatException($"unknown silo argument '{args[i]}'");
            }
        }

        if (index < 0 || siloPort == 0 || gatewayPort == 0 || primaryPort == 0 || clusterId.Length == 0)
        {
            throw new FormatException("a silo needs --silo, --silo-port, --gateway-port, --primary-port and --cluster-id (the demo passes them)");
        }

        return new SiloSpec(index, siloPort, gatewayPort, primaryPort, clusterId, workers);
    }

    private static int Port(string[] args, int i, string name) => (int)DemoOptions.Number(args, i, name, 1, 65_535);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
