using System.Numerics.Tensors;

namespace AutoGrad;

// Elementwise functions declare f and f′ only; the engine's ElementwiseNode forms grad ⊙ f′(x, result).
// f′ is written with Variable operations, so it is differentiable again under createGraph; a mask built
// from values (Relu, Abs, Clamp, LeakyRelu) is a constant whose own derivative is zero.
//
//   Square(x)         x: grad ⊙ 2x
//   Sqrt(x)           x: grad ⊙ 0.5 / result
//   Reciprocal(x)     x: grad ⊙ -result²
//   Pow(x, p)         x: grad ⊙ p·x^(p-1)              (0 when p = 0)
//   Exp(x)            x: grad ⊙ result
//   Log(x)            x: grad ⊙ 1 / x
//   Abs(x)            x: grad ⊙ sign(x)                 (0 at x = 0)
//   Sin(x)            x: grad ⊙ cos x
//   Cos(x)            x: grad ⊙ -sin x
//   Tan(x)            x: grad ⊙ (1 + result²)
//   Tanh(x)           x: grad ⊙ (1 - result²)
//   Sigmoid(x)        x: grad ⊙ result·(1 - result)
//   Relu(x)           x: grad ⊙ [x > 0]                 (0 at x = 0)
//   LeakyRelu(x, a)   x: grad ⊙ (x > 0 ? 1 : a)         (a at x = 0)
//   Elu(x, a)         x: grad ⊙ (x > 0 ? 1 : result + a) (a at x = 0)
//   Softplus(x)       x: grad ⊙ sigmoid(x)
//   Erf(x)            x: grad ⊙ (2/√π)·exp(-x²)
//   Gelu(x)           x: grad ⊙ (Φ(x) + x·φ(x))         Φ, φ: standard normal CDF and density
//   Clamp(x, lo, hi)  x: grad ⊙ [lo ≤ x ≤ hi]           (1 at either bound)
//
// Values at kinks follow PyTorch, so ported code gets the same numbers; the table in the README and
// KinkConventionTests pin them.
public sealed partial class Variable<T>
{
    /// <summary>An elementwise function: its values (f) and its derivative (f′) side by side.</summary>
    internal abstract class ElementwiseFunction
    {
        public abstract string Name { get; }

        /// <summary>y = f(x), element by element.</summary>
        public abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

        /// <summary>f′ at each element, given the input and the forward result, as a variable of the input's shape.</summary>
        public abstract Variable<T> Derivative(Variable<T> x, Variable<T> result);

        /// <summary>Whether <see cref="RawDerivative"/> computes f′ directly (the fast path when no graph is built).</summary>
        public virtual bool HasRawDerivative => false;

