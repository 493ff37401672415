using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Dot, Outer, Trace and Norm: values, argument validation, edge shapes, the gradient at zero, float.</summary>
public class ProductsAndNormTests
{
    private static readonly double[] s_orders = [1, 1.5, 2, 3, double.PositiveInfinity];

    [Fact]
    public void Dot_is_the_sum_of_products_and_differentiates_to_the_other_vector()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0 });
        var y = Variable.Parameter(new[] { 4.0, -5.0, 6.0 });
        var d = x.Dot(y);
        Assert.Equal(Shape.Scalar, d.Shape);
        Assert.Equal(12.0, d.ToScalar());
        d.Backward();
        Assert.Equal(y.ToArray(), x.Grad!.ToArray());
        Assert.Equal(x.ToArray(), y.Grad!.ToArray());
    }

    [Fact]
    public void Dot_of_empty_vectors_is_zero()
    {
        var x = Variable.Parameter(Array.Empty<double>());
        Assert.Equal(0.0, x.Dot(x).ToScalar());
    }

    [Fact]
    public void Dot_rejects_non_vectors_and_mismatched_lengths_naming_both_shapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Variable.Zeros<double>([2, 3]).Dot(Variable.Zeros<double>([3])));
        Assert.Contains("Dot", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3]", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => Variable.Zeros<double>([3]).Dot(Variable.Zeros<double>([4])));
        Assert.Contains("Dot", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4]", ex.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => Variable.Constant(1.0).Dot(Variable.Constant(1.0)));
    }

    [Fact]
    public void Outer_forms_every_product()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        var y = Variable.Parameter(new[] { 3.0, 4.0, 5.0 });
        var o = x.Outer(y);
        Assert.Equal(new Shape(2, 3), o.Shape);
        Assert.Equal(new[] { 3.0, 4.0, 5.0, 6.0, 8.0, 10.0 }, o.ToArray());
        o.Sum().Backward();
        Assert.Equal(new[] { 12.0, 12.0 }, x.Grad!.ToArray());
        Assert.Equal(new[] { 3.0, 3.0, 3.0 }, y.Grad!.ToArray());
        Assert.Equal(new Shape(0, 3), Variable.Zeros<double>([0]).Outer(y).Shape);
    }

    [Fact]
    public void Outer_rejects_non_vectors()
    {
        var ex = Assert.Throws<ArgumentException>(() => Variable.Zeros<double>([2]).Outer(Variable.Zeros<double>([2, 2])));
        Assert.Contains("Outer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 2]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(2, 5)]
    [InlineData(5, 3)]
    [InlineData(1, 1)]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    public void Trace_sums_the_main_diagonal_of_any_matrix_and_its_gradient_is_the_identity_pattern(int rows, int columns)
    {
        var values = Enumerable.Range(0, rows * columns).Select(i => (double)(i + 1)).ToArray();
        var x = Variable.Parameter(values, [rows, columns]);
        var t = x.Trace();
        var expected = Enumerable.Range(0, Math.Min(rows, columns)).Sum(i => values[(i * columns) + i]);
        Assert.Equal(expected, t.ToScalar());

        // PyTorch 1.13's trace backward puts a 1 at x[4, 0] of a 5×3 matrix; the gradient is 1 exactly on the diagonal.
        t.Backward();
        var grad = x.Grad!.ToArray();
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                Assert.Equal(i == j ? 1.0 : 0.0, grad[(i * columns) + j]);
            }
        }
    }

    [Fact]
    public void Trace_rejects_anything_but_a_matrix()
    {
        var ex = Assert.Throws<ArgumentException>(() => Variable.Zeros<double>([2, 2, 2]).Trace());
        Assert.Contains("Trace", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 2, 2]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Variable.Zeros<double>([4]).Trace());
    }

    [Fact]
    public void Products_work_in_float()
    {
        var x = Variable.Parameter(new[] { 1f, 2f, 3f });
        var y = Variable.Parameter(new[] { 0.5f, -1f, 2f });
        Assert.Equal(4.5f, x.Dot(y).ToScalar());
        Assert.Equal(new[] { 0.5f, -1f, 2f, 1f, -2f, 4f, 1.5f, -3f, 6f }, x.Outer(y).ToArray());
        Assert.Equal(1f + 5f + 9f, Variable.Parameter(Enumerable.Range(1, 9).Select(i => (float)i).ToArray(), [3, 3]).Trace().ToScalar());
    }

    [Theory]
    [InlineData(1, 8.0)]
    [InlineData(2, 5.0990195135927845)]
    [InlineData(3, 4.514357435474001)]
    [InlineData(double.PositiveInfinity, 4.0)]
    public void Norm_of_all_elements_matches_its_definition(double p, double expected)
    {
        var x = Variable.Parameter(new[] { 1.0, -3.0, 0.0, 4.0 }, [2, 2]);
        Assert.Equal(expected, x.Norm(p).ToScalar(), 14);
        Assert.Equal((float)expected, Variable.Parameter(new[] { 1f, -3f, 0f, 4f }).Norm(p).ToScalar(), 5);
    }

    [Fact]
    public void Norm_along_an_axis_reduces_that_axis()
    {
        var x = Variable.Parameter(new[] { 3.0, 4.0, 0.0, -5.0, 12.0, 0.0 }, [2, 3]);
        Assert.Equal(new[] { 5.0, 13.0 }, x.Norm(2, 1).ToArray());
        Assert.Equal(new Shape(2, 1), x.Norm(2, -1, keepDims: true).Shape);
        Assert.Equal(new[] { 8.0, 16.0, 0.0 }, x.Norm(1, axis: 0).ToArray());
        Assert.Equal(new[] { 5.0, 12.0, 0.0 }, x.Norm(double.PositiveInfinity, 0).ToArray());
    }

    [Fact]
    public void The_order_comes_first_as_in_PyTorch()
    {
        // x.norm(1) in PyTorch is the L1 norm of all elements, and so is x.Norm(1); the axis is the second argument.
        var x = Variable.Parameter(new[] { 3.0, 4.0, 6.0, 8.0 }, [2, 2]);
        Assert.Equal(21.0, x.Norm(1).ToScalar());
        Assert.Equal(21.0, x.Norm(p: 1).ToScalar());
        Assert.Equal(new[] { 5.0, 10.0 }, x.Norm(2, axis: 1).ToArray());
    }

    [Fact]
    public void Norm_neither_overflows_nor_underflows()
    {
        Assert.Equal(Math.Sqrt(2) * 1e200, Variable.Constant(new[] { 1e200, -1e200 }).Norm().ToScalar(), 1e188);
        Assert.Equal(1e-200, Variable.Constant(new[] { 1e-200, 0.0 }).Norm().ToScalar());
        Assert.Equal(Math.Cbrt(2) * 1e150, Variable.Constant(new[] { 1e150, 1e150 }).Norm(3).ToScalar(), 1e137);
        var f = Variable.Constant(new[] { 3e30f, 4e30f }).Norm().ToScalar();
        Assert.True(Math.Abs(f - 5e30f) <= 5e30f * 1e-6f, $"float L2 norm of [3e30, 4e30] is {f}");

        var x = Variable.Parameter(new[] { 3e200, 4e200 });
        x.Norm().Backward();
        Assert.Equal(0.6, x.Grad!.Values[0], 15);
        Assert.Equal(0.8, x.Grad!.Values[1], 15);
    }

    [Fact]
    public void Norm_propagates_nan_and_infinity()
    {
        Assert.True(double.IsNaN(Variable.Constant(new[] { 1.0, double.NaN }).Norm().ToScalar()));
        Assert.Equal(double.PositiveInfinity, Variable.Constant(new[] { 1.0, double.NegativeInfinity }).Norm(3).ToScalar());
    }

    [Fact]
    public void Norm_of_an_empty_variable_is_zero_for_finite_orders_and_an_error_for_infinity()
    {
        var empty = Variable.Parameter(Array.Empty<double>());
        Assert.Equal(0.0, empty.Norm().ToScalar());
        Assert.Equal(0.0, empty.Norm(1).ToScalar());
        Assert.Equal(0.0, empty.Norm(3).ToScalar());
        var ex = Assert.Throws<InvalidOperationException>(() => empty.Norm(double.PositiveInfinity));
        Assert.Contains("Norm", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[0]", ex.Message, StringComparison.Ordinal);

        var rows = Variable.Zeros<double>([0, 3], requiresGrad: true);
        Assert.Equal(new Shape(0), rows.Norm(double.PositiveInfinity, 1).Shape);
        ex = Assert.Throws<InvalidOperationException>(() => rows.Norm(double.PositiveInfinity, 0));
        Assert.Contains("axis 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[0, 3]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Norm_rejects_orders_below_one_naming_the_order_and_shape(double p)
    {
        var x = Variable.Zeros<double>([2, 3]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x.Norm(p));
        Assert.Contains("Norm", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Norm(p, 1));
    }

    [Fact]
    public void Norm_axis_out_of_range_names_op_axis_and_shape()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2, 3]).Norm(2, 2));
        Assert.Contains("Norm", ex.Message, StringComparison.Ordinal);
        Assert.Contains("axis 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Gradient_of_every_norm_at_zero_is_zero_as_in_PyTorch(double p)
    {
        var x = Variable.Parameter(new double[3]);
        x.Norm(p).Backward();
        Assert.Equal(new double[3], x.Grad!.ToArray());

        var xf = Variable.Parameter(new float[3]);
        xf.Norm(p).Backward();
        Assert.Equal(new float[3], xf.Grad!.ToArray());

        // Only the zero row has a zero gradient along an axis.
        var rows = Variable.Parameter(new[] { 0.0, 0.0, 3.0, -4.0 }, [2, 2]);
        rows.Norm(p, 1).Sum().Backward();
        Assert.Equal(0.0, rows.Grad!.Values[0]);
        Assert.Equal(0.0, rows.Grad!.Values[1]);
        Assert.True(rows.Grad!.Values[2] >= 0 && rows.Grad!.Values[3] < 0);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Second_derivative_at_zero_is_finite(double p)
    {
        foreach (var values in new[] { new double[3], new[] { 0.0, 1.0, -2.0 } })
        {
            var x = Variable.Parameter(values);
            var hessian = Hessian(x, x.Norm(p));
            Assert.All(hessian, h => Assert.True(double.IsFinite(h), $"p = {p}, x = [{string.Join(", ", values)}]: Hessian entry {h}"));
        }

        // The documented values at the zero vector: the identity for p = 2 (the rule is x / 1 where the norm is 0), 0 otherwise.
        var zero = Variable.Parameter(new double[3]);
        var atZero = Hessian(zero, zero.Norm(p));
        Assert.Equal(Enumerable.Range(0, 9).Select(k => p == 2 && k % 4 == 0 ? 1.0 : 0.0), atZero);
    }

    [Fact]
    public void Second_derivative_of_the_L2_norm_is_the_projection_over_the_norm()
    {
        // ∂²‖x‖/∂x∂xᵀ = (I − x·xᵀ/‖x‖²) / ‖x‖.
        double[] values = [1.0, -2.0, 2.0];
        var x = Variable.Parameter(values);
        var hessian = Hessian(x, x.Norm());
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                var expected = ((i == j ? 1.0 : 0.0) - (values[i] * values[j] / 9.0)) / 3.0;
                Assert.Equal(expected, hessian[(i * 3) + j], 14);
            }
        }
    }

    [Fact]
    public void Infinity_norm_shares_the_gradient_among_ties()
    {
        var x = Variable.Parameter(new[] { 1.0, -2.0, 2.0, 0.5 });
        x.Norm(double.PositiveInfinity).Backward();
        Assert.Equal(new[] { 0.0, -0.5, 0.5, 0.0 }, x.Grad!.ToArray());
    }

    public static TheoryData<double> Orders() => [.. s_orders];

    private static double[] Hessian(Variable<double> x, Variable<double> f)
    {
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
        var n = x.Length;
        var h = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            // A gradient built only from constant masks (the ∞-norm's) does not depend on x: its derivative is 0.
            var row = g.RequiresGrad ? Variable.Gradients(g[i], [x], retainGraph: true)[0] : null;
            for (var j = 0; j < n; j++)
            {
                h[(i * n) + j] = row is null ? 0.0 : row.Values[j];
            }
        }

        return h;
    }
}
