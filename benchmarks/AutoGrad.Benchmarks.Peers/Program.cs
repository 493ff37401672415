using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AutoGrad.Benchmarks.Peers;

/// <summary>
/// Entry point of the peer benchmarks: AutoGrad and TorchSharp side by side, in this one process.
/// </summary>
/// <remarks>
/// Every job runs in process (<see cref="InProcessEmitToolchain"/>): BenchmarkDotNet does not generate and build a
/// child project, so the benchmarks use this project's own output folder, whose copy of libLibTorchSharp.so the
/// build has patched to load on Debian 12 (see PatchLibTorchSharp.targets). It also keeps AutoGrad and TorchSharp
/// in one process, so their ratio holds on a shared machine. The toolchain is added as a mutator, so it applies to
/// whatever job the command line picks (<c>--job short</c> and the like).
/// </remarks>
public static class Program
{
    /// <summary>Runs the benchmarks selected by the command line (for example <c>--filter '*'</c>).</summary>
    /// <param name="args">BenchmarkDotNet command-line arguments.</param>
    /// <returns>
    /// 0 on success; 1 when a benchmark reports validation errors, fails (for example its setup throws), or
    /// produces no results.
    /// </returns>
    public static int Main(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator())
            .AddColumn(StatisticColumn.Median);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
        var isInformational = args.Any(a => a is "--list" or "--help" or "-h" or "--version" or "--info");
        if (summaries.Count == 0)
        {
            return isInformational ? 0 : 1;
        }

        foreach (var summary in summaries)
        {
            if (summary.HasCriticalValidationErrors || summary.Reports.IsEmpty || summary.Reports.Any(r => !r.Success))
            {
                return 1;
            }
        }

        return 0;
    }
}
