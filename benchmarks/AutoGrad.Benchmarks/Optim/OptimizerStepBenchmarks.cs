using System.Numerics;
using AutoGrad.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AutoGrad.Benchmarks.Optim;

/// <summary>
/// One optimizer step over about 270k parameters whose gradients are already there: AutoGrad's <see cref="Adam"/>
/// and <see cref="SGD"/> with momentum against hand-written fused span loops (<see cref="HandAdam{T}"/>,
/// <see cref="HandSgdMomentum{T}"/>) that round identically.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// Layout "MLP" is the six tensors of the 784-256-256-10 MLP (269,322 parameters; the [10] bias and the rows of 10 hit
/// vector tails); "Flat" is one tensor of 270,001 (odd) parameters. Gradients are seeded uniform values in [−1, 1),
/// set once in setup and never zeroed, so every step sees the same gradient. AutoGrad's <c>Step()</c> also computes
/// the gradient norm and the update norm for its <see cref="StepReport"/> (summed in double inside its fused update
/// loop) and allocates the report (80 B); that is part of what it costs.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[GenericTypeArguments(typeof(double))]
[GenericTypeArguments(typeof(float))]
public class OptimizerStepBenchmarks<T>
    where T : struct, IFloatingPointIeee754<T>
{
    private const double AdamLearningRate = 1e-3;
    private const double SgdLearningRate = 1e-2;
    private const double Momentum = 0.9;

    private Adam _adam = null!;
    private SGD _sgd = null!;
    private HandAdam<T> _handAdam = null!;
    private HandSgdMomentum<T> _handSgd = null!;
    private Variable<T>[] _adamParameters = [];
    private Variable<T>[] _sgdParameters = [];
    private T[][] _handAdamParameters = [];
    private T[][] _handSgdParameters = [];
    private T[][] _gradients = [];

    /// <summary>"MLP" (six tensors, 269,322 parameters) or "Flat" (one tensor of 270,001).</summary>
    [Params("MLP", "Flat")]
    public string Layout { get; set; } = "MLP";

    /// <summary>
    /// Creates seeded parameters and gradients (AutoGrad's gradients come from a backward pass of Σ θ ⊙ g), then
    /// takes two steps with each optimizer and its hand-written twin and checks that the parameters agree; throws if not.
    /// </summary>
    /// <exception cref="InvalidOperationException">A gradient or an updated parameter disagrees.</exception>
    [GlobalSetup]
    public void Setup()
    {
        Shape[] shapes = Layout switch
        {
            "MLP" => [[784, 256], [256], [256, 256], [256], [256, 10], [10]],
            "Flat" => [[270_001]],
            _ => throw new InvalidOperationException($"OptimizerStepBenchmarks: unknown layout {Layout}."),
        };
        var values = shapes.Select((s, k) => Data.Uniform<T>(s.ElementCount, -0.1, 0.1, seed: 100 + k)).ToArray();
        _gradients = shapes.Select((s, k) => Data.Uniform<T>(s.ElementCount, -1, 1, seed: 200 + k)).ToArray();
        _adamParameters = CreateParameters(shapes, values);
        _sgdParameters = CreateParameters(shapes, values);
        _handAdamParameters = values.Select(v => (T[])v.Clone()).ToArray();
        _handSgdParameters = values.Select(v => (T[])v.Clone()).ToArray();
        var lengths = shapes.Select(s => s.ElementCount).ToArray();
        _adam = new Adam(_adamParameters, learningRate: AdamLearningRate);
        _sgd = new SGD(_sgdParameters, learningRate: SgdLearningRate, momentum: Momentum);
        _handAdam = new HandAdam<T>(lengths, learningRate: AdamLearningRate);
        _handSgd = new HandSgdMomentum<T>(lengths, learningRate: SgdLearningRate, momentum: Momentum);
        Verify();
    }

    /// <summary>Adam by the hand-written fused loop.</summary>
    /// <returns>The first parameter's first value.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Adam")]
    public T Adam_Hand()
    {
        _handAdam.Step(_handAdamParameters, _gradients);
        return _handAdamParameters[0][0];
    }

    /// <summary>AutoGrad's <see cref="Adam"/>.Step().</summary>
    /// <returns>The step report.</returns>
    [Benchmark]
    [BenchmarkCategory("Adam")]
    public StepReport Adam_AutoGrad() => _adam.Step();

    /// <summary>SGD with momentum 0.9 by the hand-written fused loop.</summary>
    /// <returns>The first parameter's first value.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("SgdMomentum")]
    public T SgdMomentum_Hand()
    {
        _handSgd.Step(_handSgdParameters, _gradients);
        return _handSgdParameters[0][0];
    }

    /// <summary>AutoGrad's <see cref="SGD"/>.Step() with momentum 0.9.</summary>
    /// <returns>The step report.</returns>
    [Benchmark]
    [BenchmarkCategory("SgdMomentum")]
    public StepReport SgdMomentum_AutoGrad() => _sgd.Step();

    private Variable<T>[] CreateParameters(Shape[] shapes, T[][] values)
    {
        var parameters = new Variable<T>[shapes.Length];
        for (var k = 0; k < shapes.Length; k++)
        {
            var p = Variable.Parameter(values[k], shapes[k]);
            (p * Variable.Constant(_gradients[k], shapes[k])).Sum().Backward();
            Check.Close($"{Layout}: gradient of parameter {k}", p.Grad!.Values, _gradients[k], 0);
            parameters[k] = p;
        }

        return parameters;
    }

    private void Verify()
    {
        // AutoGrad's fused loops and the hand-written ones perform the same operations in the same order (no fused
        // multiply-add), so they agree to the bit.
        const double tolerance = 0;
        for (var step = 1; step <= 2; step++)
        {
            Adam_Hand();
            Adam_AutoGrad();
            SgdMomentum_Hand();
            SgdMomentum_AutoGrad();
            for (var k = 0; k < _gradients.Length; k++)
            {
                Check.Close($"{Layout}: Adam, step {step}, parameter {k}", _adamParameters[k].Values, _handAdamParameters[k], tolerance);
                Check.Close($"{Layout}: SGD with momentum, step {step}, parameter {k}", _sgdParameters[k].Values, _handSgdParameters[k], tolerance);
            }
        }
    }
}
