using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace AutoGrad;

/// <summary>
/// A scalar recorded on a <see cref="ScalarTape{T}"/>: a value type with the usual operators and math functions, for
/// losses written element by element over thousands of scalars, where a <see cref="Variable{T}"/> per operation would
/// cost more than the arithmetic itself.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// <para>
/// Get scalars from <see cref="ScalarTape{T}.Watch(Variable{T})"/> (the elements of a variable) or from a
/// <typeparamref name="T"/> (an implicit conversion makes a constant), combine them with ordinary C#, and turn the
/// result back into a variable with <see cref="ScalarTape{T}.ToVariable(Scalar{T})"/>; its <c>Backward()</c> sends
/// the gradients to the watched variables.
/// </para>
/// <para>
/// An operation costs a few nanoseconds: it computes its value and local partial derivatives at once. A scalar
/// carries its derivative with respect to one tape slot (its scale), so a function of one scalar (<c>Square</c>,
/// <c>Exp</c>, <c>Relu</c>, …) and an operation with a constant (<c>x + 1</c>, <c>2 * x</c>, <c>x / 4</c>) record
/// nothing: they multiply the scale by the local derivative. An operation on two scalars of the tape appends one entry
/// (two input slots, two partial derivatives). An infinite or NaN derivative (<c>Sqrt</c> at 0, <c>x / 0</c>), or a
/// scale that would overflow or underflow, records an entry, so that the backward pass applies the chain rule factor
/// by factor. A <c>default</c> scalar is the constant zero.
/// </para>
/// <para>
/// A scalar belongs to its tape: combining scalars of two tapes, or recording an operation on one after its tape was
/// <see cref="ScalarTape{T}.Reset"/>, throws <see cref="InvalidOperationException"/>. Its <see cref="Value"/> is a
/// plain number and stays readable, and so does an operation that records nothing (with constants, or a function of
/// one scalar), though its result still belongs to the ended recording.
/// </para>
/// <para>
/// Derivatives match the <see cref="Variable{T}"/> operations of the same name, kinks included: <c>Abs</c> and
/// <c>Relu</c> have derivative 0 at 0, <c>Max</c> and <c>Min</c> split the gradient at ties, and a zero partial
/// derivative absorbs an infinite or NaN gradient (as everywhere in AutoGrad). The partials are computed during the
/// forward pass, and multiplied along chains of one-input functions before the backward pass multiplies them by the
/// gradient, so rounding can differ from the <see cref="Variable{T}"/> path in the last bits (including the order in
/// which a slot's contributions are summed), and gradients of gradients (<c>createGraph</c>) are not available.
/// </para>
/// </remarks>
public readonly struct Scalar<T> : IFormattable
    where T : IFloatingPointIeee754<T>
{
    // The scalar is _value, whose derivative with respect to the tape slot at _index is _scale: a tape result or an
    // input has scale 1, and functions of one scalar (x + c, c · x, -x, x / c, x², eˣ, …) change only the value and the
    // scale, without recording. The scale is always finite, and zero only when a factor on its path is (see Scaled).
    // A constant has no tape.
    internal readonly ScalarTape<T>? _tape;
    internal readonly long _index;
    internal readonly T _value;
    internal readonly T _scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Scalar(ScalarTape<T>? tape, long index, T value, T scale)
    {
        _tape = tape;
        _index = index;
        _value = value;
        _scale = scale;
    }

    /// <summary>A constant (nothing flows back to it).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scalar(T value)
        : this(null, 0, value, T.Zero)
    {
    }

    /// <summary>The value.</summary>
    public T Value => _value;

    /// <summary>Whether this scalar is a constant, that is, depends on no watched variable.</summary>
    public bool IsConstant => _tape is null;

    /// <summary>The tape that records operations on this scalar, or null for a constant.</summary>
    public ScalarTape<T>? Tape => _tape;

    /// <summary>A constant.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator Scalar<T>(T value) => new(null, 0, value, T.Zero);

    /// <summary>The value (the same as <see cref="Value"/>).</summary>
    /// <param name="x">The scalar.</param>
    public static explicit operator T(Scalar<T> x) => x._value;

    // ----- Arithmetic -----

    /// <summary>The sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator +(Scalar<T> x, Scalar<T> y)
    {
        if (x._tape is null)
        {
            return new(y._tape, y._index, x._value + y._value, y._scale);
        }

        if (y._tape is null)
        {
            return new(x._tape, x._index, x._value + y._value, x._scale);
        }

        return x._tape.Binary(x._index, y._tape, y._index, x._value + y._value, x._scale, y._scale);
    }

    /// <summary>The sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator +(Scalar<T> x, T c) => new(x._tape, x._index, x._value + c, x._scale);

    /// <summary>The sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator +(T c, Scalar<T> y) => new(y._tape, y._index, c + y._value, y._scale);

    /// <summary>The difference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator -(Scalar<T> x, Scalar<T> y)
    {
        if (x._tape is null)
        {
            return new(y._tape, y._index, x._value - y._value, -y._scale);
        }

        if (y._tape is null)
        {
            return new(x._tape, x._index, x._value - y._value, x._scale);
        }

        return x._tape.Binary(x._index, y._tape, y._index, x._value - y._value, x._scale, -y._scale);
    }

    /// <summary>The difference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator -(Scalar<T> x, T c) => new(x._tape, x._index, x._value - c, x._scale);

    /// <summary>The difference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator -(T c, Scalar<T> y) => new(y._tape, y._index, c - y._value, -y._scale);

    /// <summary>The negation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator -(Scalar<T> x) => new(x._tape, x._index, -x._value, -x._scale);

    /// <summary>The scalar itself.</summary>
    public static Scalar<T> operator +(Scalar<T> x) => x;

    /// <summary>The product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator *(Scalar<T> x, Scalar<T> y)
    {
        if (x._tape is null)
        {
            return Scaled(y._tape, y._index, x._value * y._value, x._value * y._scale, x._value, y._scale);
        }

        if (y._tape is null)
        {
            return Scaled(x._tape, x._index, x._value * y._value, x._scale * y._value, y._value, x._scale);
        }

        return Product(x._tape, x._index, y._value, x._scale, y._tape, y._index, x._value, y._scale, x._value * y._value);
    }

    /// <summary>The product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator *(Scalar<T> x, T c) => Scaled(x._tape, x._index, x._value * c, x._scale * c, c, x._scale);

    /// <summary>The product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator *(T c, Scalar<T> y) => Scaled(y._tape, y._index, c * y._value, c * y._scale, c, y._scale);

    /// <summary>The quotient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator /(Scalar<T> x, Scalar<T> y)
    {
        if (y._tape is null)
        {
            return x / y._value;
        }

        var vy = y._value;
        var result = x._value / vy;
        var py = -(result / vy);
        return x._tape is null
            ? Scaled(y._tape, y._index, result, py * y._scale, py, y._scale)
            : Product(x._tape, x._index, T.One / vy, x._scale, y._tape, y._index, py, y._scale, result);
    }

    /// <summary>The quotient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator /(Scalar<T> x, T c) =>
        Scaled(x._tape, x._index, x._value / c, x._scale / c, T.One / c, x._scale);

    /// <summary>The quotient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator /(T c, Scalar<T> y) => new Scalar<T>(c) / y;

    // ----- Comparisons (of values; they record nothing) -----

    /// <summary>Compares the values.</summary>
    public static bool operator <(Scalar<T> x, Scalar<T> y) => x._value < y._value;

    /// <summary>Compares the values.</summary>
    public static bool operator >(Scalar<T> x, Scalar<T> y) => x._value > y._value;

    /// <summary>Compares the values.</summary>
    public static bool operator <=(Scalar<T> x, Scalar<T> y) => x._value <= y._value;

    /// <summary>Compares the values.</summary>
    public static bool operator >=(Scalar<T> x, Scalar<T> y) => x._value >= y._value;

    // ----- Functions (the derivative of each matches the Variable<T> operation of the same name) -----

    /// <summary>x².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scalar<T> Square()
    {
        var v = _value;
        return Unary(v * v, v * T.CreateTruncating(2));
    }

    /// <summary>√x.</summary>
    public Scalar<T> Sqrt()
    {
        var result = T.Sqrt(_value);
        return Unary(result, T.CreateTruncating(0.5) / result);
    }

    /// <summary>1 / x.</summary>
    public Scalar<T> Reciprocal()
    {
        var result = T.One / _value;
        return Unary(result, -(result * result));
    }

    /// <summary>eˣ.</summary>
    public Scalar<T> Exp()
    {
        var result = T.Exp(_value);
        return Unary(result, result);
    }

    /// <summary>The natural logarithm.</summary>
    public Scalar<T> Log() => Unary(T.Log(_value), T.One / _value);

    /// <summary>The sine.</summary>
    public Scalar<T> Sin() => Unary(T.Sin(_value), T.Cos(_value));

    /// <summary>The cosine.</summary>
    public Scalar<T> Cos() => Unary(T.Cos(_value), -T.Sin(_value));

    /// <summary>The tangent.</summary>
    public Scalar<T> Tan()
    {
        var result = T.Tan(_value);
        return Unary(result, (result * result) + T.One);
    }

    /// <summary>The hyperbolic tangent.</summary>
    public Scalar<T> Tanh()
    {
        var result = T.Tanh(_value);
        return Unary(result, T.One - (result * result));
    }

    /// <summary>The logistic function 1 / (1 + e⁻ˣ).</summary>
    public Scalar<T> Sigmoid()
    {
        var result = T.One / (T.One + T.Exp(-_value));
        return Unary(result, result * (T.One - result));
    }

    /// <summary>log(1 + eˣ), computed without overflow; its derivative is the sigmoid.</summary>
    public Scalar<T> Softplus()
    {
        var v = double.CreateChecked(_value);
        var result = T.CreateChecked(Math.Max(v, 0.0) + SpecialFunctions.Log1P(Math.Exp(-Math.Abs(v))));
        return Unary(result, T.One / (T.One + T.Exp(-_value)));
    }

    /// <summary>|x|, with derivative 0 at 0.</summary>
    public Scalar<T> Abs()
    {
        var v = _value;
        return Unary(T.Abs(v), v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero);
    }

    /// <summary>max(x, 0), with derivative 0 at 0; NaN stays NaN.</summary>
    public Scalar<T> Relu()
    {
        var v = _value;
        return Unary(v > T.Zero || T.IsNaN(v) ? v : T.Zero, v > T.Zero ? T.One : T.Zero);
    }

    /// <summary>x for x &gt; 0, otherwise <paramref name="negativeSlope"/>·x (derivative <paramref name="negativeSlope"/> at 0).</summary>
    /// <param name="negativeSlope">The slope for x ≤ 0.</param>
    public Scalar<T> LeakyRelu(double negativeSlope = 0.01)
    {
        var v = _value;
        var slope = T.CreateChecked(negativeSlope);
        return Unary(v > T.Zero ? v : v * slope, v > T.Zero ? T.One : slope);
    }

    /// <summary>x for x &gt; 0, otherwise α(eˣ − 1) (derivative α·eˣ below 0, and at 0).</summary>
    /// <param name="alpha">α.</param>
    public Scalar<T> Elu(double alpha = 1.0)
    {
        var v = _value;
        var a = T.CreateChecked(alpha);
        var result = v > T.Zero ? v : a * T.ExpM1(v);
        return Unary(result, v > T.Zero ? T.One : result + a);
    }

    /// <summary>The error function erf(x).</summary>
    public Scalar<T> Erf()
    {
        var v = _value;
        return Unary(T.CreateChecked(SpecialFunctions.Erf(double.CreateChecked(v))), T.Exp(v * v * -T.One) * T.CreateChecked(2.0 / Math.Sqrt(Math.PI)));
    }

    /// <summary>The standard normal CDF Φ(x) = erfc(−x/√2)/2.</summary>
    public Scalar<T> NormalCdf()
    {
        var v = _value;
        return Unary(T.CreateChecked(Phi(double.CreateChecked(v))), NormalDensity(v));
    }

    /// <summary>GELU in its exact (erf) form, x·Φ(x).</summary>
    public Scalar<T> Gelu()
    {
        var v = _value;
        var d = double.CreateChecked(v);
        return Unary(T.CreateChecked(d * Phi(d)), T.CreateChecked(Phi(d)) + (v * NormalDensity(v)));
    }

    /// <summary>x clamped into [min, max]; the gradient passes where min ≤ x ≤ max, bounds included, and is 0 outside.</summary>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <exception cref="ArgumentException">min &gt; max, or a bound is NaN.</exception>
    public Scalar<T> Clamp(T min, T max)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"Scalar.Clamp: min ({min}) must be less than or equal to max ({max}).");
        }

        return ClampCore(min, max);
    }

    /// <summary>max(x, min); the gradient passes where x ≥ min, the bound included.</summary>
    /// <param name="min">The lower bound.</param>
    public Scalar<T> ClampMin(T min) => ClampCore(min, T.PositiveInfinity);

    /// <summary>min(x, max); the gradient passes where x ≤ max, the bound included.</summary>
    /// <param name="max">The upper bound.</param>
    public Scalar<T> ClampMax(T max) => ClampCore(T.NegativeInfinity, max);

    /// <summary>xᵖ for a constant exponent.</summary>
    /// <param name="exponent">The exponent p.</param>
    public Scalar<T> Pow(T exponent)
    {
        var v = _value;
        return Unary(T.Pow(v, exponent), T.IsZero(exponent) ? T.Zero : T.Pow(v, exponent - T.One) * exponent);
    }

    /// <summary>xʸ; the derivative with respect to y is xʸ·log x, NaN for a non-positive base.</summary>
    /// <param name="exponent">The exponent y.</param>
    public Scalar<T> Pow(Scalar<T> exponent)
    {
        if (exponent._tape is null)
        {
            return Pow(exponent._value);
        }

        var v = _value;
        var y = exponent._value;
        var result = T.Pow(v, y);
        var py = result * T.Log(v);
        return _tape is null
            ? Scaled(exponent._tape, exponent._index, result, py * exponent._scale, py, exponent._scale)
            : Product(_tape, _index, Chain(y, T.Pow(v, y - T.One)), _scale, exponent._tape, exponent._index, py, exponent._scale, result);
    }

    /// <summary>The value, formatted as <typeparamref name="T"/>.</summary>
    public override string ToString() => _value.ToString(null, CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => _value.ToString(format, formatProvider);

    /// <summary>The larger of two scalars; at a tie the gradient is split equally, and NaN propagates.</summary>
    internal static Scalar<T> Extremum(Scalar<T> x, Scalar<T> y, bool maximum)
    {
        T vx = x._value, vy = y._value;
        var half = T.CreateTruncating(0.5);
        // As Variable<T>.Maximum/Minimum: the loser gets 0, a tie ½ each, and anything else (NaN involved) 1.
        var wx = (maximum ? vx < vy : vx > vy) ? T.Zero : vx == vy ? half : T.One;
        var wy = (maximum ? vx > vy : vx < vy) ? T.Zero : vx == vy ? half : T.One;
        var value = maximum ? T.Max(vx, vy) : T.Min(vx, vy);
        if (x._tape is null)
        {
            return Scaled(y._tape, y._index, value, wy * y._scale, wy, y._scale);
        }

        return y._tape is null
            ? Scaled(x._tape, x._index, value, wx * x._scale, wx, x._scale)
            : Product(x._tape, x._index, wx, x._scale, y._tape, y._index, wy, y._scale, value);
    }

    private Scalar<T> ClampCore(T min, T max)
    {
        var v = _value;
        return Unary(T.Min(T.Max(v, min), max), v >= min && v <= max ? T.One : T.Zero);
    }

    /// <summary>Φ(x), as <see cref="Variable{T}.NormalCdf"/> computes it.</summary>
    private static double Phi(double x) => 0.5 * SpecialFunctions.Erfc(-x * 0.70710678118654752440);

    /// <summary>φ(x) = e^(−x²/2)/√(2π), in the order <see cref="Variable{T}.NormalCdf"/>'s derivative uses.</summary>
    private static T NormalDensity(T x) => T.Exp(x * x * T.CreateChecked(-0.5)) * T.CreateChecked(0.39894228040143267794);

    /// <summary>A function of this scalar alone with local derivative <paramref name="derivative"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Scalar<T> Unary(T value, T derivative) => Scaled(_tape, _index, value, derivative * _scale, derivative, _scale);

    /// <summary>
    /// The scalar <paramref name="value"/> whose derivative with respect to slot <paramref name="index"/> of
    /// <paramref name="tape"/> is <paramref name="product"/> = <paramref name="factor"/> · <paramref name="scale"/> (a
    /// local derivative times the input's scale), folded into the scalar without recording; a constant without a tape.
    /// </summary>
    /// <remarks>
    /// Every scale is finite, and it is zero only when a factor on its path is zero: a zero factor or scale gives scale
    /// 0 (the chain-rule product, where a zero absorbs ∞ and NaN). A product that overflows or underflows, or an infinite
    /// or NaN factor, goes to <see cref="ScalarTape{T}.Rescale"/>, which records entries so that the sweep applies the
    /// factors one at a time.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Scalar<T> Scaled(ScalarTape<T>? tape, long index, T value, T product, T factor, T scale)
    {
        if (tape is null)
        {
            return new(value);
        }

        var magnitude = T.Abs(product);
        if (magnitude > T.Zero && magnitude < T.PositiveInfinity)
        {
            return new(tape, index, value, product);
        }

        if (T.IsZero(factor) || T.IsZero(scale))
        {
            // A zero derivative (Relu below 0, x² at 0, a zero constant): nothing to record. ChainMultiply's +0 when
            // the other factor is ∞ or NaN, otherwise the product's own signed zero.
            return new(tape, index, value, T.IsNaN(product) ? T.Zero : product);
        }

        return tape.Rescale(index, value, factor, scale);
    }

    /// <summary>
    /// A function of two scalars of one tape with local partial derivatives <paramref name="px"/> and
    /// <paramref name="py"/>: one entry whose partials are those times the inputs' scales when both products are
    /// finite and nonzero, and otherwise <see cref="ScalarTape{T}.BinaryRare"/>, which keeps the chain rule exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Scalar<T> Product(ScalarTape<T> xTape, long x, T px, T sx, ScalarTape<T>? yTape, long y, T py, T sy, T value)
    {
        T dx = px * sx, dy = py * sy;
        return T.Abs(dx) + T.Abs(dy) < T.PositiveInfinity && !T.IsZero(dx) && !T.IsZero(dy)
            ? xTape.Binary(x, yTape, y, value, dx, dy)
            : xTape.BinaryRare(x, px, sx, yTape, y, py, sy, value);
    }

    /// <summary>
    /// a · b, except that a zero factor gives zero even against ∞ or NaN: the chain-rule product of AutoGrad's
    /// backward rules.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Chain(T a, T b) => BinaryKernels.ChainMultiply<T>.Invoke(a, b);
}

/// <summary>Functions of two <see cref="Scalar{T}"/> values.</summary>
public static class Scalar
{
    /// <summary>The larger of <paramref name="x"/> and <paramref name="y"/>; at a tie the gradient is split equally, and NaN propagates.</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="x">The first scalar.</param>
    /// <param name="y">The second scalar.</param>
    /// <returns>max(x, y).</returns>
    public static Scalar<T> Max<T>(Scalar<T> x, Scalar<T> y)
        where T : IFloatingPointIeee754<T> => Scalar<T>.Extremum(x, y, maximum: true);

    /// <summary>The smaller of <paramref name="x"/> and <paramref name="y"/>; at a tie the gradient is split equally, and NaN propagates.</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="x">The first scalar.</param>
    /// <param name="y">The second scalar.</param>
    /// <returns>min(x, y).</returns>
    public static Scalar<T> Min<T>(Scalar<T> x, Scalar<T> y)
        where T : IFloatingPointIeee754<T> => Scalar<T>.Extremum(x, y, maximum: false);
}
