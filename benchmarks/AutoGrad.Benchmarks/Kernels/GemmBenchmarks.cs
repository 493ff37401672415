using System.Numerics;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks.Kernels;

/// <summary>
/// Matrix products C = op(A)·op(B) through <c>MatMulKernel</c> (the packed, register-blocked GEMM, both cores above
/// its threshold) against the kernel it replaced: an i-p-j loop of <see cref="TensorPrimitives"/> multiply-adds over
/// rows of B and C, on one thread, after a transposed copy of any transposed operand (which the old MatMul backward
/// made with <c>Transpose()</c>).
/// </summary>
/// <remarks>
/// Shapes: squares 64…1024, and the products of one training step of the 784-256-256-10 MLP at batch 32 and 128
/// (weights stored [in, out]): forward X·W, and the backward's G·Wᵀ (input gradient) and Xᵀ·G (weight gradient).
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _a = [];
    private T[] _b = [];
    private T[] _c = [];
    private T[] _transposedA = [];
    private T[] _transposedB = [];

    /// <summary>The product's shape and transposes.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = null!;

    /// <summary>Squares, then the MLP step's products.</summary>
    public static IEnumerable<GemmShape> Shapes()
    {
        foreach (var n in new[] { 64, 128, 256, 512, 1024 })
        {
            yield return new GemmShape(n, n, n, false, false);
        }

        foreach (var batch in new[] { 32, 128 })
        {
            foreach (var (input, output) in new[] { (784, 256), (256, 256), (256, 10) })
            {
                yield return new GemmShape(batch, output, input, false, false); // X[B, in]·W[in, out]
                yield return new GemmShape(batch, input, output, false, true);  // G[B, out]·W[in, out]ᵀ
                yield return new GemmShape(input, output, batch, true, false);  // X[B, in]ᵀ·G[B, out]
            }
        }
    }

    /// <summary>
    /// Fills the operands and checks once that the GEMM and the baseline both match a naive triple loop summed in double;
    /// throws otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">A kernel is off by more than the rounding bound.</exception>
    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k) = (Shape.M, Shape.N, Shape.K);
        var random = new Random(42);
        _a = Fill(random, m * k);
        _b = Fill(random, k * n);
        _c = new T[m * n];
        _transposedA = new T[m * k];
        _transposedB = new T[k * n];

        var (expected, bound) = Naive();
        Gemm();
        Verify(nameof(Gemm), expected, bound);
        TensorPrimitivesLoop();
        Verify(nameof(TensorPrimitivesLoop), expected, bound);
    }

    /// <summary>The replaced kernel: transposed copies where needed, then i-p-j TensorPrimitives.MultiplyAdd.</summary>
    /// <returns>An element of C.</returns>
    [Benchmark(Baseline = true)]
    public T TensorPrimitivesLoop()
    {
        var (m, n, k) = (Shape.M, Shape.N, Shape.K);
        var a = Shape.TransposeA ? Transpose(_a, k, m, _transposedA) : _a;
        var b = Shape.TransposeB ? Transpose(_b, n, k, _transposedB) : _b;
        var c = _c.AsSpan();
        c.Clear();
        for (var i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            for (var p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(b.AsSpan(p * n, n), a[(i * k) + p], row, row);
            }
        }

        return _c[0];
    }

    /// <summary>The GEMM, as <c>MatMul</c> calls it.</summary>
    /// <returns>An element of C.</returns>
    [Benchmark]
    public T Gemm()
    {
        MatMulKernel<T>.Multiply(_a, AutoGrad.Shape.Scalar, _b, AutoGrad.Shape.Scalar, _c, AutoGrad.Shape.Scalar, Shape.M, Shape.K, Shape.N, Shape.TransposeA, Shape.TransposeB);
        return _c[0];
    }

    /// <summary>
    /// C = op(A)·op(B) as a plain i-j-p loop in double, and for each element the rounding bound of any float (or double)
    /// summation order: (k + 2)·ε·Σ|A(i, p)·B(p, j)|, with ε the machine epsilon of T.
    /// </summary>
    private (double[] Expected, double[] Bound) Naive()
    {
        var (m, n, k) = (Shape.M, Shape.N, Shape.K);
        var epsilon = typeof(T) == typeof(float) ? Math.Pow(2, -23) : Math.Pow(2, -52);
        var expected = new double[m * n];
        var bound = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (var p = 0; p < k; p++)
                {
                    var x = double.CreateChecked(Shape.TransposeA ? _a[(p * m) + i] : _a[(i * k) + p]);
                    var y = double.CreateChecked(Shape.TransposeB ? _b[(j * k) + p] : _b[(p * n) + j]);
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }

                expected[(i * n) + j] = sum;
                bound[(i * n) + j] = (k + 2) * epsilon * magnitude;
            }
        }

        return (expected, bound);
    }

    private void Verify(string kernel, double[] expected, double[] bound)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            var actual = double.CreateChecked(_c[i]);
            if (!(Math.Abs(actual - expected[i]) <= bound[i]))
            {
                throw new InvalidOperationException($"{Shape}: {kernel} gives {actual} at {i}, the naive loop {expected[i]} (± {bound[i]}).");
            }
        }
    }

    private static T[] Transpose(T[] source, int rows, int cols, T[] destination)
    {
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                destination[(j * rows) + i] = source[(i * cols) + j];
            }
        }

        return destination;
    }

    private static T[] Fill(Random random, int length)
    {
        var values = new T[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = T.CreateChecked((2 * random.NextDouble()) - 1);
        }

        return values;
    }
}

/// <summary>A product op(A)·op(B) with op(A) m×k and op(B) k×n; a transposed operand is stored with its axes swapped.</summary>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">The reduction length.</param>
/// <param name="TransposeA">A is stored k×m and used transposed.</param>
/// <param name="TransposeB">B is stored n×k and used transposed.</param>
public sealed record GemmShape(int M, int N, int K, bool TransposeA, bool TransposeB) : IFlopCount
{
    /// <inheritdoc/>
    public double Flops => 2.0 * M * N * K;

    /// <summary>The stored operand shapes, a trailing T marking a transposed one: <c>[128,256]x[784,256]T</c>.</summary>
    /// <returns>The label shown in the results.</returns>
    public override string ToString() =>
        $"[{(TransposeA ? $"{K},{M}]T" : $"{M},{K}]")}x[{(TransposeB ? $"{N},{K}]T" : $"{K},{N}]")}";
}
