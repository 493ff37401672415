using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace AutoGrad.Benchmarks.Peers.Rosenbrock;

/// <summary>
/// Tape overhead per scalar operation: the generalized Rosenbrock function
/// f(x) = Σ_{i=0}^{n-2} [100 (x_{i+1} − x_i²)² + (1 − x_i)²] written element by element over n scalar leaves
/// (AutoGrad <see cref="Variable{T}"/> scalars, TorchSharp 0-dimensional float64 tensors), value and gradient:
/// zero the n gradients, build f term by term (about nine recorded operations per term), run the backward pass.
/// </summary>
/// <remarks>
/// TorchSharp frees each evaluation's temporaries with a dispose scope. Its per-operation cost is that of a
/// LibTorch call through P/Invoke plus a managed tensor handle, so an evaluation takes seconds; BenchmarkDotNet
/// then runs one invocation per iteration.
/// </remarks>
[MemoryDiagnoser]
public class ScalarRosenbrockBenchmarks
{
    private double[] _start = [];
    private Variable<double>[] _parameters = [];
    private Tensor[] _tensors = [];

    /// <summary>The number of variables n.</summary>
    [Params(10_000)]
    public int N { get; set; }

    /// <summary>
    /// Creates the n scalar leaves at x = (−1.2, 1.0, −1.2, 1.0, …) in both libraries, then checks once that their
    /// values and gradients agree to a relative 1e-12.
    /// </summary>
    /// <exception cref="InvalidOperationException">The libraries disagree.</exception>
    [GlobalSetup]
    public void Setup()
    {
        Torch.Initialize();
        _start = Enumerable.Range(0, N).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        _parameters = _start.Select(Variable.Parameter).ToArray();
        _tensors = _start.Select(v => torch.tensor(v, ScalarType.Float64, requires_grad: true)).ToArray();

        var ours = AutoGradForwardBackward();
        using var scope = NewDisposeScope();
        var theirs = TorchForwardBackward();
        Torch.CheckClose($"Rosenbrock n = {N}: value", [ours.ToScalar()], [theirs.item<double>()], 1e-12);
        Torch.CheckClose(
            $"Rosenbrock n = {N}: gradient",
            _parameters.Select(p => p.Grad!.ToScalar()).ToArray(),
            _tensors.Select(t => t.grad!.item<double>()).ToArray(),
            1e-12);
    }

    /// <summary>Releases the TorchSharp leaves.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in _tensors)
        {
            t.Dispose();
        }
    }

    /// <summary>Value and gradient with AutoGrad scalar variables.</summary>
    /// <returns>f(x) + ∂f/∂x₀.</returns>
    [Benchmark]
    public double AutoGrad()
    {
        var f = AutoGradForwardBackward();
        return f.ToScalar() + _parameters[0].Grad!.ToScalar();
    }

    /// <summary>Value and gradient with TorchSharp scalar tensors.</summary>
    /// <returns>f(x) + ∂f/∂x₀.</returns>
    [Benchmark(Baseline = true)]
    public double TorchSharp()
    {
        using var scope = NewDisposeScope();
        var f = TorchForwardBackward();
        return f.item<double>() + _tensors[0].grad!.item<double>();
    }

    private Variable<double> AutoGradForwardBackward()
    {
        var x = _parameters;
        foreach (var p in x)
        {
            p.ZeroGrad();
        }

        Variable<double>? f = null;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var term = (100.0 * (x[i + 1] - x[i].Square()).Square()) + (1.0 - x[i]).Square();
            f = f is null ? term : f + term;
        }

        f!.Backward();
        return f;
    }

    /// <summary>Call inside a dispose scope: the graph's temporaries and the gradient handles belong to it.</summary>
    private Tensor TorchForwardBackward()
    {
        var x = _tensors;
        foreach (var t in x)
        {
            t.grad?.zero_();
        }

        Tensor? f = null;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var term = (100.0 * (x[i + 1] - x[i].square()).square()) + (1.0 - x[i]).square();
            f = f is null ? term : f + term;
        }

        f!.backward();
        return f;
    }
}
