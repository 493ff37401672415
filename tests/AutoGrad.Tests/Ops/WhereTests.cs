using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Where selects gradients; a non-finite derivative in the unselected branch never becomes NaN.</summary>
public class WhereTests
{
    [Fact]
    public void Where_selects_values_with_broadcasting()
    {
        var c = Variable.Constant(new[] { 1.0, 0.0, 1.0 });
        var a = Variable.Constant(new[] { 10.0, 20.0, 30.0, 40.0, 50.0, 60.0 }, [2, 3]);
        var r = Variable.Where(c, a, -1.0);
        Assert.Equal(new[] { 10.0, -1.0, 30.0, 40.0, -1.0, 60.0 }, r.ToArray());
        Assert.Equal(new Shape(2, 3), r.Shape);
    }

    [Fact]
    public void Gradient_flows_only_to_the_selected_branch_and_sums_over_broadcast()
    {
        var x = Variable.Parameter(new[] { -1.0, 2.0, 3.0 });
        var y = Variable.Parameter(5.0);
        var r = Variable.Where(x > 0.0, x * 2, y);
        r.Sum().Backward();
        Assert.Equal(new[] { 0.0, 2.0, 2.0 }, x.Grad!.ToArray());
        Assert.Equal(1.0, y.Grad!.ToScalar());
    }

    [Fact]
    public void Sqrt_in_the_unselected_branch_gives_zero_not_NaN()
    {
        // d/dx √x = ∞ at 0; PyTorch returns NaN here (0·∞). AutoGrad's chain-rule product returns 0.
        var x = Variable.Parameter(new[] { 0.0, 4.0 });
        Variable.Where(x > 0.0, x.Sqrt(), 0.0).Sum().Backward();
        Assert.Equal(new[] { 0.0, 0.25 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Log_and_reciprocal_of_masked_out_values_give_zero_not_NaN()
    {
        var x = Variable.Parameter(new[] { -1.0, 0.0, 2.0 });
        var f = Variable.Where(x > 0.0, x.Log() + (1.0 / x), 0.0);
        f.Sum().Backward();
        var g = x.Grad!.ToArray();
        Assert.Equal(0.0, g[0]);
        Assert.Equal(0.0, g[1]);
        Assert.Equal((1 / 2.0) - (1 / 4.0), g[2], 15);
    }

    [Fact]
    public void Second_derivative_through_Where_is_finite_on_the_masked_branch()
    {
        var x = Variable.Parameter(new[] { 0.0, 4.0 });
        var f = Variable.Where(x > 0.0, x.Sqrt() * x, 0.0).Sum();
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
        var h = Variable.Gradients(g.Sum(), [x])[0]!.ToArray();
        Assert.Equal(0.0, h[0]);
        Assert.Equal(0.75 / Math.Sqrt(4.0), h[1], 15); // (x^1.5)'' = 0.75 x^-0.5
    }

    [Fact]
    public void A_genuinely_non_finite_gradient_is_still_reported()
    {
        // Zero absorbs ∞ only when the gradient reaching the op is zero: √x at 0 selected → +∞.
        var x = Variable.Parameter(0.0);
        x.Sqrt().Backward();
        Assert.Equal(double.PositiveInfinity, x.Grad!.ToScalar());
    }

    [Fact]
    public void Condition_is_not_differentiated()
    {
        var c = Variable.Parameter(new[] { 1.0, 0.0 });
        var a = Variable.Parameter(new[] { 1.0, 2.0 });
        Variable.Where(c, a, 0.0).Sum().Backward();
        Assert.Null(c.Grad);
        Assert.Equal(new[] { 1.0, 0.0 }, a.Grad!.ToArray());
    }
}
