using System.Numerics;
using AutoGrad;
using AutoGrad.Tests.TestUtilities;
using CsCheck;

namespace AutoGrad.Tests.Autodiff;

/// <summary>
/// The public <see cref="ScalarTape{T}"/> as a whole: Rosenbrock against its hand-derived gradient, the tape's output
/// as one node of the ordinary graph (gradients add up, seeds, shared and intermediate inputs, NoGrad, the functional
/// API, retained and released graphs), the errors and their messages, growth past the initial capacity, and a steady
/// state that allocates nothing. The operators and functions one by one are in <see cref="ScalarTapeFunctionTests"/>.
/// </summary>
[Collection(SerialCollection.Name)]
public class ScalarTapeTests
{
    // Unit roundoffs: half the distance from 1 to the next value.
    private const double DoubleRoundoff = 1.1102230246251565e-16;
    private const double FloatRoundoff = 5.9604644775390625e-8;

    // The smallest subnormals: a rounding that underflows loses at most this much in absolute terms.
    private const double DoubleTiny = double.Epsilon;
    private const double FloatTiny = float.Epsilon;

    // ----- Generalized Rosenbrock -----

    [Theory]
    [InlineData(2, 200)]
    [InlineData(3, 200)]
    [InlineData(1000, 10)]
    public void Rosenbrock_in_double_gives_the_plain_value_bitwise_and_the_hand_derived_gradient(int n, int iterations)
    {
        var tape = new ScalarTape<double>();
        Gen.Double[-2, 2].Array[n].Sample(
            start =>
            {
                var x = Variable.Parameter(start);
                var loss = RosenbrockOnTape(tape, x);
                loss.Backward();

                // The value: the same expression in the same order in plain doubles.
                var plain = 0.0;
                for (var i = 0; i < n - 1; i++)
                {
                    var a = start[i + 1] - (start[i] * start[i]);
                    var b = 1.0 - start[i];
                    plain += (100.0 * (a * a)) + (b * b);
                }

                Assert.Equal(plain, loss.ToScalar());
                AssertRosenbrockGradient(start, x.Grad!.ToArray(), DoubleRoundoff, DoubleTiny, "double");
            },
            iter: iterations,
            threads: 1);
    }

    [Theory]
    [InlineData(2, 200)]
    [InlineData(3, 200)]
    [InlineData(1000, 10)]
    public void Rosenbrock_in_float_gives_the_plain_float_value_bitwise_and_the_hand_derived_gradient(int n, int iterations)
    {
        var tape = new ScalarTape<float>();
        Gen.Float[-2, 2].Array[n].Sample(
            start =>
            {
                var x = Variable.Parameter(start);
                var loss = RosenbrockOnTape(tape, x);
                loss.Backward();

                // Scalar<float> computes in float: the same float expression gives the same bits.
                var plain = 0f;
                var magnitudes = 0.0;
                var exact = 0.0;
                for (var i = 0; i < n - 1; i++)
                {
                    var a = start[i + 1] - (start[i] * start[i]);
                    var b = 1f - start[i];
                    plain += (100f * (a * a)) + (b * b);

                    double xi = start[i], next = start[i + 1];
                    double ad = next - (xi * xi), bd = 1 - xi;
                    exact += (100 * ad * ad) + (bd * bd);
                    magnitudes += (100 * (Math.Abs(next) + (xi * xi)) * (Math.Abs(next) + (xi * xi))) + ((1 + Math.Abs(xi)) * (1 + Math.Abs(xi)));
                }

                Assert.Equal(plain, loss.ToScalar());

                // Against the value in double: recursive summation of n − 1 terms, each a few roundings of quantities
                // bounded by the operand magnitudes, is within (n + 8)·u·Σ(magnitudes) (the textbook summation bound),
                // plus what underflow loses in the few roundings of each term (subnormal starting points are drawn too).
                var error = Math.Abs(loss.ToScalar() - exact);
                Assert.True(error <= ((n + 8) * FloatRoundoff * magnitudes) + (1000 * n * FloatTiny), $"float Rosenbrock value {loss.ToScalar():R} vs double {exact:R}");
                AssertRosenbrockGradient([.. start.Select(v => (double)v)], [.. x.Grad!.ToArray().Select(v => (double)v)], FloatRoundoff, FloatTiny, "float");
            },
            iter: iterations,
            threads: 1);
    }

    // ----- The tape's output as a node of the graph -----

    [Fact]
    public void A_tape_output_combines_with_ordinary_operations_and_the_gradients_add_up()
    {
        Gen.Double[-2, 2].Array[5].Sample(
            start =>
            {
                var x = Variable.Parameter(start);
                var tape = new ScalarTape<double>();
                var xs = tape.Watch(x);

                // f = Σ x_i²·x_{i+1} (cyclic), ∂f/∂x_j = 2·x_j·x_{j+1} + x_{j−1}².
                Scalar<double> f = 0.0;
                for (var i = 0; i < xs.Length; i++)
                {
                    f += xs[i].Square() * xs[(i + 1) % xs.Length];
                }

                var loss = (tape.ToVariable(f) * 3.0) + x.Sum();
                loss.Backward();

                var n = start.Length;
                var grad = x.Grad!.ToArray();
                for (var j = 0; j < n; j++)
                {
                    double next = start[(j + 1) % n], previous = start[(j + n - 1) % n];
                    var expected = (3 * ((2 * start[j] * next) + (previous * previous))) + 1;
                    var scale = (3 * ((2 * Math.Abs(start[j] * next)) + (previous * previous))) + 1;
                    Assert.True(Math.Abs(grad[j] - expected) <= 32 * DoubleRoundoff * scale, $"∂/∂x{j}: {grad[j]:R} vs {expected:R}");
                }
            },
            iter: 100,
            threads: 1);
    }

