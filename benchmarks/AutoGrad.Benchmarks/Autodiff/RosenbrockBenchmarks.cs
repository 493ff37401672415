using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks.Autodiff;

/// <summary>
/// Tape-overhead baseline: the generalized Rosenbrock function
/// f(x) = Σ_{i=0}^{n-2} [100 (x_{i+1} − x_i²)² + (1 − x_i)²], evaluated with plain doubles (value only),
/// with plain doubles plus a hand-derived gradient, and with AutoGrad (value and gradient by reverse mode): on n scalar
/// parameters, with nodes and on the rank-0 tape of a step scope; and on one vector parameter through the value-type
/// <see cref="Scalar{T}"/> of a <see cref="ScalarTape{T}"/>.
/// </summary>
/// <remarks>
/// The starting point is the classic x = (−1.2, 1.0, −1.2, 1.0, …). The AutoGrad version records about
/// nine scalar operations per term, so it measures the per-operation cost of the tape rather than any
/// vectorized kernel.
/// </remarks>
[MemoryDiagnoser]
public class RosenbrockBenchmarks
{
    private const double RelativeTolerance = 1e-9;

    private double[] _x = [];
    private double[] _handGrad = [];
    private Variable<double>[] _parameters = [];
    private Variable<double> _vector = null!;
    private ScalarTape<double> _tape = null!;
    private Scalar<double>[] _scalars = [];

    /// <summary>The number of variables n.</summary>
    [Params(2, 10_000)]
    public int N { get; set; }

    /// <summary>
    /// Creates the starting point and the n scalar parameters, then checks once that AutoGrad's value and
    /// gradient match the hand-derived ones to a relative 1e-9; throws otherwise, so wrong code is never timed.
    /// </summary>
    /// <exception cref="InvalidOperationException">AutoGrad disagrees with the hand-derived value or gradient.</exception>
    [GlobalSetup]
    public void Setup()
    {
        _x = new double[N];
        for (var i = 0; i < N; i++)
        {
            _x[i] = i % 2 == 0 ? -1.2 : 1.0;
        }

        _handGrad = new double[N];
        _parameters = new Variable<double>[N];
        for (var i = 0; i < N; i++)
        {
            _parameters[i] = Variable.Parameter(_x[i]);
        }

        _vector = Variable.Parameter(_x);
        _tape = new ScalarTape<double>();
        _scalars = new Scalar<double>[N];
        Verify();
    }

    /// <summary>The value only, with plain <see cref="double"/> arithmetic.</summary>
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

    /// <summary>The value plus the hand-derived gradient, written into a preallocated array.</summary>
    /// <returns>f(x) + ∂f/∂x₀, so neither the value nor the gradient is dead code.</returns>
    [Benchmark]
    public double HandGradient()
    {
        var f = ValueAndHandGradient(_x, _handGrad);
        return f + _handGrad[0];
    }

    /// <summary>
    /// The value and gradient by AutoGrad: zero the n parameters' gradients, build f element by element from
    /// scalar variables, and run the backward pass.
    /// </summary>
    /// <returns>f(x) + ∂f/∂x₀ as computed by AutoGrad.</returns>
    [Benchmark]
    public double AutoGradValueAndGradient()
    {
        var f = AutoGradForwardBackward(_parameters);
        return f.ToScalar() + _parameters[0].Grad!.ToScalar();
    }

    /// <summary>
    /// The same as <see cref="AutoGradValueAndGradient"/>, inside <c>Variable.StepScope(recycleVariables: true)</c>:
    /// the rank-0 operations go on the scalar tape (no node per operation), and in steady state nothing is allocated
    /// but the scope object itself.
    /// </summary>
    /// <returns>f(x) + ∂f/∂x₀ as computed by AutoGrad.</returns>
    [Benchmark]
    public double AutoGradStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        var f = AutoGradForwardBackward(_parameters);

