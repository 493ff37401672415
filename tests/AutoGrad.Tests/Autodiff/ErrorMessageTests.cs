using AutoGrad;

namespace AutoGrad.Tests.Autodiff;

/// <summary>Bad input gets an exception that names the operation and the shapes.</summary>
public class ErrorMessageTests
{
    [Fact]
    public void Incompatible_broadcast_names_the_op_and_both_shapes()
    {
        var a = Variable.Zeros<double>([2, 3]);
        var b = Variable.Zeros<double>([4]);
        var ex = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("Add", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4]", ex.Message, StringComparison.Ordinal);

        var ex2 = Assert.Throws<ArgumentException>(() => a.Maximum(Variable.Zeros<double>([3, 3])));
        Assert.Contains("Maximum", ex2.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 3]", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backward_on_a_non_scalar_without_a_seed_says_what_to_do()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        var ex = Assert.Throws<InvalidOperationException>(() => (x * 2).Backward());
        Assert.Contains("[2]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("seed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_seed_shape_names_both_shapes()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0, 4.0 }, [2, 2]);
        var y = x * 2;
        var ex = Assert.Throws<ArgumentException>(() => y.Backward(Variable.Ones<double>([4])));
        Assert.Contains("[4]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 2]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => y.Backward(new[] { 1.0, 2.0 }));
    }

    [Fact]
    public void Backward_on_a_constant_explains_why_nothing_requires_gradients()
    {
        var c = Variable.Constant(2.0);
        var ex = Assert.Throws<InvalidOperationException>(() => (c * c).Backward());
        Assert.Contains("does not require gradients", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reduction_axis_out_of_range_names_op_axis_and_shape()
    {
        var x = Variable.Zeros<double>([2, 3]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(2));
        Assert.Contains("Sum", ex.Message, StringComparison.Ordinal);
        Assert.Contains("axis 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_errors_in_factories_reshape_and_scalars_are_explained()
    {
        Assert.Contains("do not fill shape", Assert.Throws<ArgumentException>(() => Variable.Parameter(new[] { 1.0, 2.0, 3.0 }, [2, 2])).Message, StringComparison.Ordinal);
        Assert.Contains("cannot be reshaped", Assert.Throws<ArgumentException>(() => Variable.Zeros<double>([2, 3]).Reshape(4)).Message, StringComparison.Ordinal);
        Assert.Contains("ToScalar", Assert.Throws<InvalidOperationException>(() => Variable.Zeros<double>([2]).ToScalar()).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<InvalidOperationException>(() => Variable.Zeros<double>([0]).Max()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Shape(2, -1));
    }

    [Fact]
    public void Index_errors_name_the_axis_and_shape()
    {
        var x = Variable.Zeros<double>([2, 3]);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => x[0, 3]);
        Assert.Contains("axis 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => x[0, 0, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => x[.., 1..5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0..2, step: 0));
    }
}
