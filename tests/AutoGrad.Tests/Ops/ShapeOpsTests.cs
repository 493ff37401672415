using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Flatten, Squeeze, Unsqueeze and Expand: shapes, gradients, argument validation, size-1 and empty axes, float.</summary>
public class ShapeOpsTests
{
    [Theory]
    [InlineData(0, -1, new[] { 24 })]
    [InlineData(1, 2, new[] { 2, 12 })]
    [InlineData(0, 1, new[] { 6, 4 })]
    [InlineData(-2, -1, new[] { 2, 12 })]
    [InlineData(1, 1, new[] { 2, 3, 4 })]
    public void Flatten_merges_the_axes_from_start_to_end(int start, int end, int[] expected)
    {
        var x = Variable.Parameter(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), [2, 3, 4]);
        var y = x.Flatten(start, end);
        Assert.Equal(new Shape(expected), y.Shape);
        Assert.Equal(x.ToArray(), y.ToArray());
        (y * 2).Sum().Backward();
        Assert.Equal(x.Shape, x.Grad!.Shape);
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(2.0, g));
    }

    [Fact]
    public void Flatten_of_a_scalar_is_a_one_element_vector_and_empty_axes_stay_empty()
    {
        Assert.Equal(new Shape(1), Variable.Constant(3.0).Flatten().Shape);
        Assert.Equal(new Shape(1), Variable.Constant(3.0).Flatten(-1, 0).Shape);
        Assert.Equal(new Shape(0, 3), Variable.Zeros<double>([2, 0, 3]).Flatten(0, 1).Shape);
    }

    [Fact]
    public void Flatten_errors_name_the_op_the_axes_and_the_shape()
    {
        var x = Variable.Zeros<double>([2, 3, 4]);
        var ex = Assert.Throws<ArgumentException>(() => x.Flatten(2, 1));
        Assert.Contains("Flatten", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3, 4]", ex.Message, StringComparison.Ordinal);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => x.Flatten(0, 3));
        Assert.Contains("Flatten", range.Message, StringComparison.Ordinal);
        Assert.Contains("axis 3", range.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Constant(1.0).Flatten(1));
    }

    [Fact]
    public void Squeeze_removes_every_size_one_axis()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0 }, [1, 3, 1]);
        var y = x.Squeeze();
        Assert.Equal(new Shape(3), y.Shape);
        y.Sum().Backward();
        Assert.Equal(new Shape(1, 3, 1), x.Grad!.Shape);

        Assert.Equal(Shape.Scalar, Variable.Zeros<double>([1, 1]).Squeeze().Shape);
        Assert.Equal(new Shape(2, 0), Variable.Zeros<double>([2, 1, 0]).Squeeze().Shape);
        Assert.Equal(Shape.Scalar, Variable.Constant(5.0).Squeeze().Shape);
    }

    [Fact]
    public void Squeeze_of_an_axis_removes_it_only_if_it_has_size_one()
    {
        var x = Variable.Zeros<double>([3, 1, 2]);
        Assert.Equal(new Shape(3, 2), x.Squeeze(1).Shape);
        Assert.Equal(new Shape(3, 2), x.Squeeze(-2).Shape);

        // PyTorch silently returns the tensor unchanged here; AutoGrad says so instead (see Squeeze's remarks).
        var ex = Assert.Throws<ArgumentException>(() => x.Squeeze(0));
        Assert.Contains("Squeeze", ex.Message, StringComparison.Ordinal);
        Assert.Contains("axis 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 1, 2]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("size 3", ex.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => x.Squeeze(3));
    }

    [Theory]
    [InlineData(0, new[] { 1, 2, 3 })]
    [InlineData(1, new[] { 2, 1, 3 })]
    [InlineData(2, new[] { 2, 3, 1 })]
    [InlineData(-1, new[] { 2, 3, 1 })]
    [InlineData(-3, new[] { 1, 2, 3 })]
    public void Unsqueeze_inserts_a_size_one_axis(int axis, int[] expected)
    {
        var x = Variable.Parameter(new double[6], [2, 3]);
        var y = x.Unsqueeze(axis);
        Assert.Equal(new Shape(expected), y.Shape);
        y.Sum().Backward();
        Assert.Equal(x.Shape, x.Grad!.Shape);
    }

    [Fact]
    public void Unsqueeze_of_a_scalar_and_out_of_range_axes()
    {
        Assert.Equal(new Shape(1), Variable.Constant(2.0).Unsqueeze(0).Shape);
        Assert.Equal(new Shape(1), Variable.Constant(2.0).Unsqueeze(-1).Shape);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2, 3]).Unsqueeze(3));
        Assert.Contains("Unsqueeze", ex.Message, StringComparison.Ordinal);
        Assert.Contains("axis 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-3..2", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2, 3]).Unsqueeze(-4));
    }

    [Fact]
    public void Expand_repeats_size_one_axes_and_keeps_minus_one()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0 }, [3, 1]);
        var y = x.Expand(2, -1, 4);
        Assert.Equal(new Shape(2, 3, 4), y.Shape);
        Assert.Equal(3.0, y[1, 2, 3].ToScalar());
        y.Sum().Backward();
        Assert.Equal(new[] { 8.0, 8.0, 8.0 }, x.Grad!.ToArray());

        Assert.Equal(new Shape(0, 3), Variable.Zeros<double>([1, 3]).Expand(0, -1).Shape);
        Assert.Equal(new Shape(2, 2), Variable.Constant(1.0).Expand(2, 2).Shape);
    }

    [Fact]
    public void Expand_errors_name_the_op_the_sizes_and_the_shape()
    {
        var x = Variable.Zeros<double>([3, 1]);
        var ex = Assert.Throws<ArgumentException>(() => x.Expand(4, 2));
        Assert.Contains("Expand", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 2]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 1]", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => x.Expand(-1, 3, 1));
        Assert.Contains("leading", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => x.Expand(4));
        Assert.Contains("rank 2", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => x.Expand(3, -2));
    }

    [Fact]
    public void Shape_ops_work_in_float()
    {
        var x = Variable.Parameter(new[] { 1f, 2f }, [2, 1]);
        var y = x.Expand(-1, 3).Unsqueeze(0).Flatten(1).Squeeze();
        Assert.Equal(new Shape(6), y.Shape);
        Assert.Equal(new[] { 1f, 1f, 1f, 2f, 2f, 2f }, y.ToArray());
        y.Sum().Backward();
        Assert.Equal(new[] { 3f, 3f }, x.Grad!.ToArray());
    }
}