        // Read the gradient as an optimizer does: handing it out through Grad would make the next ZeroGrad leave the
        // buffer to the caller and the next backward allocate a new one.
        return f.ToScalar() + _parameters[0].CurrentGrad!.ToScalar();
    }

    /// <summary>
    /// The value and gradient by AutoGrad's <see cref="ScalarTape{T}"/>: the same element-by-element code on
    /// <see cref="Scalar{T}"/> values watched from one vector parameter, inside <c>Variable.StepScope(recycleVariables:
    /// true)</c> (which pools the output variable and the gradient buffer; the tape reuses its own memory).
    /// </summary>
    /// <returns>f(x) + ∂f/∂x₀ as computed by AutoGrad.</returns>
    [Benchmark]
    public double AutoGradScalarTape()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        var f = ScalarTapeForwardBackward(_vector, _tape);
        return f.ToScalar() + _vector.CurrentGrad!.Values[0];
    }

    /// <summary>The same as <see cref="AutoGradScalarTape"/> without a step scope: the output variable, its node and the gradient buffer are allocated.</summary>
    /// <returns>f(x) + ∂f/∂x₀ as computed by AutoGrad.</returns>
    [Benchmark]
    public double AutoGradScalarTapeNoScope()
    {
        var f = ScalarTapeForwardBackward(_vector, _tape);
        return f.ToScalar() + _vector.CurrentGrad!.Values[0];
    }

    /// <summary>
    /// The scalar tape on the n scalar parameters of <see cref="AutoGradValueAndGradient"/>, each watched with
    /// <c>WatchScalar</c>, inside a recycling step scope: the cost of per-parameter bookkeeping against one vector.
    /// </summary>
    /// <returns>f(x) + ∂f/∂x₀ as computed by AutoGrad.</returns>
    [Benchmark]
    public double AutoGradScalarTapeScalarParameters()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        var f = ScalarTapeScalarParameters(_parameters, _tape, _scalars);
        return f.ToScalar() + _parameters[0].CurrentGrad!.ToScalar();
    }

    private static Variable<double> ScalarTapeScalarParameters(Variable<double>[] parameters, ScalarTape<double> tape, Scalar<double>[] scalars)
    {
        foreach (var p in parameters)
        {
            p.ZeroGrad();
        }

        tape.Reset();
        for (var i = 0; i < parameters.Length; i++)
        {
            scalars[i] = tape.WatchScalar(parameters[i]);
        }

        var f = tape.ToVariable(Rosenbrock(scalars));
        f.Backward();
        return f;
    }

    /// <summary>The same loop over an array of scalars.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar<double> Rosenbrock(Scalar<double>[] x)
    {
        Scalar<double> f = 0.0;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var a = x[i + 1] - x[i].Square();
            var b = 1.0 - x[i];
            f += (100.0 * a.Square()) + b.Square();
        }

        return f;
    }

    private static Variable<double> ScalarTapeForwardBackward(Variable<double> x, ScalarTape<double> tape)
    {
        x.ZeroGrad(setToNull: false);
        tape.Reset();
        var f = tape.ToVariable(Rosenbrock(tape.Watch(x)));
        f.Backward();
        return f;
    }

    /// <summary>The Rosenbrock function written element by element on the tape's scalars, as a user would.</summary>
    /// <remarks>
    /// Kept out of line, as the README advises for such loops: inlined into its caller, the loop pushes the JIT past its
    /// inlining budget, some scalar operators become calls, and the forward pass takes about twice as long (measured:
    /// 203–218 µs against 93 µs at n = 10,000).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar<double> Rosenbrock(ScalarVector<double> x)
    {
        Scalar<double> f = 0.0;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var a = x[i + 1] - x[i].Square();
            var b = 1.0 - x[i];
            f += (100.0 * a.Square()) + b.Square();
        }

        return f;
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

    private static Variable<double> AutoGradForwardBackward(Variable<double>[] x)
    {
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

    private void Verify()
    {
        var handValue = ValueAndHandGradient(_x, _handGrad);
        var plainValue = PlainValue();
        Check("PlainValue", plainValue, handValue);
        var f = AutoGradForwardBackward(_parameters);
        Check("AutoGrad value", f.ToScalar(), handValue);
        CheckGradients("AutoGrad");
        using (Variable.StepScope(recycleVariables: true))
        {
            f = AutoGradForwardBackward(_parameters);
            Check("AutoGrad (step scope) value", f.ToScalar(), handValue);
            CheckGradients("AutoGrad (step scope)");
        }

        using (Variable.StepScope(recycleVariables: true))
        {
            f = ScalarTapeScalarParameters(_parameters, _tape, _scalars);
            Check("AutoGrad ScalarTape on scalar parameters value", f.ToScalar(), handValue);
            CheckGradients("AutoGrad ScalarTape on scalar parameters");
        }

        foreach (var scoped in (ReadOnlySpan<bool>)[false, true])
        {
            using var scope = scoped ? Variable.StepScope(recycleVariables: true) : null;
            f = ScalarTapeForwardBackward(_vector, _tape);
            Check($"AutoGrad ScalarTape (step scope: {scoped}) value", f.ToScalar(), handValue);
            var grad = _vector.Grad ?? throw new InvalidOperationException($"Rosenbrock (n = {N}): ScalarTape produced no gradient.");
            for (var i = 0; i < N; i++)
            {
                Check($"AutoGrad ScalarTape ∂f/∂x[{i}]", grad.Values[i], _handGrad[i]);
            }
        }
    }

    private void CheckGradients(string what)
    {
        for (var i = 0; i < N; i++)
        {
            var grad = _parameters[i].Grad ?? throw new InvalidOperationException($"Rosenbrock (n = {N}): {what} produced no gradient for x[{i}].");
            Check($"{what} ∂f/∂x[{i}]", grad.ToScalar(), _handGrad[i]);
        }
    }

    private void Check(string what, double actual, double expected)
    {
        // Relative to |expected|, floored at 1 so an exactly-zero expected value does not demand exact equality.
        if (!(Math.Abs(actual - expected) <= RelativeTolerance * Math.Max(1.0, Math.Abs(expected))))
        {
            throw new InvalidOperationException($"Rosenbrock (n = {N}): {what} = {actual:R}, expected {expected:R} (relative tolerance {RelativeTolerance}).");
        }
    }
}
