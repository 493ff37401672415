using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Concat, Stack, Split and Pad: values, gradients, argument validation, size-1 and empty axes, float.</summary>
public class JoiningTests
{
    private static Variable<double> Range(int count, Shape shape, double start = 0) =>
        Variable.Parameter(Enumerable.Range(0, count).Select(i => start + i).ToArray(), shape);

    [Fact]
    public void Concat_joins_along_the_axis_and_slices_the_gradient_back()
    {
        var a = Range(4, [2, 2]);
        var b = Range(2, [2, 1], start: 10);
        var c = Variable.Concat([a, b], 1);
        Assert.Equal(new Shape(2, 3), c.Shape);
        Assert.Equal(new[] { 0.0, 1.0, 10.0, 2.0, 3.0, 11.0 }, c.ToArray());

        c.Backward(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 });
        Assert.Equal(new[] { 1.0, 2.0, 4.0, 5.0 }, a.Grad!.ToArray());
        Assert.Equal(new[] { 3.0, 6.0 }, b.Grad!.ToArray());
    }

    [Fact]
    public void Concat_accepts_empty_inputs_and_the_same_input_twice()
    {
        var a = Range(3, [3]);
        var empty = Variable.Zeros<double>([0], requiresGrad: true);
        var c = Variable.Concat([a, empty, a], 0);
        Assert.Equal(new[] { 0.0, 1.0, 2.0, 0.0, 1.0, 2.0 }, c.ToArray());
        c.Sum().Backward();
        Assert.Equal(new[] { 2.0, 2.0, 2.0 }, a.Grad!.ToArray());
        Assert.Equal(new Shape(0), empty.Grad!.Shape);

        Assert.Equal(new Shape(0, 2), Variable.Concat([Variable.Zeros<double>([0, 2]), Variable.Zeros<double>([0, 2])], 0).Shape);
    }

    [Fact]
    public void Concat_of_one_input_returns_it_and_constants_record_nothing()
    {
        var a = Range(3, [3]);
        Assert.Same(a, Variable.Concat([a]));
        var c = Variable.Concat([Variable.Constant(new[] { 1.0 }), Variable.Constant(new[] { 2.0 })]);
        Assert.False(c.RequiresGrad);
        Assert.True(c.IsLeaf);
    }

    [Fact]
    public void Concat_errors_name_the_op_every_shape_and_the_axis()
    {
        var ex = Assert.Throws<ArgumentException>(() => Variable.Concat([Variable.Zeros<double>([2, 3]), Variable.Zeros<double>([3, 3]), Variable.Zeros<double>([2, 4])], 1));
        Assert.Contains("Concat", ex.Message, StringComparison.Ordinal);
        Assert.Contains("axis 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3], [3, 3], [2, 4]", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => Variable.Concat([Variable.Zeros<double>([2, 3]), Variable.Zeros<double>([6])]));
        Assert.Contains("[2, 3], [6]", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => Variable.Concat(Array.Empty<Variable<double>>()));
        Assert.Contains("Concat", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => Variable.Concat([Variable.Constant(1.0), Variable.Constant(2.0)]));
        Assert.Contains("Stack", ex.Message, StringComparison.Ordinal);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Concat([Variable.Zeros<double>([2])], 1));
        Assert.Contains("Concat", range.Message, StringComparison.Ordinal);
        Assert.Contains("axis 1", range.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentNullException>(() => Variable.Concat<double>(null!));
        Assert.Throws<ArgumentNullException>(() => Variable.Concat([Variable.Zeros<double>([2]), null!]));
    }

    [Theory]
    [InlineData(0, new[] { 2, 2, 3 })]
    [InlineData(1, new[] { 2, 2, 3 })]
    [InlineData(2, new[] { 2, 3, 2 })]
    [InlineData(-1, new[] { 2, 3, 2 })]
    [InlineData(-3, new[] { 2, 2, 3 })]
    public void Stack_inserts_a_new_axis(int axis, int[] expected)
    {
        var a = Range(6, [2, 3]);
        var b = Range(6, [2, 3], start: 10);
        var s = Variable.Stack([a, b], axis);
        var normalized = axis < 0 ? axis + 3 : axis;
        Assert.Equal(new Shape(expected), s.Shape);
        Assert.Equal(a.ToArray(), s[normalized == 0 ? 0 : TensorIndex.All, normalized == 1 ? 0 : TensorIndex.All, normalized == 2 ? 0 : TensorIndex.All].ToArray());

        (s * s).Sum().Backward();
        Assert.Equal(a.ToArray().Select(v => 2 * v), a.Grad!.ToArray());
        Assert.Equal(b.ToArray().Select(v => 2 * v), b.Grad!.ToArray());
    }

    [Fact]
    public void Stack_of_scalars_is_a_vector_and_of_empty_inputs_is_empty()
    {
        var s = Variable.Stack([Variable.Parameter(1.0), Variable.Parameter(2.0)]);
        Assert.Equal(new Shape(2), s.Shape);
        Assert.Equal(new Shape(0, 3, 2), Variable.Stack([Variable.Zeros<double>([0, 2]), Variable.Zeros<double>([0, 2]), Variable.Zeros<double>([0, 2])], 1).Shape);
    }

    [Fact]
    public void Stack_errors_name_the_op_the_shapes_and_the_axis()
    {
        var ex = Assert.Throws<ArgumentException>(() => Variable.Stack([Variable.Zeros<double>([2, 3]), Variable.Zeros<double>([3, 2])]));
        Assert.Contains("Stack", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3], [3, 2]", ex.Message, StringComparison.Ordinal);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Stack([Variable.Zeros<double>([2, 3])], 3));
        Assert.Contains("Stack", range.Message, StringComparison.Ordinal);
        Assert.Contains("axis 3", range.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", range.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Stack([Variable.Zeros<double>([2, 3])], -4));
        Assert.Throws<ArgumentException>(() => Variable.Stack(Array.Empty<Variable<double>>()));
    }

    [Fact]
    public void Split_by_size_leaves_a_smaller_last_chunk()
    {
        var x = Range(10, [5, 2]);
        var chunks = x.Split(2);
        Assert.Equal([new Shape(2, 2), new Shape(2, 2), new Shape(1, 2)], chunks.Select(c => c.Shape));
        Assert.Equal(new[] { 8.0, 9.0 }, chunks[2].ToArray());

        chunks[1].Sum().Backward();
        Assert.Equal(new[] { 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0 }, x.Grad!.ToArray());

        Assert.Single(Range(6, [2, 3]).Split(7, -1));
        Assert.Equal(3, Range(6, [2, 3]).Split(1, -1).Length);
    }

    [Fact]
    public void Split_by_sizes_allows_empty_chunks()
    {
        var x = Range(12, [4, 3]);
        var chunks = x.Split([1, 0, 3]);
        Assert.Equal([new Shape(1, 3), new Shape(0, 3), new Shape(3, 3)], chunks.Select(c => c.Shape));
        Assert.Equal(x.ToArray(), Variable.Concat(chunks).ToArray());
    }

    [Fact]
    public void Split_of_an_empty_axis_is_one_empty_chunk()
    {
        var chunks = Variable.Zeros<double>([0, 3]).Split(2);
        Assert.Single(chunks);
        Assert.Equal(new Shape(0, 3), chunks[0].Shape);
        Assert.Single(Variable.Zeros<double>([0]).Split(0));
    }

    [Fact]
    public void Split_errors_name_the_op_the_shape_and_the_axis()
    {
        var x = Variable.Zeros<double>([4, 3]);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => x.Split(0, 1));
        Assert.Contains("Split", range.Message, StringComparison.Ordinal);
        Assert.Contains("axis 1", range.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 3]", range.Message, StringComparison.Ordinal);

        var ex = Assert.Throws<ArgumentException>(() => x.Split([1, 1], 1));
        Assert.Contains("Split", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 1]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("axis 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 3]", ex.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => x.Split([5, -1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Split(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Constant(1.0).Split(1));
    }

    [Fact]
    public void Pad_follows_PyTorch_pairs_from_the_last_axis()
    {
        var x = Range(4, [2, 2], start: 1);
        var p = x.Pad([1, 0, 0, 1], 9.0);
        Assert.Equal(new Shape(3, 3), p.Shape);
        Assert.Equal(new[] { 9.0, 1.0, 2.0, 9.0, 3.0, 4.0, 9.0, 9.0, 9.0 }, p.ToArray());

        p.Backward(Enumerable.Range(1, 9).Select(i => (double)i).ToArray());
        Assert.Equal(new[] { 2.0, 3.0, 5.0, 6.0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Pad_with_nothing_returns_the_input_and_pads_empty_axes()
    {
        var x = Range(3, [3]);
        Assert.Same(x, x.Pad([]));
        Assert.Same(x, x.Pad([0, 0]));
        var p = Variable.Zeros<double>([0, 2], requiresGrad: true).Pad([0, 0, 1, 1], 2.0);
        Assert.Equal(new Shape(2, 2), p.Shape);
        Assert.All(p.ToArray(), v => Assert.Equal(2.0, v));
    }

    [Fact]
    public void Pad_errors_name_the_op_the_padding_and_the_shape()
    {
        var x = Variable.Zeros<double>([2, 3]);
        var ex = Assert.Throws<ArgumentException>(() => x.Pad([1, 2, 3]));
        Assert.Contains("Pad", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => x.Pad([1, 1, 1, 1, 1, 1]));
        Assert.Contains("rank 2", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => x.Pad([-1, 0]));
        Assert.Contains("negative", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Second_derivatives_flow_through_concat_and_pad()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        var f = (Variable.Concat([x.Square(), x.Pad([1, 0])]).Pow(2.0)).Sum();
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;

        // f = Σ x⁴ + Σ x²  ⇒  g = 4x³ + 2x, ∂g/∂x = 12x² + 2.
        Assert.Equal(new[] { 6.0, 36.0 }, g.ToArray());
        var h = Variable.Gradients(g.Sum(), [x])[0]!;
        Assert.Equal(new[] { 14.0, 50.0 }, h.ToArray());
    }

    [Fact]
    public void Joining_works_in_float()
    {
        var a = Variable.Parameter(new[] { 1f, 2f });
        var b = Variable.Parameter(new[] { 3f });
        var c = Variable.Concat([a, b]).Pad([1, 1], 0.5f);
        Assert.Equal(new[] { 0.5f, 1f, 2f, 3f, 0.5f }, c.ToArray());
        var s = Variable.Stack([a, a * 2f], 1);
        Assert.Equal(new[] { 1f, 2f, 2f, 4f }, s.ToArray());
        var parts = c.Split([2, 3]);
        (parts[0].Sum() + (parts[1] * 2f).Sum() + s.Sum()).Backward();
        Assert.Equal(new[] { 1f + 3f, 2f + 3f }, a.Grad!.ToArray());
        Assert.Equal(new[] { 2f }, b.Grad!.ToArray());
    }
}
