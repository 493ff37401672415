using BenchmarkDotNet.Running;

namespace AutoGrad.Benchmarks;

/// <summary>
/// Entry point: runs the benchmarks selected by the command line (for example <c>--filter '*Rosenbrock*'</c>).
/// </summary>
public static class Program
{
    /// <summary>Runs the selected benchmarks.</summary>
    /// <param name="args">BenchmarkDotNet command-line arguments.</param>
    /// <returns>
    /// 0 on success; 1 when a benchmark reports validation errors, fails (for example its setup throws), or
    /// produces no results.
    /// </returns>
    public static int Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
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
