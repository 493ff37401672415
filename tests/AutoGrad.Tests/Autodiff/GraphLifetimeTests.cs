using System.Runtime.CompilerServices;
using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Autodiff;

/// <summary>Graphs that are dropped are collected; graphs on different threads do not interfere.</summary>
[Collection(SerialCollection.Name)]
public class GraphLifetimeTests
{
    [Fact]
    public void Forward_evaluations_that_never_call_Backward_keep_memory_bounded()
    {
        var w = Variable.Normal([256], 0.0, 1.0, seed: 1, requiresGrad: true);
        var x = Variable.Normal([256], 0.0, 1.0, seed: 2);

        // Each iteration records ~8 ops on 256-element tensors (≈ 20 KB of graph). Leaked, 100,000 of
        // them would hold ≈ 2 GB; collected, the live heap stays where it started.
        var loss = Evaluate(w, x);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < 100_000; i++)
        {
            loss = Evaluate(w, x);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(loss.RequiresGrad);
        Assert.True(after - before < 16 * 1024 * 1024, $"Live heap grew by {(after - before) / 1024} KB over 100,000 unreleased forward passes.");
    }

    [Fact]
    public void A_dropped_graph_is_collected()
    {
        var w = Variable.Parameter(new[] { 1.0, 2.0, 3.0 });
        var weak = MakeGraphAndForgetIt(w);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference MakeGraphAndForgetIt(Variable<double> w)
    {
        var hidden = (w * 2).Exp();
        var loss = hidden.Sum();
        Assert.True(loss.RequiresGrad);
        return new WeakReference(hidden);
    }

    private static Variable<double> Evaluate(Variable<double> w, Variable<double> x)
    {
        var h = (w * x).Tanh() + w.Square();
        return (h - x).Square().Mean() + w.Abs().Sum();
    }

    [Fact]
    public void Separate_threads_differentiate_separate_graphs_concurrently()
    {
        const int Threads = 4;
        const int Iterations = 300;
        var failures = new List<string>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Iterations; i++)
            {
                var a = 0.1 + (0.01 * t) + (0.001 * i);
                var x = Variable.Parameter(new[] { a, 2 * a, 3 * a });
                var f = (x.Sin() * x).Sum();
                f.Backward();
                var g = x.Grad!.ToArray();
                for (var k = 0; k < 3; k++)
                {
                    var v = (k + 1) * a;
                    var expected = Math.Sin(v) + (v * Math.Cos(v));
                    if (Math.Abs(g[k] - expected) > 1e-12)
                    {
                        lock (failures)
                        {
                            failures.Add($"thread {t}, iteration {i}, element {k}: {g[k]} vs {expected}");
                        }
                    }
                }

                // One thread's no-grad scope must not switch off recording on another.
                if (t % 2 == 0)
                {
                    using (Variable.NoGrad())
                    {
                        _ = x * x;
                    }
                }
                else if (!(x * x).RequiresGrad)
                {
                    lock (failures)
                    {
                        failures.Add($"thread {t}: recording was off");
                    }
                }
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void Concurrent_backward_passes_into_a_shared_parameter_accumulate_every_contribution()
    {
        const int Threads = 4;
        const int Iterations = 2000;
        var w = Variable.Parameter(new[] { 1.0, -1.0 });
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Iterations; i++)
            {
                (w * 2).Sum().Backward();
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.Equal(new[] { 2.0 * Threads * Iterations, 2.0 * Threads * Iterations }, w.Grad!.ToArray());
    }
}
