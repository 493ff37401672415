using AutoGrad;
using AutoGrad.Tests.TestUtilities;
using CsCheck;

namespace AutoGrad.Tests.Autodiff;

/// <summary>
/// The operators and functions of <see cref="Scalar{T}"/> on a <see cref="ScalarTape{T}"/>, one at a time and in short
/// chains: the value is the plain-double computation of the same expression (bitwise), the gradient agrees with central
/// finite differences of that computation and with the <see cref="Variable{T}"/> operation of the same name, and at
/// kinks and non-finite values the tape gives exactly what the <see cref="Variable{T}"/> path gives.
/// </summary>
[Collection(SerialCollection.Name)]
public class ScalarTapeFunctionTests
{
    private const double C = 1.75;
    private const double K = -2.5;
    private const double D = 3.0;

    // Argument domains: each op is sampled where it is smooth (kinks have their own tests below).
    private static readonly Gen<double> s_any = Gen.Double[-3, 3];
    private static readonly Gen<double> s_positive = Gen.Double[0.1, 5];
    private static readonly Gen<double> s_awayFromZero = Gen.Select(Gen.Double[0.2, 5], Gen.Bool, (m, negative) => negative ? -m : m);
    private static readonly Gen<double> s_awayFromKink = s_any.Where(v => Math.Abs(v) > 0.01);
    private static readonly Gen<double> s_awayFromC = s_any.Where(v => Math.Abs(v - C) > 0.01);

    /// <summary>One row per case of <see cref="s_cases"/>.</summary>
    public static TheoryData<string> CaseNames => [.. s_cases.Select(c => c.Name)];

    /// <summary>One row per case of <see cref="s_kinks"/>.</summary>
    public static TheoryData<string> KinkNames => [.. s_kinks.Keys];

