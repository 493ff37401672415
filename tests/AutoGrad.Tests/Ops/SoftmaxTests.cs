using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Softmax and LogSoftmax: values, axes, stability for large logits, −∞ entries, derivatives and errors.</summary>
public class SoftmaxTests
{
    [Fact]
    public void Softmax_normalizes_along_the_axis()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0, -1.0, 0.0, 4.0 }, [2, 3]);
        var rows = x.Softmax();
        var columns = x.Softmax(0);
        Assert.Equal(x.Shape, rows.Shape);
        var z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(2) / z, rows.Values[1], 15);
        Assert.Equal(1.0, rows.Values[0] + rows.Values[1] + rows.Values[2], 15);
        Assert.Equal(1.0, rows.Values[3] + rows.Values[4] + rows.Values[5], 15);
        Assert.Equal(Math.Exp(1) / (Math.Exp(1) + Math.Exp(-1)), columns.Values[0], 15);
        Assert.Equal(1.0, columns.Values[2] + columns.Values[5], 15);

        var log = x.LogSoftmax(-1);
        Assert.Equal(2 - Math.Log(z), log.Values[1], 14);
        Assert.Equal(rows.ToArray().Select(v => Math.Log(v)), log.ToArray(), (a, b) => Math.Abs(a - b) < 1e-14);
    }

    [Theory]
    [InlineData(1e3)]
    [InlineData(1e4)]
    [InlineData(1e6)]
    public void Large_logits_give_finite_values_and_gradients(double scale)
    {
        var x = Variable.Parameter(new[] { 1.0, -0.5, 0.25, -1.0, 0.75, 0.5 }.Select(v => v * scale).ToArray(), [2, 3]);
        var p = x.Softmax();
        var q = x.LogSoftmax();
        Assert.All(p.ToArray(), v => Assert.True(double.IsFinite(v) && v >= 0 && v <= 1));
        Assert.All(q.ToArray(), v => Assert.True(double.IsFinite(v) && v <= 0));
        Assert.Equal(new[] { 0.0, -1.5 * scale, -0.75 * scale, -1.75 * scale, 0.0, -0.25 * scale }, q.ToArray());

        (p * Variable.Constant(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }, [2, 3])).Sum().Backward(retainGraph: true);
        Assert.All(x.Grad!.ToArray(), g => Assert.True(double.IsFinite(g)));
        x.ZeroGrad();
        q.Sum().Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void LogSoftmax_keeps_full_relative_accuracy_for_a_dominant_large_logit()
    {
        // log softmax of [1e4, 1e4 − 12] is −log1p(e^−12) ≈ −6.1e-6 for the first entry; computing x − (m + log Σ)
        // would round m + log Σ at 1e4 and keep only 7 digits of it. Subtracting the maximum first keeps all of them.
        var q = Variable.Constant(new[] { 1e4, 1e4 - 12 }).LogSoftmax();
        var expected = -Math.Log(1 + Math.Exp(-12));
        Assert.True(Math.Abs(q.Values[0] - expected) <= 1e-15 * Math.Abs(expected), $"{q.Values[0]:R} vs {expected:R}");
        Assert.Equal(-12 + expected, q.Values[1], 14);
    }

    [Fact]
    public void Float_softmax_of_logits_beyond_exp_overflow_is_finite()
    {
        // exp overflows float above ~88.7; the shift by the maximum keeps every exponent ≤ 0.
        var x = Variable.Parameter(new[] { 1000f, 999f, -1000f, 500f }, [2, 2]);
        var p = x.Softmax();
        Assert.Equal(1 / (1 + MathF.Exp(-1)), p.Values[0], 6);
        Assert.Equal(0f, p.Values[2]);
        Assert.Equal(1f, p.Values[3], 6);
        var q = x.LogSoftmax();
        Assert.Equal(-1500f, q.Values[2]);
        (p[0, 0] + q[1, 0]).Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void Negative_infinity_is_probability_zero_with_a_finite_gradient()
    {
        var x = Variable.Parameter(new[] { 0.5, double.NegativeInfinity, -0.5 });
        var p = x.Softmax();
        Assert.Equal(0.0, p.Values[1]);
        Assert.Equal(1.0, p.Values[0] + p.Values[2], 15);
        Assert.Equal(double.NegativeInfinity, x.LogSoftmax().Values[1]);
        (p * Variable.Constant(new[] { 1.0, 2.0, 3.0 })).Sum().Backward();
        Assert.Equal(0.0, x.Grad!.Values[1]);
        Assert.True(double.IsFinite(x.Grad.Values[0]) && double.IsFinite(x.Grad.Values[2]));
    }

    [Fact]
    public void Gradients_follow_the_derivative_table()
    {
        var x = Variable.Parameter(new[] { 0.3, -1.2, 2.0, 0.7 });
        var w = new[] { 0.5, -1.0, 2.0, 1.5 };
        var p = x.Softmax();
        (p * Variable.Constant(w)).Sum().Backward();
        var pv = p.ToArray();
        var dot = pv.Zip(w, (a, b) => a * b).Sum();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(pv[i] * (w[i] - dot), x.Grad!.Values[i], 15);
        }

        x.ZeroGrad();
        (x.LogSoftmax() * Variable.Constant(w)).Sum().Backward();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(w[i] - (pv[i] * w.Sum()), x.Grad!.Values[i], 14);
        }
    }

    [Fact]
    public void Second_derivative_of_log_sum_of_probabilities_is_the_softmax_Hessian()
    {
        // f(x) = Σ wᵢ·log softmax(x)ᵢ with Σ w = 1 is −(cross entropy); its Hessian is −(diag p − p pᵀ).
        var x = Variable.Parameter(new[] { 0.1, 1.1, -0.4 });
        var w = Variable.Constant(new[] { 0.2, 0.5, 0.3 });
        var f = (x.LogSoftmax() * w).Sum();
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
        var p = x.Softmax().ToArray();
        for (var i = 0; i < 3; i++)
        {
            var row = Variable.Gradients(g[i], [x], retainGraph: true)[0]!.ToArray();
            for (var j = 0; j < 3; j++)
            {
                var expected = -((i == j ? p[i] : 0) - (p[i] * p[j]));
                Assert.Equal(expected, row[j], 14);
            }
        }
    }

    [Fact]
    public void A_scalar_is_a_single_class()
    {
        var x = Variable.Parameter(2.5);
        Assert.Equal(1.0, x.Softmax().ToScalar());
        Assert.Equal(0.0, x.LogSoftmax(0).ToScalar());
        Assert.Equal(Shape.Scalar, x.Softmax().Shape);
        x.LogSoftmax().Backward();
        Assert.Equal(0.0, x.Grad!.ToScalar());
    }

    [Fact]
    public void Empty_axes_and_size_one_axes()
    {
        Assert.Equal(new Shape(2, 0), Variable.Zeros<double>([2, 0]).Softmax().Shape);
        Assert.Equal(new Shape(0, 3), Variable.Zeros<double>([0, 3]).LogSoftmax().Shape);
        Assert.Equal(new[] { 1.0, 1.0 }, Variable.Constant(new[] { 5.0, -7.0 }, [2, 1]).Softmax().ToArray());
        Assert.Equal(new[] { 0.0, 0.0 }, Variable.Constant(new[] { 5.0, -7.0 }, [2, 1]).LogSoftmax().ToArray());
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    public void An_axis_out_of_range_names_the_op_the_shape_and_the_axis(string op)
    {
        var x = Variable.Zeros<double>([2, 3]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => op == "Softmax" ? x.Softmax(2) : x.LogSoftmax(-3));
        Assert.Contains(op + ":", e.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", e.Message, StringComparison.Ordinal);
        Assert.Contains(op == "Softmax" ? "axis 2" : "axis -3", e.Message, StringComparison.Ordinal);

        var scalar = Variable.Constant(1.0);
        var s = Assert.Throws<ArgumentOutOfRangeException>(() => op == "Softmax" ? scalar.Softmax(1) : scalar.LogSoftmax(1));
        Assert.Contains(op + ": axis 1", s.Message, StringComparison.Ordinal);
    }
}
