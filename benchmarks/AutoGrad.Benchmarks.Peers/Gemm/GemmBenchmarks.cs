using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using static TorchSharp.torch;

namespace AutoGrad.Benchmarks.Peers.Gemm;

/// <summary>
/// Square matrix products C = A·B (N×N) of the same seeded data: AutoGrad's <c>MatMul</c> on two constant
/// variables against TorchSharp's <c>torch.mm</c> on two threads. Both allocate their result every call (TorchSharp's
/// in native memory, disposed after the call).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
[Config(typeof(GemmConfig))]
public class GemmBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Variable<T> _a = null!;
    private Variable<T> _b = null!;
    private Tensor _ta = null!;
    private Tensor _tb = null!;

    /// <summary>The matrices' size N.</summary>
    [Params(256, 512, 1024)]
    public int N { get; set; }

    /// <summary>
    /// Creates A and B (uniform in [−1, 1], seeded) for both libraries and checks once that AutoGrad's product
    /// agrees with TorchSharp's.
    /// </summary>
    /// <exception cref="InvalidOperationException">The products disagree.</exception>
    [GlobalSetup]
    public void Setup()
    {
        Torch.Initialize();
        _a = Variable.Uniform([N, N], -T.One, T.One, seed: 1);
        _b = Variable.Uniform([N, N], -T.One, T.One, seed: 2);
        _ta = Torch.FromArray(_a.ToArray(), [N, N]);
        _tb = Torch.FromArray(_b.ToArray(), [N, N]);

        using var expected = mm(_ta, _tb);
        // Each element sums N products of magnitude ≤ 1 in a different order in each library.
        var tolerance = typeof(T) == typeof(float) ? 1e-4 * Math.Sqrt(N) : 1e-12 * Math.Sqrt(N);
        Torch.CheckClose($"GEMM {typeof(T).Name} N = {N}: AutoGrad C", _a.MatMul(_b).ToArray(), Torch.ToDoubles(expected), tolerance);
        Torch.CheckClose($"GEMM {typeof(T).Name} N = {N}: AutoGrad C[0, 0] in a step scope", [double.CreateTruncating(AutoGradInStepScope())], [Torch.ToDoubles(expected)[0]], tolerance);
    }

    /// <summary>Releases the TorchSharp tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ta.Dispose();
        _tb.Dispose();
    }

    /// <summary>C = A·B with AutoGrad.</summary>
    /// <returns>C's first element, so the product is not dead code.</returns>
    [Benchmark]
    public T AutoGrad() => _a.MatMul(_b)[0, 0].ToScalar();

    /// <summary>
    /// C = A·B with AutoGrad inside a recycling step scope: C's buffer comes from the pool, as TorchSharp's comes from
    /// LibTorch's caching allocator, instead of a fresh large-object-heap array per product.
    /// </summary>
    /// <returns>C[0, 0].</returns>
    [Benchmark]
    public T AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        return _a.MatMul(_b).Values[0];
    }

    /// <summary>C = A·B with TorchSharp (<c>torch.mm</c>, two threads).</summary>
    /// <returns>C's number of elements.</returns>
    [Benchmark(Baseline = true)]
    public long TorchSharp()
    {
        using var c = mm(_ta, _tb);
        return c.numel();
    }
}

/// <summary>Adds the GFLOP/s column to <see cref="GemmBenchmarks{T}"/>.</summary>
public sealed class GemmConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public GemmConfig() => AddColumn(new GflopsColumn());
}