    private static readonly Case[] s_cases =
    [
        // Two scalars of the tape.
        new("x + y", Args(s_any, s_any), s => s[0] + s[1], v => v[0] + v[1], p => p[0] + p[1]),
        new("x - y", Args(s_any, s_any), s => s[0] - s[1], v => v[0] - v[1], p => p[0] - p[1]),
        new("x * y", Args(s_any, s_any), s => s[0] * s[1], v => v[0] * v[1], p => p[0] * p[1]),
        new("x / y", Args(s_any, s_awayFromZero), s => s[0] / s[1], v => v[0] / v[1], p => p[0] / p[1]),

        // A constant T on either side (folded into the scalar, nothing recorded).
        new("x + c", Args(s_any), s => s[0] + C, v => v[0] + C, p => p[0] + C),
        new("c + x", Args(s_any), s => C + s[0], v => C + v[0], p => C + p[0]),
        new("x - c", Args(s_any), s => s[0] - C, v => v[0] - C, p => p[0] - C),
        new("c - x", Args(s_any), s => C - s[0], v => C - v[0], p => C - p[0]),
        new("x * c", Args(s_any), s => s[0] * K, v => v[0] * K, p => p[0] * K),
        new("c * x", Args(s_any), s => K * s[0], v => K * v[0], p => K * p[0]),
        new("x / c", Args(s_any), s => s[0] / D, v => v[0] / D, p => p[0] / D),
        new("c / x", Args(s_awayFromZero), s => D / s[0], v => D / v[0], p => D / p[0]),

        // A constant Scalar (the implicit conversion) on either side: the Scalar ∘ Scalar operators with one constant.
        new("x + S(c)", Args(s_any), s => s[0] + S(C), v => v[0] + C, p => p[0] + C),
        new("S(c) + x", Args(s_any), s => S(C) + s[0], v => C + v[0], p => C + p[0]),
        new("x - S(c)", Args(s_any), s => s[0] - S(C), v => v[0] - C, p => p[0] - C),
        new("S(c) - x", Args(s_any), s => S(C) - s[0], v => C - v[0], p => C - p[0]),
        new("x * S(c)", Args(s_any), s => s[0] * S(K), v => v[0] * K, p => p[0] * K),
        new("S(c) * x", Args(s_any), s => S(K) * s[0], v => K * v[0], p => K * p[0]),
        new("x / S(c)", Args(s_any), s => s[0] / S(D), v => v[0] / D, p => p[0] / D),
        new("S(c) / x", Args(s_awayFromZero), s => S(D) / s[0], v => D / v[0], p => D / p[0]),

        // Signs.
        new("-x", Args(s_any), s => -s[0], v => -v[0], p => -p[0]),
        new("+x", Args(s_any), s => +s[0], v => +v[0], p => +p[0]),

        // The same scalar twice: both partials land on one slot.
        new("x + x", Args(s_any), s => s[0] + s[0], v => v[0] + v[0], p => p[0] + p[0]),
        new("x - x", Args(s_any), s => s[0] - s[0], v => v[0] - v[0], p => p[0] - p[0]),
        new("x * x", Args(s_any), s => s[0] * s[0], v => v[0] * v[0], p => p[0] * p[0]),
        new("x / x", Args(s_awayFromZero), s => s[0] / s[0], v => v[0] / v[0], p => p[0] / p[0]),
        new("Max(x, x)", Args(s_any), s => Scalar.Max(s[0], s[0]), v => Variable.Maximum(v[0], v[0]), p => Math.Max(p[0], p[0])),
        new("Min(x, x)", Args(s_any), s => Scalar.Min(s[0], s[0]), v => Variable.Minimum(v[0], v[0]), p => Math.Min(p[0], p[0])),
        new("Pow(x, x)", Args(s_positive), s => s[0].Pow(s[0]), v => v[0].Pow(v[0]), p => Math.Pow(p[0], p[0])),

        // Functions.
        new("Square", Args(s_any), s => s[0].Square(), v => v[0].Square(), p => p[0] * p[0]),
        new("Sqrt", Args(s_positive), s => s[0].Sqrt(), v => v[0].Sqrt(), p => Math.Sqrt(p[0])),
        new("Reciprocal", Args(s_awayFromZero), s => s[0].Reciprocal(), v => v[0].Reciprocal(), p => 1.0 / p[0]),
        new("Exp", Args(s_any), s => s[0].Exp(), v => v[0].Exp(), p => Math.Exp(p[0])),
        new("Log", Args(s_positive), s => s[0].Log(), v => v[0].Log(), p => Math.Log(p[0])),
        new("Sin", Args(s_any), s => s[0].Sin(), v => v[0].Sin(), p => Math.Sin(p[0])),
        new("Cos", Args(s_any), s => s[0].Cos(), v => v[0].Cos(), p => Math.Cos(p[0])),
        new("Tan", Args(Gen.Double[-1.3, 1.3]), s => s[0].Tan(), v => v[0].Tan(), p => Math.Tan(p[0])),
        new("Tanh", Args(s_any), s => s[0].Tanh(), v => v[0].Tanh(), p => Math.Tanh(p[0])),
        new("Sigmoid", Args(Gen.Double[-10, 10]), s => s[0].Sigmoid(), v => v[0].Sigmoid(), p => 1.0 / (1.0 + Math.Exp(-p[0]))),

        // The tape computes softplus stably (max(x, 0) + log1p(e^(−|x|))); the oracle is the textbook log(1 + eˣ), which
        // is a different expression, so the values agree to a few ulps rather than bitwise.
        new("Softplus", Args(Gen.Double[-10, 10]), s => s[0].Softplus(), v => v[0].Softplus(), p => Math.Log(1.0 + Math.Exp(p[0])), SameExpression: false),
        new("Abs", Args(s_awayFromKink), s => s[0].Abs(), v => v[0].Abs(), p => Math.Abs(p[0])),
        new("Relu", Args(s_awayFromKink), s => s[0].Relu(), v => v[0].Relu(), p => Math.Max(p[0], 0.0)),
        new("LeakyRelu(0.1)", Args(s_awayFromKink), s => s[0].LeakyRelu(0.1), v => v[0].LeakyRelu(0.1), p => p[0] > 0 ? p[0] : p[0] * 0.1),
        new("Elu(1.5)", Args(s_awayFromKink), s => s[0].Elu(1.5), v => v[0].Elu(1.5), p => p[0] > 0 ? p[0] : 1.5 * double.ExpM1(p[0])),

        // Erf, Φ and GELU have no System.Math counterpart: the oracle is the library's own double-precision erf/erfc
        // (SpecialFunctions), so the value check is trivial, but the derivative is still checked against central
        // differences of that oracle and against the Variable op.
        new("Erf", Args(s_any), s => s[0].Erf(), v => v[0].Erf(), p => SpecialFunctions.Erf(p[0])),
        new("NormalCdf", Args(s_any), s => s[0].NormalCdf(), v => v[0].NormalCdf(), p => 0.5 * SpecialFunctions.Erfc(-p[0] * 0.70710678118654752440)),
        new("Gelu", Args(s_any), s => s[0].Gelu(), v => v[0].Gelu(), p => p[0] * (0.5 * SpecialFunctions.Erfc(-p[0] * 0.70710678118654752440))),
        new("Clamp(-1, 2)", Args(s_any.Where(v => Math.Abs(v + 1) > 0.01 && Math.Abs(v - 2) > 0.01)), s => s[0].Clamp(-1.0, 2.0), v => v[0].Clamp(-1.0, 2.0), p => Math.Min(Math.Max(p[0], -1.0), 2.0)),
        new("ClampMin(0.5)", Args(s_any.Where(v => Math.Abs(v - 0.5) > 0.01)), s => s[0].ClampMin(0.5), v => v[0].ClampMin(0.5), p => Math.Max(p[0], 0.5)),
        new("ClampMax(0.5)", Args(s_any.Where(v => Math.Abs(v - 0.5) > 0.01)), s => s[0].ClampMax(0.5), v => v[0].ClampMax(0.5), p => Math.Min(p[0], 0.5)),
        new("Pow(2.5)", Args(s_positive), s => s[0].Pow(2.5), v => v[0].Pow(2.5), p => Math.Pow(p[0], 2.5)),
        new("Pow(-1.5)", Args(s_positive), s => s[0].Pow(-1.5), v => v[0].Pow(-1.5), p => Math.Pow(p[0], -1.5)),
        new("Pow(3)", Args(s_any), s => s[0].Pow(3.0), v => v[0].Pow(3.0), p => Math.Pow(p[0], 3.0)),
        new("Pow(0)", Args(s_any), s => s[0].Pow(0.0), v => v[0].Pow(0.0), p => Math.Pow(p[0], 0.0)),
        new("Pow(x, y)", Args(s_positive, s_any), s => s[0].Pow(s[1]), v => v[0].Pow(v[1]), p => Math.Pow(p[0], p[1])),
        new("Pow(x, S(c))", Args(s_positive), s => s[0].Pow(S(C)), v => v[0].Pow(C), p => Math.Pow(p[0], C)),
        new("Pow(S(c), y)", Args(s_any), s => S(C).Pow(s[0]), v => Variable.Constant(C).Pow(v[0]), p => Math.Pow(C, p[0])),
        new("Max(x, y)", Args(s_any, s_any).Where(a => Math.Abs(a[0] - a[1]) > 0.01), s => Scalar.Max(s[0], s[1]), v => Variable.Maximum(v[0], v[1]), p => Math.Max(p[0], p[1])),
        new("Min(x, y)", Args(s_any, s_any).Where(a => Math.Abs(a[0] - a[1]) > 0.01), s => Scalar.Min(s[0], s[1]), v => Variable.Minimum(v[0], v[1]), p => Math.Min(p[0], p[1])),
        new("Max(x, S(c))", Args(s_awayFromC), s => Scalar.Max(s[0], S(C)), v => Variable.Maximum(v[0], Variable.Constant(C)), p => Math.Max(p[0], C)),
        new("Max(S(c), x)", Args(s_awayFromC), s => Scalar.Max(S(C), s[0]), v => Variable.Maximum(Variable.Constant(C), v[0]), p => Math.Max(C, p[0])),
        new("Min(x, S(c))", Args(s_awayFromC), s => Scalar.Min(s[0], S(C)), v => Variable.Minimum(v[0], Variable.Constant(C)), p => Math.Min(p[0], C)),
        new("Min(S(c), x)", Args(s_awayFromC), s => Scalar.Min(S(C), s[0]), v => Variable.Minimum(Variable.Constant(C), v[0]), p => Math.Min(C, p[0])),

        // Chains that exercise affine folding: a scalar carries a constant factor through + - * / with constants, and
        // the next recorded operation multiplies its partial by that factor.
        new("((2x + 1) - 3) / 4 * y", Args(s_any, s_any), s => ((2.0 * s[0]) + 1.0 - 3.0) / 4.0 * s[1], v => ((2.0 * v[0]) + 1.0 - 3.0) / 4.0 * v[1], p => ((2.0 * p[0]) + 1.0 - 3.0) / 4.0 * p[1]),
        new("-(c - x)", Args(s_any), s => -(C - s[0]), v => -(C - v[0]), p => -(C - p[0])),
        new("(x / c).Square()", Args(s_any), s => (s[0] / D).Square(), v => (v[0] / D).Square(), p => p[0] / D * (p[0] / D)),
        new("x * 2 + x * 3", Args(s_any), s => (s[0] * 2.0) + (s[0] * 3.0), v => (v[0] * 2.0) + (v[0] * 3.0), p => (p[0] * 2.0) + (p[0] * 3.0)),
        new("(x * 2) * (y / 4)", Args(s_any, s_any), s => s[0] * 2.0 * (s[1] / 4.0), v => v[0] * 2.0 * (v[1] / 4.0), p => p[0] * 2.0 * (p[1] / 4.0)),
        new("(-x + 2) / (3 - y)", Args(s_any, Gen.Double[-3, 2.5]), s => (-s[0] + 2.0) / (3.0 - s[1]), v => (-v[0] + 2.0) / (3.0 - v[1]), p => (-p[0] + 2.0) / (3.0 - p[1])),
        new("D / (x * 2)", Args(s_awayFromZero), s => D / (s[0] * 2.0), v => D / (v[0] * 2.0), p => D / (p[0] * 2.0)),
        new("(1 - x / 2).Exp().Sin() * -y", Args(s_any, s_any), s => (1.0 - (s[0] / 2.0)).Exp().Sin() * -s[1], v => (1.0 - (v[0] / 2.0)).Exp().Sin() * -v[1], p => Math.Sin(Math.Exp(1.0 - (p[0] / 2.0))) * -p[1]),
        new("Pow(x * 2, y / 3)", Args(s_positive, s_any), s => (s[0] * 2.0).Pow(s[1] / 3.0), v => (v[0] * 2.0).Pow(v[1] / 3.0), p => Math.Pow(p[0] * 2.0, p[1] / 3.0)),
        new("Max(x * 2, -y) - 0.5 * Min(-x, y / 2)", Args(s_any, s_any).Where(a => Math.Abs((2 * a[0]) + a[1]) > 0.01 && Math.Abs(-a[0] - (a[1] / 2)) > 0.01), s => Scalar.Max(s[0] * 2.0, -s[1]) - (0.5 * Scalar.Min(-s[0], s[1] / 2.0)), v => Variable.Maximum(v[0] * 2.0, -v[1]) - (0.5 * Variable.Minimum(-v[0], v[1] / 2.0)), p => Math.Max(p[0] * 2.0, -p[1]) - (0.5 * Math.Min(-p[0], p[1] / 2.0))),
        new("(x * y + x).Tanh() * (x - y).Sigmoid() + (x * x + 1).Log() / (y * y + 2).Sqrt()", Args(s_any, s_any), s => ((s[0] * s[1]) + s[0]).Tanh() * (s[0] - s[1]).Sigmoid() + (((s[0] * s[0]) + 1.0).Log() / ((s[1] * s[1]) + 2.0).Sqrt()), v => ((v[0] * v[1]) + v[0]).Tanh() * (v[0] - v[1]).Sigmoid() + (((v[0] * v[0]) + 1.0).Log() / ((v[1] * v[1]) + 2.0).Sqrt()), p => (Math.Tanh((p[0] * p[1]) + p[0]) * (1.0 / (1.0 + Math.Exp(-(p[0] - p[1]))))) + (Math.Log((p[0] * p[0]) + 1.0) / Math.Sqrt((p[1] * p[1]) + 2.0))),
        new("three scalars: x * y / z + z.Cos() * x", Args(s_any, s_any, s_awayFromZero), s => (s[0] * s[1] / s[2]) + (s[2].Cos() * s[0]), v => (v[0] * v[1] / v[2]) + (v[2].Cos() * v[0]), p => (p[0] * p[1] / p[2]) + (Math.Cos(p[2]) * p[0])),
    ];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Value_is_the_plain_double_computation_and_the_gradient_matches_finite_differences_and_the_variable_path(string name)
    {
        var c = s_cases.Single(k => k.Name == name);
        c.Domain.Sample(
            xs =>
            {
                var (value, gradient) = OnTape(c.OnTape, xs);
                var (graphValue, graphGradient) = OnGraph(c.OnGraph, xs);
                var plain = c.Plain(xs);
                var at = $"{name} at ({string.Join(", ", xs.Select(v => v.ToString("R")))})";

                // The value: the same expression in plain doubles gives the same bits; the Variable op too.
                if (c.SameExpression)
                {
                    Assert.True(value.Equals(plain), $"{at}: value {value:R}, plain {plain:R}");
                }
                else
                {
                    Assert.True(Math.Abs(value - plain) <= 8 * Ulp * Math.Max(1, Math.Abs(plain)), $"{at}: value {value:R}, plain {plain:R}");
                }

                Assert.True(value.Equals(graphValue), $"{at}: value {value:R}, Variable path {graphValue:R}");

                for (var i = 0; i < xs.Length; i++)
                {
                    // Central differences with h ≈ 1e-6·max(1, |x|): truncation O(h²·f‴) and rounding O(ε·|f|/h) are
                    // both far below 1e-6 on these domains.
                    var h = 1e-6 * Math.Max(1, Math.Abs(xs[i]));
                    var up = (double[])xs.Clone();
                    var down = (double[])xs.Clone();
                    up[i] += h;
                    down[i] -= h;
                    var fd = (c.Plain(up) - c.Plain(down)) / (up[i] - down[i]);
                    Assert.True(Math.Abs(gradient[i] - fd) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{at}: ∂/∂x{i} = {gradient[i]:R}, central difference {fd:R}");

                    // The Variable op computes the same partials, perhaps in another order: equal to a few ulps
                    // (relative for |g| ≥ 1, absolute below, since the partials are sums of O(1) terms).
                    var g = graphGradient[i];
                    Assert.True(Math.Abs(gradient[i] - g) <= 1e-14 * Math.Max(1, Math.Abs(g)), $"{at}: ∂/∂x{i} = {gradient[i]:R}, Variable path {g:R}");
                }
            },
            iter: 200,
            threads: 1);
    }

    [Theory]
    [MemberData(nameof(KinkNames))]
    public void Kinks_and_non_finite_values_give_what_the_variable_path_gives(string name)
    {
        var (inputs, onTape, onGraph) = s_kinks[name];
        foreach (var xs in inputs)
        {
            var (value, gradient) = OnTape(onTape, xs);
            var (graphValue, graphGradient) = OnGraph(onGraph, xs);
            var at = $"{name} at ({string.Join(", ", xs.Select(v => v.ToString("R")))})";
            Assert.True(Same(value, graphValue), $"{at}: value {value:R}, Variable path {graphValue:R}");
            for (var i = 0; i < xs.Length; i++)
            {
                // A slot's contributions may be summed in another order than on the Variable path: x.Erf() + x.NormalCdf()
                // is one tape entry whose two partials go to x's slot, first to last, while the Variable path adds the
                // later use first.
                Assert.True(Reassociation.SameUpToRounding(gradient[i], graphGradient[i]), $"{at}: ∂/∂x{i} = {gradient[i]:R}, Variable path {graphGradient[i]:R} (gradients [{string.Join(", ", gradient)}] vs [{string.Join(", ", graphGradient)}])");
            }
        }
    }

    [Fact]
    public void Kink_conventions_hold_as_numbers_too()
    {
        // The conventions themselves, independent of the Variable path: Abs′(0) = Relu′(0) = 0, ties split ½/½, and
        // the derivative of x⁰ is 0 even at x = 0.
        foreach (var zero in new[] { 0.0, -0.0 })
        {
            Assert.Equal([0.0], OnTape(s => s[0].Abs(), [zero]).Gradient);
            Assert.Equal([0.0], OnTape(s => s[0].Relu(), [zero]).Gradient);
            Assert.Equal([0.0], OnTape(s => s[0].Pow(0.0), [zero]).Gradient);
        }

        Assert.Equal([0.5, 0.5], OnTape(s => Scalar.Max(s[0], s[1]), [1.25, 1.25]).Gradient);
        Assert.Equal([0.5, 0.5], OnTape(s => Scalar.Min(s[0], s[1]), [-0.5, -0.5]).Gradient);
        Assert.Equal([1.0], OnTape(s => Scalar.Max(s[0], s[0]), [2.0]).Gradient);
        Assert.Equal([0.5], OnTape(s => Scalar.Max(s[0], S(C)), [C]).Gradient);
        Assert.Equal([0.5], OnTape(s => Scalar.Min(S(C), s[0]), [C]).Gradient);

        // Relu keeps NaN and maps −0 to +0, like the Variable op (IEEE maximum with +0).
        Assert.True(double.IsNaN(OnTape(s => s[0].Relu(), [double.NaN]).Value));
        Assert.True(double.IsPositive(OnTape(s => s[0].Relu(), [-0.0]).Value));
    }

    [Fact]
    public void Constant_operations_comparisons_and_functions_of_one_scalar_record_nothing_and_two_scalars_record_one_entry()
    {
        var tape = new ScalarTape<double>();
        var x = tape.WatchScalar(Variable.Parameter(1.5));
        var y = tape.WatchScalar(Variable.Parameter(-2.0));
        var count = tape.Count;

        // Affine operations with constants fold into the scalar; comparisons read values.
        var folded = -(((((2.0 * x) + 1.0 - 3.0) / 4.0) * K) + S(C) - S(D)) * 0.5;
        Assert.Equal(-(((((2.0 * 1.5) + 1.0 - 3.0) / 4.0) * K) + C - D) * 0.5, folded.Value);
        var xAgain = x;
        Assert.True(x > y && y < x && x >= xAgain && x <= xAgain && !(x < y) && !(y >= x));
        Assert.True(x > S(1.0) && S(2.0) > x);
        var nan = S(NaN);
        Assert.False(nan < x || nan > x || nan <= x || nan >= x);
        Assert.Equal(count, tape.Count);

        // Constants only stay constants, whatever the operation.
        var constant = Scalar.Max(S(2.0) * S(3.0), S(1.0)).Exp().Log() / S(4.0);
        Assert.True(constant.IsConstant);
        Assert.Equal(Math.Log(Math.Exp(Math.Max(2.0 * 3.0, 1.0))) / 4.0, constant.Value);
        Assert.True(default(Scalar<double>).IsConstant);
        Assert.Equal(0.0, default(Scalar<double>).Value);
        Assert.Equal(count, tape.Count);

        // A function of one scalar folds its derivative into the scalar, zero included; an operation on two scalars of
        // the tape records one entry.
        var sine = x.Sin();
        var square = folded.Square();
        var relu = y.Relu();
        Assert.Equal(count, tape.Count);
        Assert.Equal(Math.Cos(1.5), sine._scale);
        Assert.Equal(2 * folded.Value * folded._scale, square._scale);
        Assert.Equal(0.0, relu._scale);
        Assert.False(relu.IsConstant);
        _ = x * y;
        _ = sine + square;
        Assert.Equal(count + 2, tape.Count);

        // Conversions and formatting read the value.
        Assert.Equal(1.5, (double)x);
        Assert.Equal("1.5", x.ToString());
        Assert.Equal("1.50", x.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Float_functions_match_central_differences_computed_in_double()
    {
        // Each case: the float tape function, and the same function in double for the oracle. Values are compared with
        // the double function at the same (float) point, gradients with its central difference.
        (string Name, Gen<float[]> Domain, Func<Scalar<float>[], Scalar<float>> OnTape, Func<double[], double> Plain)[] cases =
        [
            ("x * y", FloatArgs(2, -3, 3), s => s[0] * s[1], p => p[0] * p[1]),
            ("x / y", FloatArgs(2, 0.2f, 5), s => s[0] / s[1], p => p[0] / p[1]),
            ("Sin", FloatArgs(1, -3, 3), s => s[0].Sin(), p => Math.Sin(p[0])),
            ("Cos", FloatArgs(1, -3, 3), s => s[0].Cos(), p => Math.Cos(p[0])),
            ("Exp", FloatArgs(1, -3, 3), s => s[0].Exp(), p => Math.Exp(p[0])),
            ("Log", FloatArgs(1, 0.1f, 5), s => s[0].Log(), p => Math.Log(p[0])),
            ("Sqrt", FloatArgs(1, 0.1f, 5), s => s[0].Sqrt(), p => Math.Sqrt(p[0])),
            ("Reciprocal", FloatArgs(1, 0.2f, 5), s => s[0].Reciprocal(), p => 1.0 / p[0]),
            ("Tanh", FloatArgs(1, -3, 3), s => s[0].Tanh(), p => Math.Tanh(p[0])),
            ("Sigmoid", FloatArgs(1, -3, 3), s => s[0].Sigmoid(), p => 1.0 / (1.0 + Math.Exp(-p[0]))),
            ("Softplus", FloatArgs(1, -3, 3), s => s[0].Softplus(), p => Math.Log(1.0 + Math.Exp(p[0]))),
            ("Pow(2.5)", FloatArgs(1, 0.1f, 3), s => s[0].Pow(2.5f), p => Math.Pow(p[0], 2.5)),
            ("Pow(x, y)", FloatArgs(2, 0.2f, 2), s => s[0].Pow(s[1]), p => Math.Pow(p[0], p[1])),
            ("(2x + 1).Square() / 4 - y.Exp() * x", FloatArgs(2, -1, 1), s => (((2f * s[0]) + 1f).Square() / 4f) - (s[1].Exp() * s[0]), p => ((((2 * p[0]) + 1) * ((2 * p[0]) + 1)) / 4) - (Math.Exp(p[1]) * p[0])),
        ];

        // Float tolerance: u = 2⁻²⁴ ≈ 6e-8 is float's unit roundoff. Each float partial is a handful (≤ ~10) of
        // correctly rounded or 1-ulp operations on quantities no larger than max(1, |g|) in magnitude on these domains,
        // so the float gradient is within 64·u·max(1, |g|) of the exact one; the double central difference is ~1e-9
        // accurate, far inside that. The same bound holds for the value.
        const double u = 5.9604644775390625e-8;
        foreach (var (name, domain, onTape, plain) in cases)
        {
            domain.Sample(
                xs =>
                {
                    var parameters = xs.Select(v => Variable.Parameter(v)).ToArray();
                    var tape = new ScalarTape<float>();
                    var output = tape.ToVariable(onTape([.. parameters.Select(tape.WatchScalar)]));
                    output.Backward();
                    var at = $"float {name} at ({string.Join(", ", xs.Select(v => v.ToString("R")))})";
                    var point = xs.Select(v => (double)v).ToArray();
                    var exact = plain(point);
                    Assert.True(Math.Abs(output.ToScalar() - exact) <= 64 * u * Math.Max(1, Math.Abs(exact)), $"{at}: value {output.ToScalar():R}, double {exact:R}");
                    for (var i = 0; i < xs.Length; i++)
                    {
                        var h = 1e-6 * Math.Max(1, Math.Abs(point[i]));
                        var up = (double[])point.Clone();
                        var down = (double[])point.Clone();
                        up[i] += h;
                        down[i] -= h;
                        var fd = (plain(up) - plain(down)) / (up[i] - down[i]);
                        var g = parameters[i].Grad!.ToScalar();
                        Assert.True(Math.Abs(g - fd) <= 64 * u * Math.Max(1, Math.Abs(fd)), $"{at}: ∂/∂x{i} = {g:R}, central difference in double {fd:R}");
                    }
                },
                iter: 100,
                threads: 1);
        }
    }

    [Fact]
    public void Float_values_are_the_plain_float_computation()
    {
        // Scalar<float> computes in float: the same float expression gives the same bits (no double intermediate).
        Gen.Select(Gen.Float[0.1f, 4f], Gen.Float[-2f, 2f]).Sample(
            (x, y) =>
            {
                var tape = new ScalarTape<float>();
                var a = tape.WatchScalar(Variable.Parameter(x));
                var b = tape.WatchScalar(Variable.Parameter(y));
                var value = ((a * b) + a.Sin() - (b / a) + a.Log().Square() + b.Exp().Sqrt() + a.Pow(b)).Value;
                var plain = (x * y) + MathF.Sin(x) - (y / x) + (MathF.Log(x) * MathF.Log(x)) + MathF.Sqrt(MathF.Exp(y)) + MathF.Pow(x, y);
                Assert.Equal(plain, value);
            },
            iter: 200,
            threads: 1);
    }

    // ----- Kinks and non-finite values: the tape against the Variable path (no StepScope), bitwise, NaN = NaN -----

    private const double Inf = double.PositiveInfinity;
    private const double NaN = double.NaN;

    private static readonly Dictionary<string, (double[][] Inputs, Func<Scalar<double>[], Scalar<double>> OnTape, Func<Variable<double>[], Variable<double>> OnGraph)> s_kinks = new()
    {
        ["Abs at ±0"] = ([[0.0], [-0.0]], s => s[0].Abs(), v => v[0].Abs()),
        ["Relu at ±0"] = ([[0.0], [-0.0]], s => s[0].Relu(), v => v[0].Relu()),
        ["LeakyRelu and Elu at ±0"] = ([[0.0], [-0.0]], s => s[0].LeakyRelu(0.2) + s[0].Elu(0.7), v => v[0].LeakyRelu(0.2) + v[0].Elu(0.7)),
        ["Clamp at its bounds, outside, at ±∞ and NaN"] = ([[-1.0], [2.0], [-3.0], [5.0], [-Inf], [Inf], [NaN]], s => s[0].Clamp(-1.0, 2.0), v => v[0].Clamp(-1.0, 2.0)),
        ["ClampMin and ClampMax at the bound and NaN"] = ([[0.5], [NaN], [-0.0]], s => s[0].ClampMin(0.5) + s[0].ClampMax(0.5) + s[0].ClampMin(0.0), v => v[0].ClampMin(0.5) + v[0].ClampMax(0.5) + v[0].ClampMin(0.0)),
        ["Erf, NormalCdf and Gelu at 0, ±∞ and NaN"] = ([[0.0], [Inf], [-Inf], [NaN]], s => s[0].Erf() + s[0].NormalCdf() + s[0].Gelu(), v => v[0].Erf() + v[0].NormalCdf() + v[0].Gelu()),
        ["Max tie"] = ([[1.5, 1.5], [0.0, -0.0], [-Inf, -Inf]], s => Scalar.Max(s[0], s[1]), v => Variable.Maximum(v[0], v[1])),
        ["Min tie"] = ([[1.5, 1.5], [0.0, -0.0], [Inf, Inf]], s => Scalar.Min(s[0], s[1]), v => Variable.Minimum(v[0], v[1])),
        ["Max tie with a constant"] = ([[C]], s => Scalar.Max(s[0], S(C)) + Scalar.Max(S(C), s[0]), v => Variable.Maximum(v[0], Variable.Constant(C)) + Variable.Maximum(Variable.Constant(C), v[0])),
        ["Max(x, x) and Min(x, x)"] = ([[0.0], [2.0], [-Inf]], s => Scalar.Max(s[0], s[0]) * Scalar.Min(s[0], s[0]), v => Variable.Maximum(v[0], v[0]) * Variable.Minimum(v[0], v[0])),
        ["Pow(x, 0)"] = ([[0.0], [-0.0], [-2.0], [Inf], [NaN]], s => s[0].Pow(0.0), v => v[0].Pow(0.0)),
        ["Pow(x, S(0))"] = ([[0.0], [-2.0]], s => s[0].Pow(S(0.0)), v => v[0].Pow(0.0)),
        ["Pow(x, y) at y = 0"] = ([[0.0, 0.0], [2.0, 0.0], [-2.0, 0.0]], s => s[0].Pow(s[1]), v => v[0].Pow(v[1])),
        ["Pow(x, y) at a negative base"] = ([[-2.0, 3.0], [-2.0, 0.5]], s => s[0].Pow(s[1]), v => v[0].Pow(v[1])),
        ["Sqrt and Log at 0 (infinite partials)"] = ([[0.0]], s => s[0].Sqrt() + s[0].Log(), v => v[0].Sqrt() + v[0].Log()),

        // A zero partial absorbs an infinite (or NaN) upstream gradient, as ChainMultiply does.
        ["Relu(x) * inf (zero partial, infinite upstream)"] = ([[-1.0], [0.0]], s => s[0].Relu() * Inf, v => v[0].Relu() * Inf),
        ["Relu(x) * inf + y (another variable beside it)"] = ([[-1.0, 2.0]], s => (s[0].Relu() * Inf) + (s[1] * 3.0), v => (v[0].Relu() * Inf) + (v[1] * 3.0)),
        ["Abs(x) * y at x = 0, y = inf"] = ([[0.0, Inf]], s => s[0].Abs() * s[1], v => v[0].Abs() * v[1]),
        ["Relu(x) * y at x < 0, y = inf, plus y"] = ([[-1.0, Inf]], s => (s[0].Relu() * s[1]) + s[1], v => (v[0].Relu() * v[1]) + v[1]),
        ["0 * x.Log() at x = 0 (zero upstream, infinite partial)"] = ([[0.0]], s => 0.0 * s[0].Log(), v => 0.0 * v[0].Log()),
        ["x.Log() * 0 + y at x = 0"] = ([[0.0, 1.5]], s => (s[0].Log() * 0.0) + (s[1] * s[1]), v => (v[0].Log() * 0.0) + (v[1] * v[1])),
        ["(x * 0).Sqrt() (folded zero factor, infinite partial)"] = ([[2.0], [-3.0]], s => (s[0] * 0.0).Sqrt(), v => (v[0] * 0.0).Sqrt()),
        ["(0 * x).Log() (folded zero factor, infinite partial)"] = ([[2.0]], s => (0.0 * s[0]).Log(), v => (0.0 * v[0]).Log()),
        ["(x * 0) * y at y = inf (folded zero factor, infinite partial)"] = ([[2.0, Inf]], s => s[0] * 0.0 * s[1], v => v[0] * 0.0 * v[1]),
        ["(x * inf).Relu() (folded infinite factor, zero partial)"] = ([[-1.0]], s => (s[0] * Inf).Relu(), v => (v[0] * Inf).Relu()),

        // An entry whose partial is infinite or NaN but that the output does not use must not poison the gradients.
        ["log(0) recorded but unused"] = ([[0.0, 2.0]], s => { _ = s[0].Log(); return s[0] * s[1]; }, v => v[0] * v[1]),
        ["sqrt(-1) recorded but unused"] = ([[-1.0, 2.0]], s => { _ = s[0].Sqrt(); return (s[0] * s[1]) + s[1]; }, v => (v[0] * v[1]) + v[1]),

        // Genuine NaN gradients stay NaN.
        ["Sqrt below 0 (NaN gradient)"] = ([[-1.0]], s => s[0].Sqrt(), v => v[0].Sqrt()),
        ["Sqrt(x) * y below 0 (NaN for x, NaN for y)"] = ([[-1.0, 2.0]], s => s[0].Sqrt() * s[1], v => v[0].Sqrt() * v[1]),
        ["x * y at y = NaN"] = ([[2.0, NaN]], s => s[0] * s[1], v => v[0] * v[1]),
        ["Log below 0 (finite gradient, NaN value)"] = ([[-1.0]], s => s[0].Log(), v => v[0].Log()),
        ["Max and Min with a NaN argument"] = ([[NaN, 1.0], [1.0, NaN]], s => Scalar.Max(s[0], s[1]) + (2.0 * Scalar.Min(s[0], s[1])), v => Variable.Maximum(v[0], v[1]) + (2.0 * Variable.Minimum(v[0], v[1]))),
        ["inf - inf in the adjoints"] = ([[1.0]], s => (s[0] * Inf) - (s[0] * Inf), v => (v[0] * Inf) - (v[0] * Inf)),
    };

    private const double Ulp = 2.220446049250313e-16;

    private static Scalar<double> S(double value) => new(value);

    private static bool Same(double a, double b) => a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b));

    private static Gen<double[]> Args(Gen<double> x) => x.Select(a => new[] { a });

    private static Gen<double[]> Args(Gen<double> x, Gen<double> y) => Gen.Select(x, y, (a, b) => new[] { a, b });

    private static Gen<double[]> Args(Gen<double> x, Gen<double> y, Gen<double> z) => Gen.Select(x, y, z, (a, b, c) => new[] { a, b, c });

    private static Gen<float[]> FloatArgs(int count, float low, float high) => Gen.Float[low, high].Array[count];

    /// <summary>Watches one rank-0 parameter per input, records <paramref name="f"/>, and runs Backward through ToVariable.</summary>
    private static (double Value, double[] Gradient) OnTape(Func<Scalar<double>[], Scalar<double>> f, double[] xs)
    {
        var parameters = xs.Select(v => Variable.Parameter(v)).ToArray();
        var tape = new ScalarTape<double>();
        var output = tape.ToVariable(f([.. parameters.Select(tape.WatchScalar)]));
        output.Backward();
        return (output.ToScalar(), [.. parameters.Select(p => p.Grad!.ToScalar())]);
    }

    /// <summary>The same with <see cref="Variable{T}"/> operations and no StepScope (an unreached parameter counts as 0).</summary>
    private static (double Value, double[] Gradient) OnGraph(Func<Variable<double>[], Variable<double>> f, double[] xs)
    {
        var parameters = xs.Select(v => Variable.Parameter(v)).ToArray();
        var output = f(parameters);
        output.Backward();
        return (output.ToScalar(), [.. parameters.Select(p => p.Grad?.ToScalar() ?? 0.0)]);
    }

    private sealed record Case(
        string Name,
        Gen<double[]> Domain,
        Func<Scalar<double>[], Scalar<double>> OnTape,
        Func<Variable<double>[], Variable<double>> OnGraph,
        Func<double[], double> Plain,
        bool SameExpression = true);
}
