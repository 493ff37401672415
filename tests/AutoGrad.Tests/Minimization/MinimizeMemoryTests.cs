using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Minimization;

/// <summary>The driver keeps no graph alive: a long run holds the parameters, the optimizer's state and the history only.</summary>
[Collection(SerialCollection.Name)]
public class MinimizeMemoryTests
{
    [Fact]
    public void A_20000_iteration_run_keeps_the_live_heap_bounded_and_releases_every_graph()
    {
        const int Iterations = 20_000;
        var target = Variable.Normal([256], 0.0, 1.0, seed: 2);
        WeakReference? firstGraph = null;
        var baseline = 0L;
        var peak = 0L;
        var progress = new MinimizeTests.Recorder(info =>
        {
            var live = GC.GetTotalMemory(forceFullCollection: true);
            if (info.Iteration == 1000)
            {
                baseline = live;
            }
            else
            {
                peak = Math.Max(peak, live);
            }
        });

        // Each evaluation records ~10 ops on 256-element tensors (≈ 25 KB of graph). Leaked, 19,000 of them
        // would hold ≈ 500 MB; released, the heap grows only by the history (≈ 120 bytes a row).
        var result = Minimize.Function(
                x =>
                {
                    var h = (x * target).Tanh() + x.Square();
                    firstGraph ??= new WeakReference(h);
                    return (h - target).Square().Mean() + (1e-3 * x.Abs().Sum());
                },
                new double[256])
            .With(new SGD(learningRate: 1e-3, momentum: 0.9))
            .Until(maxIterations: Iterations)
            .ReportProgress(progress, every: 1000)
            .Run();

        Assert.Equal(StopReason.MaxIterations, result.StopReason);
        Assert.Equal(Iterations, result.History.Count);
        Assert.True(peak - baseline < 8 * 1024 * 1024, $"Live heap grew by {(peak - baseline) / 1024} KB between iteration 1,000 and {Iterations:N0}.");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(firstGraph!.IsAlive, "The first iteration's graph is still reachable after the run.");
    }
}
