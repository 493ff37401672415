using AutoGrad;

namespace AutoGrad.Tests.Autodiff;

/// <summary>ToString shows values, shape, element type and gradient status, abbreviated when large.</summary>
public class FormattingTests
{
    [Fact]
    public void Small_vector_shows_all_values_shape_and_status()
    {
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        Assert.Equal("[-1.2, 1] (shape [2], double, requires grad)", x.ToString());
        Assert.Equal("5 (shape [], double, grad_fn Multiply)", (Variable.Parameter(2.5) * 2).ToString());
        Assert.Equal("[[1, 2],\n [3, 4]] (shape [2, 2], float)", Variable.Constant(new[] { 1f, 2f, 3f, 4f }, [2, 2]).ToString());
    }

    [Fact]
    public void Large_tensor_is_abbreviated()
    {
        var x = Variable.Zeros<double>([100, 100]);
        var text = x.ToString();
        Assert.Contains("...", text, StringComparison.Ordinal);
        Assert.True(text.Length < 400, text);
        Assert.EndsWith("(shape [100, 100], double)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Factories_build_the_requested_shapes_and_values()
    {
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, Variable.Ones<double>([3]).ToArray());
        Assert.Equal(new[] { 7f, 7f }, Variable.Full([2], 7f).ToArray());
        Assert.Equal(new[,] { { 1.0, 2.0 }, { 3.0, 4.0 } }, Variable.Parameter(new[,] { { 1.0, 2.0 }, { 3.0, 4.0 } }).ToArray2D());
        Assert.Equal(Variable.Uniform([5], -1.0, 1.0, seed: 3).ToArray(), Variable.Uniform([5], -1.0, 1.0, seed: 3).ToArray());
        Assert.All(Variable.Uniform([1000], 2.0, 3.0, seed: 1).ToArray(), v => Assert.InRange(v, 2.0, 3.0));
        var n = Variable.Normal([20000], 1.0, 2.0, seed: 5).ToArray();
        Assert.InRange(n.Average(), 0.95, 1.05);
        Assert.InRange(Math.Sqrt(n.Select(v => (v - 1) * (v - 1)).Average()), 1.95, 2.05);
        Assert.True(Variable.Zeros<double>([2], requiresGrad: true).RequiresGrad);
    }

    [Fact]
    public void Parameter_copies_the_callers_array()
    {
        var data = new[] { 1.0, 2.0 };
        var x = Variable.Parameter(data);
        data[0] = 99;
        Assert.Equal(1.0, x.ToArray()[0]);
    }

    [Fact]
    public void Shape_counts_axes_for_spreads_and_from_end_indices()
    {
        // Regression: a Length property (the element count) made C# spread [2, .. shape] as three items.
        var s = new Shape(2, 5);
        Shape t = [7, .. s];
        Assert.Equal(new Shape(7, 2, 5), t);
        Assert.Equal(5, s[^1]);
        Assert.Equal(5, s[-1]);
        Assert.Equal(10, s.ElementCount);
        Assert.Equal(2, s.Count);
        Assert.Equal(1, Shape.Scalar.ElementCount);
        Assert.Equal("[]", Shape.Scalar.ToString());
    }
}