        /// <summary>
        /// f′ into <paramref name="destination"/> from the input and result values, the same values
        /// <see cref="Derivative"/> gives (a test pins each against it).
        /// </summary>
        public virtual void RawDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> result, Span<T> destination) =>
            throw new NotSupportedException($"{Name} has no raw derivative.");
    }

    /// <summary>Applies an elementwise function and records it.</summary>
    internal Variable<T> Apply(ElementwiseFunction function)
    {
        var data = NewBuffer(Data.Length);
        function.Forward(Data, data);
        return Result(data, _shape, ShouldRecord(this) ? ElementwiseNode.Create(function, this) : null);
    }

    /// <summary>A constant (not recorded) of this variable's shape with <paramref name="f"/> applied to each value.</summary>
    internal Variable<T> Map(Func<T, T> f)
    {
        var data = NewBuffer(Data.Length);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = f(Data[i]);
        }

        return Result(data, _shape, node: null);
    }

    private static T Const(double value) => T.CreateChecked(value);

    /// <summary>Element-wise square, x².</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Square() => ScopeTape.For(this) is { } tape ? tape.Square(this) : Apply(SquareFunction.Instance);

    /// <summary>Element-wise square root (NaN for negative values).</summary>
    /// <returns>A new variable.</returns>
    /// <remarks>The derivative 1/(2√x) is +∞ at 0.</remarks>
    public Variable<T> Sqrt() => ScopeTape.For(this) is { } tape ? tape.Sqrt(this) : Apply(SqrtFunction.Instance);

    /// <summary>Element-wise reciprocal, 1/x.</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Reciprocal() => Apply(ReciprocalFunction.Instance);

    /// <summary>Element-wise power with a scalar exponent, x^p.</summary>
    /// <param name="exponent">The exponent p.</param>
    /// <returns>A new variable.</returns>
    /// <remarks>The derivative p·x^(p−1) is exactly 0 when p = 0, also at x = 0.</remarks>
    public Variable<T> Pow(T exponent) =>
        ScopeTape.For(this) is { } tape ? tape.Pow(this, exponent) : Apply(new PowScalarFunction(exponent));

    /// <summary>Element-wise natural exponential, eˣ.</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Exp() => ScopeTape.For(this) is { } tape ? tape.Exp(this) : Apply(ExpFunction.Instance);

    /// <summary>Element-wise natural logarithm (−∞ at 0, NaN for negative values).</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Log() => ScopeTape.For(this) is { } tape ? tape.Log(this) : Apply(LogFunction.Instance);

    /// <summary>Element-wise absolute value.</summary>
    /// <returns>A new variable.</returns>
    /// <remarks>Derivative sign(x), taken as 0 at x = 0 (PyTorch's convention).</remarks>
    public Variable<T> Abs() => ScopeTape.For(this) is { } tape ? tape.Abs(this) : Apply(AbsFunction.Instance);

    /// <summary>Element-wise sine (radians).</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Sin() => ScopeTape.For(this) is { } tape ? tape.Sin(this) : Apply(SinFunction.Instance);

    /// <summary>Element-wise cosine (radians).</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Cos() => ScopeTape.For(this) is { } tape ? tape.Cos(this) : Apply(CosFunction.Instance);

    /// <summary>Element-wise tangent (radians).</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Tan() => Apply(TanFunction.Instance);

    /// <summary>Element-wise hyperbolic tangent.</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Tanh() => ScopeTape.For(this) is { } tape ? tape.Tanh(this) : Apply(TanhFunction.Instance);

    /// <summary>Element-wise logistic sigmoid, 1/(1 + e⁻ˣ).</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Sigmoid() => ScopeTape.For(this) is { } tape ? tape.Sigmoid(this) : Apply(SigmoidFunction.Instance);

    /// <summary>Element-wise rectified linear unit, max(x, 0).</summary>
    /// <returns>A new variable.</returns>
    /// <remarks>Derivative 1 for x &gt; 0 and 0 otherwise, including at x = 0 (PyTorch's convention).</remarks>
    public Variable<T> Relu() => ScopeTape.For(this) is { } tape ? tape.Relu(this) : Apply(ReluFunction.Instance);

    /// <summary>Element-wise leaky ReLU: x for x &gt; 0, otherwise slope·x.</summary>
    /// <param name="negativeSlope">The slope for non-positive inputs (PyTorch's default 0.01).</param>
    /// <returns>A new variable.</returns>
    /// <remarks>Derivative 1 for x &gt; 0, otherwise the slope (also at x = 0).</remarks>
    public Variable<T> LeakyRelu(double negativeSlope = 0.01) => Apply(new LeakyReluFunction(Const(negativeSlope)));

    /// <summary>Element-wise exponential linear unit: x for x &gt; 0, otherwise α·(eˣ − 1).</summary>
    /// <param name="alpha">The scale α of the negative part (default 1).</param>
    /// <returns>A new variable.</returns>
    /// <remarks>Derivative 1 for x &gt; 0, otherwise α·eˣ (α at x = 0).</remarks>
    public Variable<T> Elu(double alpha = 1.0) => Apply(new EluFunction(Const(alpha)));

    /// <summary>Element-wise softplus, log(1 + eˣ), computed stably as max(x, 0) + log(1 + e^(−|x|)).</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Softplus() => Apply(SoftplusFunction.Instance);

    /// <summary>Element-wise error function, erf x = (2/√π)∫₀ˣ e^(−t²) dt.</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Erf() => Apply(ErfFunction.Instance);

    /// <summary>Element-wise Gaussian error linear unit in its exact (erf) form, x·Φ(x) with Φ the standard normal CDF.</summary>
    /// <returns>A new variable.</returns>
    /// <remarks>Φ(x) is computed as erfc(−x/√2)/2, which stays accurate for large negative x.</remarks>
    public Variable<T> Gelu() => Apply(GeluFunction.Instance);

    /// <summary>Element-wise standard normal CDF Φ(x) = erfc(−x/√2)/2.</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> NormalCdf() => Apply(NormalCdfFunction.Instance);

    /// <summary>Clamps every element into [min, max].</summary>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <returns>A new variable.</returns>
    /// <exception cref="ArgumentException">min &gt; max, or a bound is NaN.</exception>
    /// <remarks>The gradient passes where min ≤ x ≤ max, including at either bound (PyTorch's convention), and is 0 outside.</remarks>
    public Variable<T> Clamp(T min, T max)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"Clamp: min ({min}) must be less than or equal to max ({max}) (input shape {_shape}).");
        }

        return Apply(new ClampFunction(min, max));
    }

    /// <summary>Clamps every element from below: max(x, min).</summary>
    /// <param name="min">The lower bound.</param>
    /// <returns>A new variable.</returns>
    /// <remarks>The gradient passes where x ≥ min (including at the bound) and is 0 below it.</remarks>
    public Variable<T> ClampMin(T min) => Apply(new ClampFunction(min, T.PositiveInfinity));

    /// <summary>Clamps every element from above: min(x, max).</summary>
    /// <param name="max">The upper bound.</param>
    /// <returns>A new variable.</returns>
    /// <remarks>The gradient passes where x ≤ max (including at the bound) and is 0 above it.</remarks>
    public Variable<T> ClampMax(T max) => Apply(new ClampFunction(T.NegativeInfinity, max));

    private sealed class SquareFunction : ElementwiseFunction
    {
        public static readonly SquareFunction Instance = new();

        public override string Name => "Square";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Multiply(x, x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => x * Const(2);

        public override bool HasRawDerivative => true;

        public override void RawDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> result, Span<T> destination) =>
            TensorPrimitives.Multiply(x, Const(2), destination);
    }

    private sealed class SqrtFunction : ElementwiseFunction
    {
        public static readonly SqrtFunction Instance = new();

        public override string Name => "Sqrt";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => Const(0.5) / result;
    }

    private sealed class ReciprocalFunction : ElementwiseFunction
    {
        public static readonly ReciprocalFunction Instance = new();

        public override string Name => "Reciprocal";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Reciprocal(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => -result.Square();
    }

    private sealed class PowScalarFunction(T exponent) : ElementwiseFunction
    {
        public override string Name => "Pow";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Pow(x, exponent, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) =>
            T.IsZero(exponent) ? Result(NewZeroedBuffer(x.Length), x._shape, node: null) : x.Pow(exponent - T.One) * exponent;
    }

    private sealed class ExpFunction : ElementwiseFunction
    {
        public static readonly ExpFunction Instance = new();

        public override string Name => "Exp";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => result;

        public override bool HasRawDerivative => true;

        public override void RawDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> result, Span<T> destination) =>
            result.CopyTo(destination);
    }

    private sealed class LogFunction : ElementwiseFunction
    {
        public static readonly LogFunction Instance = new();

        public override string Name => "Log";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => x.Reciprocal();
    }

    private sealed class AbsFunction : ElementwiseFunction
    {
        public static readonly AbsFunction Instance = new();

        public override string Name => "Abs";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) =>
            x.Map(static v => v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero);
    }

    private sealed class SinFunction : ElementwiseFunction
    {
        public static readonly SinFunction Instance = new();

        public override string Name => "Sin";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sin(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => x.Cos();
    }

    private sealed class CosFunction : ElementwiseFunction
    {
        public static readonly CosFunction Instance = new();

        public override string Name => "Cos";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Cos(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => -x.Sin();
    }

    private sealed class TanFunction : ElementwiseFunction
    {
        public static readonly TanFunction Instance = new();

        public override string Name => "Tan";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tan(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => result.Square() + T.One;
    }

    private sealed class TanhFunction : ElementwiseFunction
    {
        public static readonly TanhFunction Instance = new();

        public override string Name => "Tanh";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => T.One - result.Square();

        public override bool HasRawDerivative => true;

        public override void RawDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> result, Span<T> destination)
        {
            TensorPrimitives.Multiply(result, result, destination);
            TensorPrimitives.Subtract(T.One, destination, destination);
        }
    }

    private sealed class SigmoidFunction : ElementwiseFunction
    {
        public static readonly SigmoidFunction Instance = new();

        public override string Name => "Sigmoid";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => result * (T.One - result);

        public override bool HasRawDerivative => true;

        public override void RawDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> result, Span<T> destination)
        {
            TensorPrimitives.Subtract(T.One, result, destination);
            TensorPrimitives.Multiply(result, destination, destination);
        }
    }

    private sealed class ReluFunction : ElementwiseFunction
    {
        public static readonly ReluFunction Instance = new();

        public override string Name => "Relu";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            // max(x, +0): NaN stays NaN and −0 becomes +0 (IEEE 754 maximum), as x > 0 ? x : 0 with NaN kept.
            TensorPrimitives.Max(x, T.Zero, y);
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => x.Map(static v => v > T.Zero ? T.One : T.Zero);

        public override bool HasRawDerivative => true;

        public override void RawDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> result, Span<T> destination)
        {
            for (var i = 0; i < x.Length; i++)
            {
                destination[i] = x[i] > T.Zero ? T.One : T.Zero;
            }
        }
    }

    private sealed class LeakyReluFunction(T slope) : ElementwiseFunction
    {
        public override string Name => "LeakyRelu";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                y[i] = x[i] > T.Zero ? x[i] : x[i] * slope;
            }
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => x.Map(v => v > T.Zero ? T.One : slope);
    }

    private sealed class EluFunction(T alpha) : ElementwiseFunction
    {
        public override string Name => "Elu";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                y[i] = x[i] > T.Zero ? x[i] : alpha * T.ExpM1(x[i]);
            }
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) =>
            Variable.Where(x > T.Zero, Scalar(T.One), result + alpha);
    }

    private sealed class SoftplusFunction : ElementwiseFunction
    {
        public static readonly SoftplusFunction Instance = new();

        public override string Name => "Softplus";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                var v = double.CreateChecked(x[i]);
                y[i] = T.CreateChecked(Math.Max(v, 0.0) + SpecialFunctions.Log1P(Math.Exp(-Math.Abs(v))));
            }
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => x.Sigmoid();
    }

    private sealed class ErfFunction : ElementwiseFunction
    {
        public static readonly ErfFunction Instance = new();

        public override string Name => "Erf";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                y[i] = T.CreateChecked(SpecialFunctions.Erf(double.CreateChecked(x[i])));
            }
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) =>
            (x.Square() * Const(-1)).Exp() * Const(2.0 / Math.Sqrt(Math.PI));
    }

    private sealed class NormalCdfFunction : ElementwiseFunction
    {
        public static readonly NormalCdfFunction Instance = new();

        public override string Name => "NormalCdf";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                y[i] = T.CreateChecked(Phi(double.CreateChecked(x[i])));
            }
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) => NormalDensity(x);

        internal static double Phi(double x) => 0.5 * SpecialFunctions.Erfc(-x * 0.70710678118654752440);

        /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
        internal static Variable<T> NormalDensity(Variable<T> x) =>
            (x.Square() * Const(-0.5)).Exp() * Const(0.39894228040143267794);
    }

    private sealed class GeluFunction : ElementwiseFunction
    {
        public static readonly GeluFunction Instance = new();

        public override string Name => "Gelu";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                var v = double.CreateChecked(x[i]);
                y[i] = T.CreateChecked(v * NormalCdfFunction.Phi(v));
            }
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) =>
            x.NormalCdf() + (x * NormalCdfFunction.NormalDensity(x));
    }

    private sealed class ClampFunction(T min, T max) : ElementwiseFunction
    {
        public override string Name => "Clamp";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            TensorPrimitives.Max(x, min, y);
            TensorPrimitives.Min(y, max, y);
        }

        public override Variable<T> Derivative(Variable<T> x, Variable<T> result) =>
            x.Map(v => v >= min && v <= max ? T.One : T.Zero);
    }
}
