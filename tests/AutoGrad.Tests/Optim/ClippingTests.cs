using AutoGrad;

namespace AutoGrad.Tests.Optim;

/// <summary>
/// GradientClipping against PyTorch's clip_grad_norm_/clip_grad_value_ formulas (the trajectories in ScheduleTests
/// check them against PyTorch itself): values, the returned norm, non-finite norms, float, graph-carrying gradients.
/// </summary>
public class ClippingTests
{
    [Fact]
    public void Clip_by_norm_scales_all_gradients_together_and_returns_the_norm_before()
    {
        var a = Parameter([3.0, 4.0], [1.0, 2.0]);
        var b = Parameter([12.0], [3.0]);
        var norm = GradientClipping.ClipByNorm([a, b], maxNorm: 2);

        Assert.Equal(13.0, norm, 14);
        var c = 2 / (13 + 1e-6);
        Assert.Equal(new[] { 3 * c, 4 * c }, a.Grad!.ToArray());
        Assert.Equal(12 * c, b.Grad!.ToScalar());
        Assert.Equal(2 - (1e-6 * c), Math.Sqrt(Sum(a.Grad.ToArray(), b.Grad.ToArray(), v => v * v)), 14);
    }

    [Fact]
    public void Clip_by_norm_leaves_small_gradients_unchanged_bit_for_bit()
    {
        var a = Parameter([0.1, -0.2, 0.3], [0.0, 0.0, 0.0]);
        var before = a.Grad!;
        var norm = GradientClipping.ClipByNorm([a], maxNorm: 1);
        Assert.Equal(Math.Sqrt(0.14), norm, 15);
        Assert.Equal(new[] { 0.1, -0.2, 0.3 }, a.Grad!.ToArray());
        Assert.Same(before, a.Grad);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    [InlineData(double.PositiveInfinity)]
    public void Norm_of_every_order_is_the_norm_of_the_per_parameter_norms(double p)
    {
        double[] ga = [0.5, -2.0, 1.5];
        double[] gb = [-3.0, 0.25];
        var a = Parameter(ga, [0.0, 0.0, 0.0]);
        var b = Parameter(gb, [0.0, 0.0]);
        var norm = GradientClipping.ClipByNorm([a, b], maxNorm: 1, normType: p);

        var expected = double.IsPositiveInfinity(p)
            ? 3.0
            : Math.Pow(Math.Pow(PNorm(ga, p), p) + Math.Pow(PNorm(gb, p), p), 1 / p);
        Assert.Equal(expected, norm, 13);
        var c = 1 / (expected + 1e-6);
        Assert.Equal(ga.Select(g => g * c), a.Grad!.ToArray(), (x, y) => Math.Abs(x - y) < 1e-15);
        Assert.Equal(gb.Select(g => g * c), b.Grad!.ToArray(), (x, y) => Math.Abs(x - y) < 1e-15);

        static double PNorm(double[] g, double p) => Math.Pow(g.Sum(v => Math.Pow(Math.Abs(v), p)), 1 / p);
    }

    [Fact]
    public void Parameters_without_gradients_are_skipped_and_none_gives_zero()
    {
        var a = Parameter([3.0, 4.0], [0.0, 0.0]);
        var none = Variable.Parameter(new[] { 1.0 });
        Assert.Equal(5.0, GradientClipping.ClipByNorm([a, none], 1), 14);
        Assert.Null(none.Grad);
        Assert.Equal(0.0, GradientClipping.ClipByNorm([none], 1));
        Assert.Equal(0.0, GradientClipping.ClipByNorm([], 1));
        GradientClipping.ClipByValue([none], 1);
        Assert.Null(none.Grad);
    }

    [Fact]
    public void A_parameter_listed_twice_counts_once()
    {
        var a = Parameter([3.0, 4.0], [0.0, 0.0]);
        Assert.Equal(5.0, GradientClipping.ClipByNorm([a, a], 1), 14);
        Assert.Equal(3 / (5 + 1e-6), a.Grad!.Values[0], 15);
    }

    [Fact]
    public void Non_finite_norm_throws_on_request_naming_the_norm_and_leaves_the_gradients()
    {
        var a = Parameter([1.0, 2.0], [0.0, 0.0]);
        var b = Variable.Parameter(new[] { 0.0, 4.0 });
        b.Sqrt().Sum().Backward();   // d√x/dx = ∞ at 0
        var e = Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipByNorm([a, b], 1, errorIfNonFinite: true));
        Assert.Contains("total norm of order 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("is Infinity", e.Message, StringComparison.Ordinal);
        Assert.Contains("parameter 1", e.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 1.0, 2.0 }, a.Grad!.ToArray());
        Assert.Equal(double.PositiveInfinity, b.Grad!.Values[0]);

        // Without the flag, PyTorch's arithmetic: the coefficient is 1/∞ = 0, so finite entries become 0 and ∞·0 NaN.
        Assert.Equal(double.PositiveInfinity, GradientClipping.ClipByNorm([a, b], 1));
        Assert.Equal(new[] { 0.0, 0.0 }, a.Grad!.ToArray());
        Assert.True(double.IsNaN(b.Grad!.Values[0]));
        Assert.Equal(0.0, b.Grad.Values[1]);

        var n = Parameter([double.NaN, 1.0], [0.0, 0.0]);
        Assert.Contains("is NaN", Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipByNorm([n], 1, double.PositiveInfinity, errorIfNonFinite: true)).Message, StringComparison.Ordinal);
        Assert.True(double.IsNaN(GradientClipping.ClipByNorm([n], 1, double.PositiveInfinity)));
        Assert.True(double.IsNaN(n.Grad!.Values[1]));
    }

    [Fact]
    public void A_total_that_overflows_is_reported_as_such()
    {
        var a = Parameter([1e200, 1e200], [0.0, 0.0]);
        var e = Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipByNorm([a], 1, errorIfNonFinite: true));
        Assert.Contains("overflows", e.Message, StringComparison.Ordinal);
        Assert.Equal(1e200, GradientClipping.ClipByNorm([a], 1, double.PositiveInfinity));
    }

    [Fact]
    public void Clip_by_value_clamps_each_element_and_keeps_NaN()
    {
        var a = Parameter([-5.0, 0.2, 7.0, double.NaN, -0.3], [0.0, 0.0, 0.0, 0.0, 0.0]);
        GradientClipping.ClipByValue([a], 0.25);
        var g = a.Grad!.ToArray();
        Assert.Equal(new[] { -0.25, 0.2, 0.25 }, g[..3]);
        Assert.True(double.IsNaN(g[3]));
        Assert.Equal(-0.25, g[4]);

        var small = Parameter([0.1, -0.1], [0.0, 0.0]);
        var before = small.Grad;
        GradientClipping.ClipByValue([small], double.PositiveInfinity);
        Assert.Same(before, small.Grad);
        Assert.Equal(new[] { 0.1, -0.1 }, small.Grad!.ToArray());
    }

    [Fact]
    public void Float_gradients_are_clipped_in_float()
    {
        var f = Variable.Parameter(new[] { 0f, 0f });
        (f * Variable.Constant(new[] { 3f, 4f })).Sum().Backward();
        var d = Parameter([12.0], [0.0]);
        var norm = GradientClipping.ClipByNorm(new IVariable[] { f, d }, maxNorm: 1);
        Assert.Equal(13.0, norm, 6);
        var c = (float)(1 / (13 + 1e-6));
        Assert.Equal(new[] { 3f * c, 4f * c }, f.Grad!.ToArray());

        var g = Variable.Parameter(new[] { 0f, 0f });
        (g * Variable.Constant(new[] { -2f, 0.5f })).Sum().Backward();
        GradientClipping.ClipByValue([g], 1);
        Assert.Equal(new[] { -1f, 0.5f }, g.Grad!.ToArray());
    }

    [Fact]
    public void Graph_carrying_gradients_are_replaced_not_changed_and_shared_ones_are_scaled_once()
    {
        // With createGraph both gradients of (a + b).Sum() may be one shared variable on the graph.
        var a = Variable.Parameter(new[] { 1.0, 2.0 });
        var b = Variable.Parameter(new[] { 3.0, 4.0 });
        ((a * a) + b).Sum().Backward(createGraph: true);
        var gradA = a.Grad!;
        var gradB = b.Grad!;
        Assert.True(gradA.RequiresGrad);

        var norm = GradientClipping.ClipByNorm([a, b], maxNorm: 1);
        var expected = Math.Sqrt(4 + 16 + 1 + 1);
        Assert.Equal(expected, norm, 14);
        var c = 1 / (expected + 1e-6);
        Assert.Equal(new[] { 2 * c, 4 * c }, a.Grad!.ToArray());
        Assert.Equal(new[] { c, c }, b.Grad!.ToArray());
        Assert.False(a.Grad.RequiresGrad);
        Assert.Equal(new[] { 2.0, 4.0 }, gradA.ToArray());
        Assert.Equal(new[] { 1.0, 1.0 }, gradB.ToArray());

        var x = Variable.Parameter(new[] { 1.0, 1.0 });
        var y = Variable.Parameter(new[] { 2.0, 2.0 });
        (x + y).Sum().Backward(createGraph: true);
        GradientClipping.ClipByNorm([x, y], maxNorm: 1);
        Assert.Equal(0.5, x.Grad!.Values[0], 6);
        Assert.Equal(0.5, y.Grad!.Values[0], 6);

        var z = Variable.Parameter(new[] { 3.0 });
        (z * z).Sum().Backward(createGraph: true);
        var gradZ = z.Grad!;
        GradientClipping.ClipByValue([z], 1);
        Assert.Equal(1.0, z.Grad!.ToScalar());
        Assert.Equal(6.0, gradZ.ToScalar());
    }

    [Fact]
    public void Arguments_are_validated()
    {
        var a = Parameter([1.0], [0.0]);
        Check(() => GradientClipping.ClipByNorm([a], -1), "maxNorm", "≥ 0");
        Check(() => GradientClipping.ClipByNorm([a], double.NaN), "maxNorm", "≥ 0");
        Check(() => GradientClipping.ClipByNorm([a], 1, normType: 0), "normType", "> 0");
        Check(() => GradientClipping.ClipByNorm([a], 1, normType: double.NaN), "normType", "PositiveInfinity");
        Check(() => GradientClipping.ClipByValue([a], -0.5), "clipValue", "≥ 0");
        Assert.Throws<ArgumentNullException>(() => GradientClipping.ClipByNorm(null!, 1));
        Assert.Contains("parameter 1 is null", Assert.Throws<ArgumentException>(() => GradientClipping.ClipByValue([a, null!], 1)).Message, StringComparison.Ordinal);
        var half = Variable.Parameter(new[] { (Half)1 });
        Assert.Contains("Half", Assert.Throws<ArgumentException>(() => GradientClipping.ClipByNorm([half], 1)).Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 1.0 }, a.Grad!.ToArray());

        static void Check(Action clip, string parameter, string range)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(clip);
            Assert.Equal(parameter, e.ParamName);
            Assert.Contains(range, e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A parameter at <paramref name="at"/> whose gradient is <paramref name="grad"/> (the loss Σ grad·x).</summary>
    private static Variable<double> Parameter(double[] grad, double[] at)
    {
        var x = Variable.Parameter(at);
        (x * Variable.Constant(grad)).Sum().Backward();
        return x;
    }

    private static double Sum(double[] a, double[] b, Func<double, double> f) => a.Concat(b).Sum(f);
}
