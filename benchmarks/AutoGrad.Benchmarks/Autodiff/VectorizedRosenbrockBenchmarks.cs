using AutoGrad.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks.Autodiff;

/// <summary>
/// The generalized Rosenbrock function on n = 10⁶ doubles written with slices,
/// f(x) = Σ 100 (x[1:] − x[:-1]²)² + (1 − x[:-1])²: the value by a plain loop (the baseline), the value plus the
/// hand-derived gradient by a plain loop, AutoGrad's value under <see cref="Variable.NoGrad"/>, and AutoGrad's value
/// plus gradient (issue 5, target 4: AutoGrad's value + gradient within 3× of AutoGrad's value alone).
/// </summary>
/// <remarks>
/// The starting point is the classic x = (−1.2, 1.0, −1.2, 1.0, …). The slices x[1:] and x[:-1] have n − 1 = 999,999
/// elements, an odd length, so every vector loop runs its tail.
/// </remarks>
[MemoryDiagnoser]
public class VectorizedRosenbrockBenchmarks
{
    private double[] _x = [];
    private double[] _handGrad = [];
    private Variable<double> _parameter = null!;

    /// <summary>The number of variables n.</summary>
    [Params(1_000_000)]
    public int N { get; set; }

    /// <summary>
    /// Creates the starting point, then checks once that AutoGrad's value (with and without recording) and gradient
    /// match the plain loops' to a relative 1e-9; throws otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">AutoGrad disagrees with the plain loops.</exception>
    [GlobalSetup]
    public void Setup()
    {
        _x = new double[N];
        for (var i = 0; i < N; i++)
        {
            _x[i] = i % 2 == 0 ? -1.2 : 1.0;
        }

        _handGrad = new double[N];
        _parameter = Variable.Parameter(_x);
        Verify();
    }

    /// <summary>The value only, as a loop over a <see cref="double"/> array.</summary>
    /// <returns>f(x).</returns>
    [Benchmark(Baseline = true)]
    public double PlainValue()
    {
        var x = _x;
        var f = 0.0;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var a = x[i + 1] - (x[i] * x[i]);
            var b = 1.0 - x[i];
            f += (100.0 * a * a) + (b * b);
        }

        return f;
    }

    /// <summary>The value plus the hand-derived gradient, by a loop into a preallocated array.</summary>
    /// <returns>f(x) + ∂f/∂x₀.</returns>
    [Benchmark]
    public double HandValueAndGradient()
    {
        var f = ValueAndHandGradient(_x, _handGrad);
        return f + _handGrad[0];
    }

    /// <summary>AutoGrad's value from slices under NoGrad (nothing recorded).</summary>
    /// <returns>f(x).</returns>
    [Benchmark]
    public double AutoGradValue()
    {
        using (Variable.NoGrad())
        {
            return Rosenbrock(_parameter).ToScalar();
        }
    }

    /// <summary>AutoGrad's value and gradient: zero the gradient, build f from slices, run the backward pass.</summary>
    /// <returns>f(x) + ∂f/∂x₀.</returns>
    [Benchmark]
    public double AutoGradValueAndGradient()
    {
        var f = AutoGradForwardBackward();
        return f.ToScalar() + _parameter.Grad!.Values[0];
    }

    private static Variable<double> Rosenbrock(Variable<double> x)
    {
        var head = x[..^1];
        var a = x[1..] - head.Square();
        var b = 1.0 - head;
        return ((100.0 * a.Square()) + b.Square()).Sum();
    }

    private static double ValueAndHandGradient(double[] x, double[] grad)
    {
        var n = x.Length;
        var f = 0.0;
        Array.Clear(grad);
        for (var i = 0; i < n - 1; i++)
        {
            var a = x[i + 1] - (x[i] * x[i]);
            var b = 1.0 - x[i];
            f += (100.0 * a * a) + (b * b);
            grad[i] += (-400.0 * x[i] * a) - (2.0 * b);
            grad[i + 1] += 200.0 * a;
        }

        return f;
    }

    private Variable<double> AutoGradForwardBackward()
    {
        _parameter.ZeroGrad();
        var f = Rosenbrock(_parameter);
        f.Backward();
        return f;
    }

    private void Verify()
    {
        const double Tolerance = 1e-9;
        var handValue = ValueAndHandGradient(_x, _handGrad);
        Check.Close($"Rosenbrock (n = {N}) PlainValue", PlainValue(), handValue, Tolerance);
        Check.Close($"Rosenbrock (n = {N}) AutoGradValue", AutoGradValue(), handValue, Tolerance);
        var f = AutoGradForwardBackward();
        Check.Close($"Rosenbrock (n = {N}) AutoGrad value with recording", f.ToScalar(), handValue, Tolerance);
        var grad = _parameter.Grad ?? throw new InvalidOperationException($"Rosenbrock (n = {N}): AutoGrad produced no gradient.");
        Check.Close($"Rosenbrock (n = {N}) AutoGrad gradient", grad.Values, _handGrad, Tolerance);
    }
}
