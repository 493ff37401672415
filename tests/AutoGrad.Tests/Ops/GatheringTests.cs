using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>IndexSelect, Gather, ScatterAdd, MaskedSelect and OneHot: values, accumulation of repeated indices, validation.</summary>
public class GatheringTests
{
    private static Variable<double> Matrix34() =>
        Variable.Parameter(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), [3, 4]);

    [Fact]
    public void IndexSelect_selects_slices_and_repeated_positions_accumulate_gradients()
    {
        var m = Matrix34();
        var rows = m.IndexSelect(0, new[] { 2, 0, 2 });
        Assert.Equal(new Shape(3, 4), rows.Shape);
        Assert.Equal(new[] { 8.0, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11 }, rows.ToArray());

        var columns = m.IndexSelect(-1, new[] { 3, 3 });
        Assert.Equal(new Shape(3, 2), columns.Shape);
        Assert.Equal(new[] { 3.0, 3, 7, 7, 11, 11 }, columns.ToArray());

        (rows.Sum() + columns.Sum()).Backward();
        Assert.Equal(new[] { 1.0, 1, 1, 3, 0, 0, 0, 2, 2, 2, 2, 4 }, m.Grad!.ToArray());
    }

    [Fact]
    public void IndexSelect_with_an_empty_or_scalar_index()
    {
        var m = Matrix34();
        Assert.Equal(new Shape(3, 0), m.IndexSelect(1, Array.Empty<int>()).Shape);
        var one = m.IndexSelect(1, new Indices([2], Shape.Scalar));
        Assert.Equal(new Shape(3, 1), one.Shape);
        Assert.Equal(new[] { 2.0, 6, 10 }, one.ToArray());
    }

    [Fact]
    public void IndexSelect_in_float()
    {
        var x = Variable.Parameter(new[] { 1f, 2f, 3f });
        var y = x.IndexSelect(0, new[] { 1, 1, 2 });
        Assert.Equal(new[] { 2f, 2f, 3f }, y.ToArray());
        y.Sum().Backward();
        Assert.Equal(new[] { 0f, 2f, 1f }, x.Grad!.ToArray());
    }

    [Fact]
    public void IndexSelect_and_Gather_are_differentiable_twice()
    {
        // f = Σ_j x[idx_j]³ with idx = [1, 1, 0]: ∂²f/∂x² = diag(6·count·x).
        var x = Variable.Parameter(new[] { 2.0, 3.0, 5.0 });
        var f = x.IndexSelect(0, new[] { 1, 1, 0 }).Pow(3.0).Sum();
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
        Assert.Equal(new[] { 3 * 4.0, 2 * 3 * 9.0, 0 }, g.ToArray());
        var h = Variable.Gradients(g.Sum(), [x])[0]!;
        Assert.Equal(new[] { 6 * 2.0, 2 * 6 * 3.0, 0 }, h.ToArray());

        var y = Variable.Parameter(new[] { 2.0, 3.0, 5.0, 7.0 }, [2, 2]);
        var fy = y.Gather(1, new Indices([1, 1, 0, 1], [2, 2])).Pow(3.0).Sum();
        var gy = Variable.Gradients(fy, [y], createGraph: true)[0]!;
        Assert.Equal(new[] { 0, 2 * 3 * 9.0, 3 * 25.0, 3 * 49.0 }, gy.ToArray());
        var hy = Variable.Gradients(gy.Sum(), [y])[0]!;
        Assert.Equal(new[] { 0, 2 * 6 * 3.0, 6 * 5.0, 6 * 7.0 }, hy.ToArray());
    }

    [Fact]
    public void Gather_picks_along_the_axis_with_an_index_of_the_input_rank()
    {
        var m = Matrix34();
        var picked = m.Gather(1, new Indices([3, 0, 0, 1, 2, 2], [3, 2]));
        Assert.Equal(new Shape(3, 2), picked.Shape);
        Assert.Equal(new[] { 3.0, 0, 4, 5, 10, 10 }, picked.ToArray());

        var down = m.Gather(0, new Indices([2, 1, 0], [1, 3]));
        Assert.Equal(new[] { 8.0, 5, 2 }, down.ToArray());

        (picked.Sum() + down.Sum()).Backward();
        Assert.Equal(new[] { 1.0, 0, 1, 1, 1, 2, 0, 0, 1, 0, 2, 0 }, m.Grad!.ToArray());
    }

    [Fact]
    public void Gather_with_ArgMax_recovers_the_maximum_and_routes_the_gradient_to_it()
    {
        var x = Variable.Parameter(new[] { 1.0, 7, 3, 9, 2, 4 }, [2, 3]);
        var best = x.Gather(1, x.ArgMax(1, keepDims: true));
        Assert.Equal(new[] { 7.0, 9 }, best.ToArray());
        best.Sum().Backward();
        Assert.Equal(new[] { 0.0, 1, 0, 1, 0, 0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void ScatterAdd_accumulates_repeated_positions_and_differentiates_both_inputs()
    {
        var self = Variable.Parameter(new[] { 1.0, 2, 3, 4, 5, 6 }, [2, 3]);
        var source = Variable.Parameter(new[] { 10.0, 20, 30, 40 }, [2, 2]);
        var index = new Indices([2, 2, 0, 1], [2, 2]);
        var y = self.ScatterAdd(1, index, source);
        Assert.Equal(new Shape(2, 3), y.Shape);
        Assert.Equal(new[] { 1.0, 2, 3 + 30, 4 + 30, 5 + 40, 6 }, y.ToArray());

        var w = Variable.Constant(new[] { 1.0, 2, 3, 4, 5, 6 }, [2, 3]);
        (y * w).Sum().Backward();
        Assert.Equal(w.ToArray(), self.Grad!.ToArray());
        Assert.Equal(new[] { 3.0, 3, 4, 5 }, source.Grad!.ToArray());
    }

    [Fact]
    public void ScatterAdd_uses_the_leading_block_of_a_larger_source()
    {
        var self = Variable.Zeros<double>([3]);
        var source = Variable.Parameter(new[] { 1.0, 2, 3, 4 });
        var y = self.ScatterAdd(0, new[] { 1, 1 }, source);
        Assert.Equal(new[] { 0.0, 3, 0 }, y.ToArray());
        y.Sum().Backward();
        Assert.Equal(new[] { 1.0, 1, 0, 0 }, source.Grad!.ToArray());
    }

    [Fact]
    public void ScatterAdd_is_differentiable_twice_through_its_source()
    {
        var source = Variable.Parameter(new[] { 2.0, 3.0 });
        var y = Variable.Zeros<double>([2]).ScatterAdd(0, new[] { 0, 0 }, source);
        var f = y.Pow(3.0).Sum();                       // (s0 + s1)³
        var g = Variable.Gradients(f, [source], createGraph: true)[0]!;
        Assert.Equal(new[] { 75.0, 75 }, g.ToArray());  // 3·5²
        var h = Variable.Gradients(g[0], [source])[0]!;
        Assert.Equal(new[] { 30.0, 30 }, h.ToArray());  // 6·5
    }

    [Fact]
    public void MaskedSelect_returns_a_row_major_vector_and_scatters_the_gradient_back()
    {
        var m = Matrix34();
        var mask = m.Detach() > 6.5;
        var selected = m.MaskedSelect(mask);
        Assert.Equal(new[] { 7.0, 8, 9, 10, 11 }, selected.ToArray());
        (selected * 2).Sum().Backward();
        Assert.Equal(new[] { 0.0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2 }, m.Grad!.ToArray());
    }

    [Fact]
    public void MaskedSelect_broadcasts_the_input_and_the_mask()
    {
        var v = Variable.Parameter(new[] { 1.0, 2, 3 });
        var mask = Variable.Constant(new[] { 1.0, 0, 1, 0, 1, double.NaN }, [2, 3]);
        var selected = v.MaskedSelect(mask);
        Assert.Equal(new[] { 1.0, 3, 2, 3 }, selected.ToArray());
        selected.Sum().Backward();
        Assert.Equal(new[] { 1.0, 1, 2 }, v.Grad!.ToArray());

        var m = Matrix34();
        Assert.Equal(new[] { 1.0, 5, 9 }, m.MaskedSelect(Variable.Constant(new[] { 0.0, 1, 0, 0 })).ToArray());
        Assert.Equal(new Shape(0), m.MaskedSelect(Variable.Zeros<double>([3, 4])).Shape);
    }

    [Fact]
    public void OneHot_adds_a_class_axis()
    {
        var o = Variable.OneHot<double>(new Indices([2, 0, 1, 2], [2, 2]), 3);
        Assert.Equal(new Shape(2, 2, 3), o.Shape);
        Assert.Equal(new[] { 0.0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, o.ToArray());
        Assert.False(o.RequiresGrad);

        var f = Variable.OneHot<float>(new Indices([1], Shape.Scalar), 2);
        Assert.Equal(new Shape(2), f.Shape);
        Assert.Equal(new[] { 0f, 1f }, f.ToArray());
    }

    [Fact]
    public void Out_of_range_and_negative_indices_are_rejected_with_the_op_axis_size_and_value()
    {
        var m = Matrix34();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => m.IndexSelect(1, new[] { 0, 4 }));
        Assert.Contains("IndexSelect", e.Message, StringComparison.Ordinal);
        Assert.Contains("value 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("axis 1 of size 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 4]", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => m.IndexSelect(0, new[] { -1 }));
        Assert.Contains("value -1", e.Message, StringComparison.Ordinal);
        Assert.Contains("negative indices are rejected", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => m.Gather(0, new Indices([0, 1, 3, 0], [1, 4])));
        Assert.Contains("Gather", e.Message, StringComparison.Ordinal);
        Assert.Contains("value 3 at position [0, 2]", e.Message, StringComparison.Ordinal);
        Assert.Contains("axis 0 of size 3", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => m.ScatterAdd(1, new Indices([-2], [1, 1]), Variable.Ones<double>([1, 1])));
        Assert.Contains("ScatterAdd", e.Message, StringComparison.Ordinal);
        Assert.Contains("value -2", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.OneHot<double>(new[] { 0, 3 }, 3));
        Assert.Contains("OneHot", e.Message, StringComparison.Ordinal);
        Assert.Contains("value 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Variable.OneHot<double>(new[] { 0 }, 0));

        e = Assert.Throws<ArgumentOutOfRangeException>(() => m.IndexSelect(2, new[] { 0 }));
        Assert.Contains("IndexSelect: axis 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_mismatches_are_rejected_with_the_op_and_shapes()
    {
        var m = Matrix34();
        var e = Assert.Throws<ArgumentException>(() => m.IndexSelect(0, new Indices([0, 1], [1, 2])));
        Assert.Contains("IndexSelect", e.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 2]", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => m.Gather(1, new[] { 0, 1 }));
        Assert.Contains("Gather", e.Message, StringComparison.Ordinal);
        Assert.Contains("rank 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 4] (rank 2)", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => m.Gather(1, new Indices(new int[4], [4, 1])));
        Assert.Contains("along axis 0 (4 > 3)", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => m.ScatterAdd(0, new Indices(new int[2], [1, 2]), Variable.Ones<double>([2])));
        Assert.Contains("ScatterAdd", e.Message, StringComparison.Ordinal);
        Assert.Contains("source has shape [2] (rank 1)", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => m.ScatterAdd(0, new Indices(new int[3], [1, 3]), Variable.Ones<double>([1, 2])));
        Assert.Contains("larger than the source shape [1, 2] along axis 1", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => m.MaskedSelect(Variable.Ones<double>([2])));
        Assert.Contains("MaskedSelect", e.Message, StringComparison.Ordinal);
    }
}
