using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AutoGrad.Benchmarks.Optim;

/// <summary>
/// One step of Adadelta, Adamax, NAdam and RAdam over one parameter of 1,000,003 elements, run a block at a time (the
/// library's way) against one block for the whole parameter (each elementwise step then streams every buffer through
/// memory, as before the blocking). Both give the same bits (tested); the gradient is set once in setup.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[GenericTypeArguments(typeof(double))]
[GenericTypeArguments(typeof(float))]
public class BlockedOptimizerBenchmarks<T>
    where T : struct, IFloatingPointIeee754<T>
{
    private const int Length = 1_000_003;
    private const int OneBlock = int.MaxValue / 4;

    private Optimizer _adadelta = null!;
    private Optimizer _adamax = null!;
    private Optimizer _nadam = null!;
    private Optimizer _radam = null!;

    /// <summary>Creates one parameter per optimizer with the same seeded values and gradient.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Variable<T> Parameter()
        {
            var random = new Random(5);
            var p = Variable.Parameter(Enumerable.Range(0, Length).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray());
            var r = Variable.Constant(Enumerable.Range(0, Length).Select(_ => T.CreateChecked((2 * random.NextDouble()) - 1)).ToArray());
            (p * r).Sum().Backward();
            return p;
        }

        _adadelta = new Adadelta([Parameter()]);
        _adamax = new Adamax([Parameter()]);
        _nadam = new NAdam([Parameter()]);
        _radam = new RAdam([Parameter()]);
    }

    /// <summary>Adadelta, one block for the whole parameter.</summary>
    /// <returns>The step report.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Adadelta")]
    public StepReport Adadelta_OneBlock() => Unblocked(_adadelta);

    /// <summary>Adadelta, block by block.</summary>
    /// <returns>The step report.</returns>
    [Benchmark]
    [BenchmarkCategory("Adadelta")]
    public StepReport Adadelta_Blocked() => _adadelta.Step();

    /// <summary>Adamax, one block for the whole parameter.</summary>
    /// <returns>The step report.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Adamax")]
    public StepReport Adamax_OneBlock() => Unblocked(_adamax);

    /// <summary>Adamax, block by block.</summary>
    /// <returns>The step report.</returns>
    [Benchmark]
    [BenchmarkCategory("Adamax")]
    public StepReport Adamax_Blocked() => _adamax.Step();

    /// <summary>NAdam, one block for the whole parameter.</summary>
    /// <returns>The step report.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("NAdam")]
    public StepReport NAdam_OneBlock() => Unblocked(_nadam);

    /// <summary>NAdam, block by block.</summary>
    /// <returns>The step report.</returns>
    [Benchmark]
    [BenchmarkCategory("NAdam")]
    public StepReport NAdam_Blocked() => _nadam.Step();

    /// <summary>RAdam, one block for the whole parameter.</summary>
    /// <returns>The step report.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("RAdam")]
    public StepReport RAdam_OneBlock() => Unblocked(_radam);

    /// <summary>RAdam, block by block.</summary>
    /// <returns>The step report.</returns>
    [Benchmark]
    [BenchmarkCategory("RAdam")]
    public StepReport RAdam_Blocked() => _radam.Step();

    private static StepReport Unblocked(Optimizer optimizer)
    {
        var saved = AdaptiveMath.BlockLength;
        AdaptiveMath.BlockLength = OneBlock;
        try
        {
            return optimizer.Step();
        }
        finally
        {
            AdaptiveMath.BlockLength = saved;
        }
    }
}