    [Fact]
    public void Two_outputs_of_one_recording_can_be_used_in_one_loss()
    {
        double x0 = 0.7, x1 = -1.3;
        var x = Variable.Parameter([x0, x1]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var a = tape.ToVariable(xs[0] * xs[1]);                    // f₁ = x₀·x₁
        var b = tape.ToVariable(xs[0].Sin() + xs[1].Square());     // f₂ = sin x₀ + x₁²
        var loss = (a * b) + a;
        loss.Backward();

        // ∂(f₁f₂ + f₁)/∂x₀ = x₁·f₂ + f₁·cos x₀ + x₁ and ∂/∂x₁ = x₀·f₂ + f₁·2x₁ + x₀.
        double f1 = x0 * x1, f2 = Math.Sin(x0) + (x1 * x1);
        Assert.Equal((f1 * f2) + f1, loss.ToScalar(), 15);
        var grad = x.Grad!.ToArray();
        Assert.Equal((x1 * f2) + (f1 * Math.Cos(x0)) + x1, grad[0], 14);
        Assert.Equal((x0 * f2) + (f1 * 2 * x1) + x0, grad[1], 14);
    }

    [Fact]
    public void A_vector_output_with_a_seed_gives_the_vector_jacobian_product()
    {
        double x0 = 1.1, x1 = -0.4, x2 = 2.5;
        double[] seed = [0.3, -2.0, 1.5, 7.0];
        var x = Variable.Parameter([x0, x1, x2]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);

        // Outputs: x₀x₁, sin x₁, x₀ + 2x₂ (folded: no entry for 2x₂), and a constant.
        var output = tape.ToVariable(xs[0] * xs[1], xs[1].Sin(), xs[0] + (2.0 * xs[2]), 5.0);
        Assert.Equal(new Shape(4), output.Shape);
        Assert.Equal([x0 * x1, Math.Sin(x1), x0 + (2.0 * x2), 5.0], output.ToArray());
        output.Backward(seed, retainGraph: true);

        // sᵀJ: ∂/∂x₀ = s₀x₁ + s₂, ∂/∂x₁ = s₀x₀ + s₁cos x₁, ∂/∂x₂ = 2s₂.
        double[] expected = [(seed[0] * x1) + seed[2], (seed[0] * x0) + (seed[1] * Math.Cos(x1)), 2 * seed[2]];
        var grad = x.Grad!.ToArray();
        var viaGradients = Variable.Gradients(output, [x], seed: Variable.Constant(seed))[0]!.ToArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], grad[i], 15);
            Assert.Equal(expected[i], viaGradients[i], 15);
        }
    }

    [Fact]
    public void A_matrix_is_watched_row_major_and_an_output_can_have_any_shape()
    {
        double[,] values = { { 1.0, -2.0, 0.5 }, { 3.0, 0.25, -1.5 } };
        var w = Variable.Parameter(values);
        var v = Variable.Parameter([0.5, -1.0, 2.0]);
        var tape = new ScalarTape<double>();
        var ws = tape.Watch(w);
        var vs = tape.Watch(v);
        Assert.Equal(new Shape(2, 3), ws.Shape);
        Assert.Equal(6, ws.Length);
        Assert.Equal(values[1, 2], ws[1, 2].Value);
        Assert.Equal(ws[5].Value, ws[1, 2].Value);
        Assert.Equal([1.0, -2.0, 0.5, 3.0, 0.25, -1.5], ws.ToArray().Select(s => s.Value));

        // y = W·v and the elementwise products W[i, j]·v[j], as a [2] and a [2, 3] output.
        var y = new Scalar<double>[2];
        var products = new Scalar<double>[6];
        for (var i = 0; i < 2; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                products[(i * 3) + j] = ws[i, j] * vs[j];
                y[i] += products[(i * 3) + j];
            }
        }

        var matrix = tape.ToVariable(products, new Shape(2, 3));
        Assert.Equal(new Shape(2, 3), matrix.Shape);
        var yv = tape.ToVariable(y);
        double[] s = [0.7, -1.9];
        var loss = (yv * Variable.Constant(s)).Sum() + matrix.Sum();
        loss.Backward();

        // ∂/∂W[i, j] = s_i·v_j + v_j, ∂/∂v_j = Σ_i (s_i + 1)·W[i, j].
        var gw = w.Grad!.ToArray2D();
        var gv = v.Grad!.ToArray();
        double[] vv = [0.5, -1.0, 2.0];
        for (var j = 0; j < 3; j++)
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal((s[i] * vv[j]) + vv[j], gw[i, j], 15);
            }

            Assert.Equal(((s[0] + 1) * values[0, j]) + ((s[1] + 1) * values[1, j]), gv[j], 14);
        }
    }

    [Fact]
    public void Watching_the_same_variable_twice_gives_the_same_scalars_and_the_gradient_is_not_doubled()
    {
        var x = Variable.Parameter([2.0, -3.0]);
        var tape = new ScalarTape<double>();
        var first = tape.Watch(x);
        var countAfterFirst = tape.Count;
        var second = tape.Watch(x);
        Assert.Equal(2, countAfterFirst);
        Assert.Equal(countAfterFirst, tape.Count); // nothing new reserved
        Assert.Equal(first[1].Value, second[1].Value);

        // f = x₀·x₁ through both views, plus x₀ from each: ∂/∂x₀ = x₁ + 2, ∂/∂x₁ = x₀.
        var f = (first[0] * second[1]) + first[0] + second[0];
        tape.ToVariable(f).Backward();
        Assert.Equal([-3.0 + 2.0, 2.0], x.Grad!.ToArray());
    }

    [Fact]
    public void An_output_that_is_a_watched_element_itself_sends_its_gradient_straight_back()
    {
        var x = Variable.Parameter([4.0, 5.0, 6.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        _ = xs[0].Exp(); // an entry recorded after the watched range, which the output does not use
        var output = tape.ToVariable((xs[1] * 2.5) + 1.0);
        Assert.Equal((5.0 * 2.5) + 1.0, output.ToScalar());
        output.Backward();
        Assert.Equal([0.0, 2.5, 0.0], x.Grad!.ToArray());
    }

    [Fact]
    public void A_watched_intermediate_passes_its_gradient_further_back()
    {
        double[] p0 = [0.5, -1.5, 2.0];
        var p = Variable.Parameter(p0);
        var w = (p * 2.0) + 1.0; // an op result, not a leaf
        var tape = new ScalarTape<double>();
        var ws = tape.Watch(w);
        Scalar<double> f = 0.0;
        for (var i = 0; i < ws.Length; i++)
        {
            f += ws[i].Square();
        }

        var loss = tape.ToVariable(f);

        // The functional API first (retaining the graph), then Backward: ∂f/∂w = 2w, ∂f/∂p = 2·2w.
        var grads = Variable.Gradients(loss, [w, p], retainGraph: true);
        loss.Backward();
        for (var i = 0; i < p0.Length; i++)
        {
            var wi = (p0[i] * 2.0) + 1.0;
            Assert.Equal(2 * wi, grads[0]!.ToArray()[i]);
            Assert.Equal(4 * wi, grads[1]!.ToArray()[i]);
            Assert.Equal(4 * wi, p.Grad!.ToArray()[i]);
        }

        Assert.Null(w.Grad); // not a leaf
    }

    [Fact]
    public void Watching_two_variables_sends_each_its_own_gradient()
    {
        var x = Variable.Parameter([1.5, -0.5]);
        var y = Variable.Parameter(3.0);
        var unused = Variable.Parameter([9.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var ys = tape.WatchScalar(y);
        _ = tape.Watch(unused);

        // f = (x₀ − x₁)·y + y²: ∂/∂x₀ = y, ∂/∂x₁ = −y, ∂/∂y = x₀ − x₁ + 2y; unused gets zeros.
        var f = ((xs[0] - xs[1]) * ys) + ys.Square();
        tape.ToVariable(f).Backward();
        Assert.Equal([3.0, -3.0], x.Grad!.ToArray());
        Assert.Equal(1.5 + 0.5 + 6.0, y.Grad!.ToScalar());
        Assert.Equal([0.0], unused.Grad!.ToArray());
    }

    [Fact]
    public void A_watched_constant_gives_constant_scalars_and_no_gradient()
    {
        var c = Variable.Constant([2.0, 3.0]);
        var x = Variable.Parameter(0.5);
        var tape = new ScalarTape<double>();
        var cs = tape.Watch(c);
        Assert.True(cs[0].IsConstant);
        Assert.Null(cs[0].Tape);
        var xs = tape.WatchScalar(x);
        Assert.False(xs.IsConstant);
        Assert.Same(tape, xs.Tape);

        // Constants only: a constant output, which does not require gradients.
        var constant = tape.ToVariable(cs[0] * cs[1].Exp());
        Assert.False(constant.RequiresGrad);
        Assert.Equal(2.0 * Math.Exp(3.0), constant.ToScalar());

        // Mixed: ∂(c₀·x + c₁·x²)/∂x = c₀ + 2c₁x.
        var output = tape.ToVariable((cs[0] * xs) + (cs[1] * xs.Square()));
        Assert.True(output.RequiresGrad);
        output.Backward();
        Assert.Equal(2.0 + (2 * 3.0 * 0.5), x.Grad!.ToScalar());
        Assert.Null(c.Grad);
    }

    [Fact]
    public void Inside_NoGrad_the_output_does_not_require_gradients()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        var tape = new ScalarTape<double>();

        // Watched inside NoGrad: the scalars are constants.
        using (Variable.NoGrad())
        {
            var xs = tape.Watch(x);
            Assert.True(xs[0].IsConstant);
            var output = tape.ToVariable(xs[0] * xs[1]);
            Assert.False(output.RequiresGrad);
            Assert.Equal(2.0, output.ToScalar());
        }

        // Watched outside, turned into a variable inside: recorded, but the output does not require gradients.
        tape.Reset();
        var ys = tape.Watch(x);
        var f = ys[0] * ys[1];
        Assert.False(f.IsConstant);
        Variable<double> result;
        using (Variable.NoGrad())
        {
            result = tape.ToVariable(f);
        }

        Assert.False(result.RequiresGrad);
        Assert.Equal(2.0, result.ToScalar());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Gradients_works_through_a_tape_output_and_leaves_Grad_alone()
    {
        double x0 = 0.3, x1 = 1.7;
        var x = Variable.Parameter([x0, x1]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var output = tape.ToVariable((xs[0] * xs[1]).Exp());
        var g = Variable.Gradients(output, [x])[0]!.ToArray();

        // ∂e^(x₀x₁)/∂x₀ = x₁e^(x₀x₁), ∂/∂x₁ = x₀e^(x₀x₁).
        var e = Math.Exp(x0 * x1);
        Assert.Equal(x1 * e, g[0], 15);
        Assert.Equal(x0 * e, g[1], 15);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Backward_twice_with_retainGraph_accumulates_twice_and_without_it_the_second_throws()
    {
        var x = Variable.Parameter([0.8, -0.6]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var output = tape.ToVariable((xs[0] * xs[1]).Sin() + xs[0]);
        output.Backward(retainGraph: true);
        var once = x.Grad!.ToArray();
        output.Backward(retainGraph: true);
        var twice = x.Grad!.ToArray();

        // ∂/∂x₀ = x₁·cos(x₀x₁) + 1, ∂/∂x₁ = x₀·cos(x₀x₁); twice is exactly once + once.
        var cos = Math.Cos(0.8 * -0.6);
        Assert.Equal((-0.6 * cos) + 1, once[0], 15);
        Assert.Equal(0.8 * cos, once[1], 15);
        Assert.Equal([once[0] + once[0], once[1] + once[1]], twice);

        output.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => output.Backward());
        Assert.Contains("already released", error.Message, StringComparison.Ordinal);
        Assert.Contains("retainGraph: true", error.Message, StringComparison.Ordinal);
        Assert.Equal([3 * once[0], 3 * once[1]], x.Grad!.ToArray());
    }

    [Fact]
    public void A_NaN_gradient_component_leaves_the_other_components_alone()
    {
        // f = x₀·x₁ + x₂² at x₁ = NaN: ∂/∂x₀ = x₁ = NaN, ∂/∂x₁ = x₀ = 2, ∂/∂x₂ = 2x₂ = 6 (the Variable path gives the same).
        var x = Variable.Parameter([2.0, double.NaN, 3.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        tape.ToVariable((xs[0] * xs[1]) + xs[2].Square()).Backward();
        var grad = x.Grad!.ToArray();
        Assert.True(double.IsNaN(grad[0]));
        Assert.Equal(2.0, grad[1]);
        Assert.Equal(6.0, grad[2]);
    }

    [Fact]
    public void A_zero_partial_absorbs_an_infinite_upstream_gradient_and_other_components_are_unchanged()
    {
        // f = relu(x₀)·∞ + 3x₁ at x₀ = −1: relu′(−1) = 0 absorbs the ∞ (0 for x₀, as ChainMultiply), ∂/∂x₁ = 3.
        var x = Variable.Parameter([-1.0, 2.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        tape.ToVariable((xs[0].Relu() * double.PositiveInfinity) + (3.0 * xs[1])).Backward();
        Assert.Equal([0.0, 3.0], x.Grad!.ToArray());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("NaN")]
    [InlineData("1e-300")] // the second product underflows to 0: one entry
    [InlineData("1e300")] // the second product overflows to ∞: one entry
    [InlineData("-3.5")] // folded twice: no entry
    public void A_constant_factor_that_is_zero_infinite_or_NaN_or_overflows_the_scale_matches_the_Variable_path(string factor)
    {
        var c = double.Parse(factor, System.Globalization.CultureInfo.InvariantCulture);
        // x·c·c, then functions whose partials are 0, finite or ∞ at the points below, times an upstream gradient that is
        // 0, finite or ∞: wherever a zero meets ∞ the chain-rule product decides, as on the Variable path.
        foreach (var point in new[] { -2.0, -0.0, 0.0, 0.5, 3.0 })
        {
            foreach (var upstream in new[] { 0.0, 1.5, double.PositiveInfinity })
            {
                var x = Variable.Parameter([point]);
                var tape = new ScalarTape<double>();
                var xs = tape.Watch(x);
                var before = tape.Count;
                var scaled = xs[0] * c * c;

                // A finite factor folds into the scalar's scale (no entry), zero included: a zero scale stands for a
                // zero factor on the path. An infinite or NaN factor is recorded (the result has scale 1, so a second
                // one is recorded again), and a product of finite nonzero factors that overflows or underflows records
                // the scale so far and carries the factor.
                var expectedEntries = !double.IsFinite(c) ? 2 : c != 0 && (c * c == 0 || !double.IsFinite(c * c)) ? 1 : 0;
                Assert.Equal(expectedEntries, tape.Count - before);
                var onTape = tape.ToVariable((scaled.Relu() + scaled.Abs()) * upstream);
                onTape.Backward();

                var v = Variable.Parameter([point]);
                var w = v * c * c;
                var expected = (w.Relu() + w.Abs()) * upstream;
                expected.Sum().Backward();

                Assert.Equal(expected.Sum().ToScalar(), onTape.ToScalar());
                Assert.Equal(v.Grad!.ToArray()[0], x.Grad!.ToArray()[0]);
            }
        }
    }

    [Fact]
    public void Products_whose_partials_meet_zero_infinite_or_overflowing_scales_match_the_Variable_path() =>
        AssertProductsMatchTheVariablePath<double>([0.0, -0.0, 1e-200, 1e200, -2.0], [0.0, 1e-100, 1.5, 1e100, double.PositiveInfinity]);

    [Fact]
    public void Float_products_whose_partials_meet_zero_infinite_or_overflowing_scales_match_the_Variable_path() =>
        AssertProductsMatchTheVariablePath<float>([0f, -0f, 1e-30f, 1e30f, -2f], [0f, 1e-5f, 1.5f, 1e5f, float.PositiveInfinity]);

    /// <summary>
    /// Two scalars carrying folded scales (0, -0, tiny, huge, ordinary), combined by an operation whose partials are the
    /// other value (0, ordinary, huge, ∞, NaN), then scaled by an upstream factor. A partial times a scale that is zero,
    /// infinite, NaN or out of range takes the recorded route; the chain rule must come out as on the Variable path,
    /// where a zero factor absorbs ∞ and NaN. The magnitudes keep the Variable path's own products (upstream · partial
    /// first, then · scale) from overflowing or underflowing where the exact product would not, so that it is an exact
    /// oracle up to rounding.
    /// </summary>
    private static void AssertProductsMatchTheVariablePath<T>(T[] scales, T[] upstreams)
        where T : IFloatingPointIeee754<T>
    {
        T[] values = [T.Zero, T.CreateChecked(-1.5), T.PositiveInfinity, T.NaN];
        (string Name, Func<Scalar<T>, Scalar<T>, Scalar<T>> OnTape, Func<Variable<T>, Variable<T>, Variable<T>> OnGraph)[] ops =
        [
            ("x * y", (a, b) => a * b, (a, b) => a * b),
            ("x / y", (a, b) => a / b, (a, b) => a / b),
            ("Max(x, y)", Scalar.Max, Variable.Maximum),
            ("x * x", (a, _) => a * a, (a, _) => a * a),
        ];
        foreach (var (name, onTape, onGraph) in ops)
        {
            foreach (var sa in scales)
            {
                foreach (var sb in scales)
                {
                    foreach (var va in values)
                    {
                        foreach (var vb in values)
                        {
                            foreach (var upstream in upstreams)
                            {
                                var x = Variable.Parameter(va);
                                var y = Variable.Parameter(vb);
                                var tape = new ScalarTape<T>();
                                var result = tape.ToVariable(onTape(tape.WatchScalar(x) * sa, tape.WatchScalar(y) * sb) * upstream);
                                result.Backward();

                                var gx = Variable.Parameter(va);
                                var gy = Variable.Parameter(vb);
                                var expected = onGraph(gx * sa, gy * sb) * upstream;
                                expected.Backward();

                                var at = $"{name} at x = {va}·{sa}, y = {vb}·{sb}, upstream {upstream}";
                                Assert.True(Reassociation.SameUpToRounding(result.ToScalar(), expected.ToScalar()), $"{at}: value {result.ToScalar()}, Variable path {expected.ToScalar()}");
                                var want = (gx.Grad!.ToScalar(), gy.Grad is { } wy ? wy.ToScalar() : T.Zero);
                                var got = (x.Grad!.ToScalar(), y.Grad is { } gotY ? gotY.ToScalar() : T.Zero);
                                Assert.True(Reassociation.SameUpToRounding(got.Item1, want.Item1) && Reassociation.SameUpToRounding(got.Item2, want.Item2), $"{at}: gradient {got}, Variable path {want}");
                            }
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Random_programs_give_the_gradient_of_the_same_program_on_variables()
    {
        // Programs of up to 60 operations over two watched vectors, the second watched somewhere in the middle (so the
        // sweep crosses a watched range). Most operands are one, two or three slots back, the links the sweep keeps in
        // registers, and the rest anywhere, including watched slots. The same program on rank-0 variables is the
        // oracle. Every operation keeps |values| ≤ 10, so nothing overflows and the two differ only by rounding.
        var programs = Gen.Select(Gen.Double[-2, 2].Array[1, 6], Gen.Double[-2, 2].Array[1, 6], Gen.Int[0, 999].Array[3, 180], Gen.Int[0, 60]);
        programs.Sample(
            (xv, yv, codes, watchAt) =>
            {
                var x = Variable.Parameter(xv);
                var y = Variable.Parameter(yv);
                var px = xv.Select(Variable.Parameter).ToArray();
                var py = yv.Select(Variable.Parameter).ToArray();
                var tape = new ScalarTape<double>();
                var onTape = new List<Scalar<double>>(tape.Watch(x).ToArray());
                var onGraph = new List<Variable<double>>(px);
                var ops = codes.Length / 3;
                for (var op = 0; op <= ops; op++)
                {
                    if (op == Math.Min(watchAt, ops))
                    {
                        onTape.AddRange(tape.Watch(y).ToArray());
                        onGraph.AddRange(py);
                    }

                    if (op == ops)
                    {
                        break;
                    }

                    int kind = codes[3 * op] % 7, a = Pick(codes[(3 * op) + 1], onTape.Count), b = Pick(codes[(3 * op) + 2], onTape.Count);
                    Scalar<double> sa = onTape[a], sb = onTape[b];
                    Variable<double> va = onGraph[a], vb = onGraph[b];
                    (Scalar<double> S, Variable<double> V) next = kind switch
                    {
                        0 => ((sa + sb) * 0.5, (va + vb) * 0.5),
                        1 => ((sa - sb) * 0.5, (va - vb) * 0.5),
                        2 => (sa * sb * 0.1, va * vb * 0.1),
                        3 => (sa.Square() * 0.1, va.Square() * 0.1),
                        4 => (sa.Sin(), va.Sin()),
                        5 => (sa.Tanh(), va.Tanh()),
                        _ => ((0.5 * sa) + 1.0, (0.5 * va) + 1.0),
                    };
                    onTape.Add(next.S);
                    onGraph.Add(next.V);
                }

                // The output: the last three values, so several sweeps start from different slots.
                var n = onTape.Count;
                tape.ToVariable(onTape[n - 1] + onTape[n - 2] - onTape[Math.Max(0, n - 3)]).Backward();
                var expected = onGraph[n - 1] + onGraph[n - 2] - onGraph[Math.Max(0, n - 3)];
                if (expected.RequiresGrad)
                {
                    expected.Backward();
                }

                AssertClose(px, x.Grad);
                AssertClose(py, y.Grad);
            },
            iter: 400,
            threads: 1);

        // Mostly one, two or three slots back; otherwise any slot.
        static int Pick(int code, int count) => code < 700 ? Math.Max(0, count - 1 - (code % 3)) : code % count;

        static void AssertClose(Variable<double>[] oracle, Variable<double>? grad)
        {
            for (var i = 0; i < oracle.Length; i++)
            {
                var want = oracle[i].Grad?.ToScalar() ?? 0.0;
                var got = grad?.ToArray()[i] ?? 0.0;
                Assert.True(Math.Abs(got - want) <= 1e-10 * (1 + Math.Abs(want)), $"∂/∂[{i}]: {got:R} on the tape, {want:R} on variables");
            }
        }
    }

    [Fact]
    public void Back_to_back_watched_scalars_vectors_and_constants_each_get_their_own_gradient()
    {
        // Watched one after the other, so their slots are back to back (the sweep gathers such runs in one go), with
        // a constant in the middle that must not receive or shift anything, and p₁ watched twice.
        Variable<double>[] p = [Variable.Parameter(1.0), Variable.Parameter(2.0), Variable.Parameter(-3.0)];
        var c = Variable.Constant([5.0, 6.0]);
        var v = Variable.Parameter([0.5, -0.25]);
        var tape = new ScalarTape<double>();
        var s0 = tape.WatchScalar(p[0]);
        var s1 = tape.WatchScalar(p[1]);
        var cs = tape.Watch(c);
        var vs = tape.Watch(v);
        var s2 = tape.WatchScalar(p[2]);
        var again = tape.WatchScalar(p[1]);
        Assert.True(cs[0].IsConstant);
        Assert.Equal(2 + 2 + 3, tape.Count);

        var f = s0.Square() + (2.0 * s1.Square()) + (3.0 * cs[0] * s2) + (4.0 * vs[0].Square()) + (5.0 * vs[1] * cs[1]) + (6.0 * again);
        tape.ToVariable(f).Backward();

        Assert.Equal(2.0, p[0].Grad!.ToScalar()); // 2·p₀
        Assert.Equal(14.0, p[1].Grad!.ToScalar()); // 4·p₁ + 6
        Assert.Equal(15.0, p[2].Grad!.ToScalar()); // 3·c₀
        Assert.Equal([4.0, 30.0], v.Grad!.ToArray()); // [8·v₀, 5·c₁]
        Assert.Null(c.Grad);
    }

    [Fact]
    public void Watching_an_ended_result_throws_every_time_and_leaves_the_tape_usable()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        Variable<double> ended;
        using (Variable.StepScope())
        {
            ended = x * 2.0;
        }

        var tape = new ScalarTape<double>();
        Assert.Throws<InvalidOperationException>(() => tape.Watch(ended));
        Assert.Throws<InvalidOperationException>(() => tape.Watch(ended)); // not left half-watched
        var xs = tape.Watch(x);
        tape.ToVariable(xs[0] * xs[1]).Backward();
        Assert.Equal([2.0, 1.0], x.Grad!.ToArray());
    }

    // ----- Errors -----

    [Fact]
    public void A_scalar_or_vector_used_after_Reset_throws()
    {
        var x = Variable.Parameter([1.0, 2.0, 3.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var s = xs[0] * xs[1];
        var t = xs[2];
        tape.Reset();

        // A new, longer recording: the old indices must not be mistaken for its slots.
        var ys = tape.Watch(x);
        for (var i = 0; i < 20; i++)
        {
            _ = ys[0] * ys[1];
        }

        foreach (var use in new Action[]
        {
            () => _ = s * ys[0], () => _ = ys[0] + s, () => _ = tape.ToVariable(s), () => _ = xs[0],
            () => _ = s.Square() - ys[1], () => _ = tape.ToVariable(t.Exp()), () => _ = tape.ToVariable(s * 2.0),
        })
        {
            var error = Assert.Throws<InvalidOperationException>(use);
            Assert.Contains("before the tape was Reset()", error.Message, StringComparison.Ordinal);
        }

        // A function of one old scalar records nothing (its derivative folds into the scalar), so it computes the value
        // as a constant operation does; the result still belongs to the old recording, as the uses above show.
        Assert.Equal(4.0, s.Square().Value);
        Assert.Equal(Math.Exp(3.0), t.Exp().Value);
    }

    [Fact]
    public void Combining_scalars_of_two_tapes_throws()
    {
        var x = Variable.Parameter(1.0);
        var y = Variable.Parameter(2.0);
        var first = new ScalarTape<double>();
        var second = new ScalarTape<double>();
        var a = first.WatchScalar(x);
        var b = second.WatchScalar(y);
        foreach (var use in new Action[] { () => _ = a + b, () => _ = a - b, () => _ = a * b, () => _ = b / a, () => _ = a.Pow(b), () => _ = Scalar.Max(a, b), () => _ = Scalar.Min(b, a), () => _ = first.ToVariable(b) })
        {
            var error = Assert.Throws<InvalidOperationException>(use);
            Assert.Contains("two different tapes", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Indexing_outside_the_watched_elements_throws()
    {
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(Variable.Parameter([1.0, 2.0, 3.0]));
        foreach (var index in new[] { 3, -1, int.MaxValue })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => xs[index]);
            Assert.Contains("outside the 3 watched elements", error.Message, StringComparison.Ordinal);
        }

        var notMatrix = Assert.Throws<InvalidOperationException>(() => xs[0, 0]);
        Assert.Contains("needs a watched matrix", notMatrix.Message, StringComparison.Ordinal);

        var m = tape.Watch(Variable.Parameter(new double[,] { { 1.0, 2.0 }, { 3.0, 4.0 } }));
        foreach (var (row, column) in new[] { (2, 0), (0, 2), (-1, 0) })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => m[row, column]);
            Assert.Contains("is outside shape", error.Message, StringComparison.Ordinal);
        }

        var copy = Assert.Throws<ArgumentException>(() => xs.CopyTo(new Scalar<double>[2]));
        Assert.Contains("fewer than the 3", copy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaf_gradients_delivered_straight_from_the_tape_add_up_with_ordinary_contributions_in_either_order()
    {
        // f = Σ xᵢ² + s·x₀ on the tape, plus ordinary terms on the same leaves: ∂/∂xᵢ = 2xᵢ + [i = 0]·s + 2 (from
        // (x·2).Sum()), ∂/∂s = x₀ + 3. The tape delivers to the leaves itself in an ordinary pass (AccumulateGradFrom,
        // AccumulateScalarGrad); Gradients(...) takes the general path; all must agree with the hand-derived values.
        double[] values = [1.5, -2.0, 0.25];
        const double S = 0.75;
        foreach (var tapeFirst in new[] { true, false })
        {
            foreach (var zeroInPlace in new[] { false, true })
            {
                var x = Variable.Parameter(values);
                var s = Variable.Parameter(S);
                var tape = new ScalarTape<double>();
                for (var pass = 0; pass < 3; pass++)
                {
                    x.ZeroGrad(setToNull: zeroInPlace);
                    s.ZeroGrad(setToNull: zeroInPlace);
                    tape.Reset();
                    var xs = tape.Watch(x);
                    var ss = tape.WatchScalar(s);
                    Scalar<double> f = ss * xs[0];
                    for (var i = 0; i < xs.Length; i++)
                    {
                        f += xs[i].Square();
                    }

                    var onTape = tape.ToVariable(f);
                    var ordinary = (x * 2.0).Sum() + (s * 3.0);
                    var loss = tapeFirst ? onTape + ordinary : ordinary + onTape;
                    var viaGradients = Variable.Gradients(loss, [x, s], retainGraph: true);
                    loss.Backward();

                    var gx = x.Grad!.ToArray();
                    for (var i = 0; i < values.Length; i++)
                    {
                        var expected = (2 * values[i]) + (i == 0 ? S : 0) + 2;
                        Assert.Equal(expected, gx[i], 14);
                        Assert.Equal(expected, viaGradients[0]!.Values[i], 14);
                    }

                    Assert.Equal(values[0] + 3, s.Grad!.ToScalar(), 14);
                    Assert.Equal(values[0] + 3, viaGradients[1]!.ToScalar(), 14);
                }
            }
        }
    }

    [Fact]
    public void Clamp_rejects_an_empty_or_NaN_interval_as_Variable_Clamp_does()
    {
        var tape = new ScalarTape<double>();
        var x = tape.Watch(Variable.Parameter([1.0]))[0];
        foreach (var (min, max) in new[] { (2.0, 1.0), (double.NaN, 1.0), (0.0, double.NaN) })
        {
            var error = Assert.Throws<ArgumentException>(() => x.Clamp(min, max));
            Assert.Contains("must be less than or equal to max", error.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => Variable.Parameter([1.0]).Clamp(min, max));
        }

        Assert.Equal(1.0, x.Clamp(1.0, 1.0).Value);
    }

    [Fact]
    public void WatchScalar_accepts_one_element_and_rejects_more()
    {
        var tape = new ScalarTape<double>();
        var error = Assert.Throws<ArgumentException>(() => tape.WatchScalar(Variable.Parameter([1.0, 2.0, 3.0])));
        Assert.Contains("only a one-element variable is a scalar", error.Message, StringComparison.Ordinal);
        Assert.Contains("[3]", error.Message, StringComparison.Ordinal);

        // One element in any shape is fine.
        var one = Variable.Parameter([4.0], new Shape(1, 1));
        var s = tape.WatchScalar(one);
        tape.ToVariable(s.Square()).Backward();
        Assert.Equal([8.0], one.Grad!.ToArray());
    }

    [Fact]
    public void ToVariable_with_a_shape_the_outputs_do_not_fill_throws()
    {
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(Variable.Parameter([1.0, 2.0, 3.0]));
        var error = Assert.Throws<ArgumentException>(() => tape.ToVariable([xs[0], xs[1], xs[2]], new Shape(2, 2)));
        Assert.Contains("3 outputs do not fill shape", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateGraph_through_a_tape_output_throws_NotSupported()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var output = tape.ToVariable(xs[0] * xs[1]);
        var error = Assert.Throws<NotSupportedException>(() => output.Backward(createGraph: true));
        Assert.Contains("cannot be differentiated again", error.Message, StringComparison.Ordinal);

        var again = tape.ToVariable(xs[0].Exp());
        Assert.Throws<NotSupportedException>(() => Variable.Gradients((again * 2.0) + x.Sum(), [x], createGraph: true));
    }

    [Fact]
    public void Backward_after_Reset_throws_and_delivers_nothing()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        var output = tape.ToVariable(xs[0] * xs[1]);
        tape.Reset();
        var error = Assert.Throws<InvalidOperationException>(() => output.Backward());
        Assert.Contains("before the tape was Reset()", error.Message, StringComparison.Ordinal);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Invalid_construction_and_null_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScalarTape<double>(-1));
        var tape = new ScalarTape<double>(0); // rounded up to a minimum: still usable
        Assert.Throws<ArgumentNullException>(() => tape.Watch(null!));
        Assert.Throws<ArgumentNullException>(() => tape.WatchScalar(null!));
    }

    // ----- Growth -----

    [Fact]
    public void A_recording_of_100000_operations_on_a_default_tape_gives_the_right_gradient_and_repeats_bitwise()
    {
        const int n = 1000;
        const int terms = 50_001; // a product and (after the first) a sum each: 100,001 entries
        var start = Enumerable.Range(0, n).Select(i => Math.Sin(i * 0.37) * 1.5).ToArray();
        var x = Variable.Parameter(start);
        var tape = new ScalarTape<double>();

        double[] Evaluate()
        {
            x.ZeroGrad();
            tape.Reset();
            var xs = tape.Watch(x);
            Scalar<double> f = 0.0;
            for (var j = 0; j < terms; j++)
            {
                f += xs[j % n] * xs[((7 * j) + 1) % n];
            }

            Assert.Equal(n + (2 * terms) - 1, tape.Count);
            tape.ToVariable(f).Backward();
            return x.Grad!.ToArray();
        }

        var first = Evaluate();

        // ∂/∂x_k = Σ over terms x_a·x_b of [a = k]·x_b + [b = k]·x_a.
        var expected = new double[n];
        var magnitude = new double[n];
        var count = new int[n];
        for (var j = 0; j < terms; j++)
        {
            int a = j % n, b = ((7 * j) + 1) % n;
            expected[a] += start[b];
            expected[b] += start[a];
            magnitude[a] += Math.Abs(start[b]);
            magnitude[b] += Math.Abs(start[a]);
            count[a]++;
            count[b]++;
        }

        for (var k = 0; k < n; k++)
        {
            // The tape's terms are exact (partial x_b times adjoint 1); both sides sum count[k] of them in some order,
            // each within count[k]·u·Σ|terms| of the exact sum (the recursive summation bound).
            Assert.True(Math.Abs(first[k] - expected[k]) <= 2 * count[k] * DoubleRoundoff * magnitude[k], $"∂/∂x{k}: {first[k]:R} vs {expected[k]:R}");
        }

        Assert.Equal(first, Evaluate());
    }

    [Fact]
    public void Watching_a_variable_larger_than_the_capacity_grows_the_tape()
    {
        const int n = 100_000;
        var x = Variable.Parameter(new double[n]);
        var tape = new ScalarTape<double>();
        var xs = tape.Watch(x);
        Assert.Equal(n, tape.Count);

        // f = Σ (i mod 7)·x_i: ∂/∂x_i = i mod 7 exactly (integer products and sums of 1s).
        Scalar<double> f = 0.0;
        for (var i = 0; i < n; i++)
        {
            f += xs[i] * (i % 7);
        }

        tape.ToVariable(f).Backward();
        Assert.Equal(Enumerable.Range(0, n).Select(i => (double)(i % 7)), x.Grad!.ToArray());
    }

    // ----- Steady state -----

    [Fact]
    public void A_steady_state_evaluation_over_1000_watched_scalar_parameters_allocates_at_most_the_scope_object()
    {
        // WatchScalar on each rank-0 parameter: the output's node has 1000 inputs, and its input array is reused with
        // the pooled node from one evaluation to the next.
        var parameters = Enumerable.Range(0, 1000).Select(i => Variable.Parameter(i % 2 == 0 ? -1.2 : 1.0)).ToArray();
        var scalars = new Scalar<double>[parameters.Length];
        var tape = new ScalarTape<double>();
        double Evaluate()
        {
            tape.Reset();
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].ZeroGrad();
                scalars[i] = tape.WatchScalar(parameters[i]);
            }

            Scalar<double> f = 0.0;
            for (var i = 0; i < scalars.Length - 1; i++)
            {
                var a = scalars[i + 1] - scalars[i].Square();
                f += (100.0 * a.Square()) + (1.0 - scalars[i]).Square();
            }

            var output = tape.ToVariable(f);
            output.Backward();
            return output.ToScalar() + parameters[0].CurrentGrad!.ToScalar() + parameters[^1].CurrentGrad!.ToScalar();
        }

        double expected;
        using (Variable.StepScope(recycleVariables: true))
        {
            expected = Evaluate();
        }

        for (var warm = 0; warm < 3; warm++)
        {
            using (Variable.StepScope(recycleVariables: true))
            {
                Assert.Equal(expected, Evaluate());
            }
        }

        var beforeEmpty = GC.GetAllocatedBytesForCurrentThread();
        using (Variable.StepScope(recycleVariables: true))
        {
        }

        var scopeObject = GC.GetAllocatedBytesForCurrentThread() - beforeEmpty;
        var before = GC.GetAllocatedBytesForCurrentThread();
        double value;
        using (Variable.StepScope(recycleVariables: true))
        {
            value = Evaluate();
        }

        var total = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, value);
        Assert.True(total <= scopeObject, $"an evaluation with its scope allocated {total} bytes; the scope object alone is {scopeObject}");
    }

    [Fact]
    public void A_steady_state_evaluation_in_a_recycling_scope_allocates_at_most_the_scope_object()
    {
        var x = Variable.Parameter(Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray());
        var tape = new ScalarTape<double>();
        double Evaluate()
        {
            x.ZeroGrad(setToNull: false);
            tape.Reset();
            var xs = tape.Watch(x);
            Scalar<double> f = 0.0;
            for (var i = 0; i < xs.Length - 1; i++)
            {
                var a = xs[i + 1] - xs[i].Square();
                f += (100.0 * a.Square()) + (1.0 - xs[i]).Square();
                f += ((a / 7.0).Tanh() - (2.0 / (3.0 + xs[i].Abs()))) * 1e-3;
                f += (xs[i].Sin() * xs[i + 1].Cos()) + xs[i].Sigmoid().Exp().Log() + (-xs[i]).Relu() + ((xs[i].Square() + 1.0).Sqrt().Pow(1.5) * Scalar.Max(xs[i], xs[i + 1]));
            }

            var loss = tape.ToVariable(f);
            loss.Backward();
            return loss.ToScalar() + x.Grad!.Values[0] + x.Grad!.Values[199];
        }

        var expected = 0.0;
        for (var warm = 0; warm < 3; warm++)
        {
            using (Variable.StepScope(recycleVariables: true))
            {
                expected = Evaluate();
            }

            using (Variable.StepScope(recycleVariables: true))
            {
            }
        }

        // The scope object alone, for the bound.
        var beforeEmpty = GC.GetAllocatedBytesForCurrentThread();
        using (Variable.StepScope(recycleVariables: true))
        {
        }

        var scopeObject = GC.GetAllocatedBytesForCurrentThread() - beforeEmpty;

        // The whole evaluation with its scope, and the evaluation alone inside the scope (as in ScopeTapeTests).
        double value;
        long inside;
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (Variable.StepScope(recycleVariables: true))
        {
            var beforeInside = GC.GetAllocatedBytesForCurrentThread();
            value = Evaluate();
            inside = GC.GetAllocatedBytesForCurrentThread() - beforeInside;
        }

        var total = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, value);
        Assert.Equal(0, inside);
        Assert.True(total <= scopeObject, $"an evaluation with its scope allocated {total} bytes; the scope object alone is {scopeObject}");
    }

    // ----- Helpers -----

    /// <summary>The generalized Rosenbrock function Σᵢ 100(x_{i+1} − xᵢ²)² + (1 − xᵢ)², recorded on <paramref name="tape"/>.</summary>
    private static Variable<T> RosenbrockOnTape<T>(ScalarTape<T> tape, Variable<T> x)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        tape.Reset();
        var xs = tape.Watch(x);
        var hundred = T.CreateChecked(100);
        Scalar<T> f = T.Zero;
        for (var i = 0; i < xs.Length - 1; i++)
        {
            var a = xs[i + 1] - xs[i].Square();
            var b = T.One - xs[i];
            f += (hundred * a.Square()) + b.Square();
        }

        return tape.ToVariable(f);
    }

    /// <summary>
    /// Checks ∂f/∂xⱼ = −400·xⱼ·(x_{j+1} − xⱼ²) − 2(1 − xⱼ) [j &lt; n − 1] + 200·(xⱼ − x_{j−1}²) [j &gt; 0], computed in
    /// double. Each term is a few roundings (in the tape's type, unit roundoff <paramref name="roundoff"/>) of products
    /// of the operands, and x_{j+1} − xⱼ² can cancel, so the bound is 32·u times the same terms with every operand
    /// replaced by its magnitude (|x_{j+1}| + xⱼ² for the difference). Underflow adds an absolute error of at most
    /// <paramref name="tiny"/> (the smallest subnormal) per rounding, times the constants 400 and 200 at most: the
    /// bound has 32·1000·tiny more (it matters only for subnormal starting points, which the generators produce).
    /// </summary>
    private static void AssertRosenbrockGradient(double[] x, double[] gradient, double roundoff, double tiny, string type)
    {
        var n = x.Length;
        for (var j = 0; j < n; j++)
        {
            double expected = 0, scale = 0;
            if (j < n - 1)
            {
                var a = x[j + 1] - (x[j] * x[j]);
                expected += (-400 * x[j] * a) - (2 * (1 - x[j]));
                scale += (400 * Math.Abs(x[j]) * (Math.Abs(x[j + 1]) + (x[j] * x[j]))) + (2 * (1 + Math.Abs(x[j])));
            }

            if (j > 0)
            {
                expected += 200 * (x[j] - (x[j - 1] * x[j - 1]));
                scale += 200 * (Math.Abs(x[j]) + (x[j - 1] * x[j - 1]));
            }

            var bound = 32 * ((roundoff * scale) + (1000 * tiny));
            Assert.True(Math.Abs(gradient[j] - expected) <= bound, $"{type} Rosenbrock n = {n}: ∂/∂x{j} = {gradient[j]:R}, formula {expected:R} (bound {bound:R})");
        }
    }
}
