using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>CumSum, Flip, Prod (with zeros) and ArgMax/ArgMin (ties, NaN).</summary>
public class CumulativeTests
{
    [Fact]
    public void CumSum_accumulates_along_the_axis_and_its_gradient_is_the_reverse_cumulative_sum()
    {
        var x = Variable.Parameter(new[] { 1.0, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(new[] { 1.0, 3, 6, 4, 9, 15 }, x.CumSum(1).ToArray());
        Assert.Equal(new[] { 1.0, 2, 3, 5, 7, 9 }, x.CumSum(0).ToArray());

        var w = Variable.Constant(new[] { 1.0, 10, 100, 1000, 10000, 100000 }, [2, 3]);
        (x.CumSum(-1) * w).Sum().Backward();
        Assert.Equal(new[] { 111.0, 110, 100, 111000, 110000, 100000 }, x.Grad!.ToArray());
    }

    [Fact]
    public void CumSum_is_differentiable_twice()
    {
        // f = Σ_k (Σ_{j≤k} x_j)² for x of length 3: ∂²f/∂x_i∂x_j = 2·(number of k ≥ max(i, j)).
        var x = Variable.Parameter(new[] { 0.5, -1.0, 2.0 });
        var f = x.CumSum(0).Square().Sum();
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
        var row0 = Variable.Gradients(g[0], [x], retainGraph: true)[0]!;
        var row2 = Variable.Gradients(g[2], [x])[0]!;
        Assert.Equal(new[] { 6.0, 4, 2 }, row0.ToArray());
        Assert.Equal(new[] { 2.0, 2, 2 }, row2.ToArray());
    }

    [Fact]
    public void CumSum_in_float()
    {
        var x = Variable.Parameter(new[] { 1f, 2f, 3f });
        var y = x.CumSum(0);
        Assert.Equal(new[] { 1f, 3f, 6f }, y.ToArray());
        y.Sum().Backward();
        Assert.Equal(new[] { 3f, 2f, 1f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Flip_reverses_an_axis_and_is_its_own_inverse()
    {
        var x = Variable.Parameter(Enumerable.Range(0, 6).Select(i => (double)i).ToArray(), [2, 3]);
        Assert.Equal(new[] { 2.0, 1, 0, 5, 4, 3 }, x.Flip(-1).ToArray());
        Assert.Equal(new[] { 3.0, 4, 5, 0, 1, 2 }, x.Flip(0).ToArray());
        Assert.Equal(x.ToArray(), x.Flip(1).Flip(1).ToArray());

        var w = Variable.Constant(new[] { 1.0, 2, 3, 4, 5, 6 }, [2, 3]);
        (x.Flip(1) * w).Sum().Backward();
        Assert.Equal(new[] { 3.0, 2, 1, 6, 5, 4 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Prod_matches_a_running_product_for_every_length()
    {
        for (var n = 0; n <= 33; n++)
        {
            var values = Enumerable.Range(0, n).Select(i => 0.9 + (0.013 * i * ((i % 3) - 1))).ToArray();
            var x = Variable.Parameter(values);
            var p = x.Prod();
            var expected = values.Aggregate(1.0, (a, b) => a * b);
            Assert.Equal(expected, p.ToScalar(), 1e-14 * Math.Max(1, Math.Abs(expected)));
            p.Backward();
            for (var i = 0; i < n; i++)
            {
                var others = values.Where((_, j) => j != i).Aggregate(1.0, (a, b) => a * b);
                Assert.Equal(others, x.Grad!.Values[i], 1e-14);
            }
        }
    }

    [Fact]
    public void Prod_with_one_zero_has_the_product_of_the_others_as_gradient_at_the_zero()
    {
        var x = Variable.Parameter(new[] { 2.0, 0.0, 3.0, -4.0, 0.5 });
        var p = x.Prod();
        Assert.Equal(0.0, p.ToScalar());
        p.Backward();
        Assert.Equal(new[] { 0.0, -12, 0, 0, 0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Prod_with_zeros_is_differentiable_twice()
    {
        // One zero: ∂²p/∂x_i∂x_j = Π_{k≠i,j} x_k. Row of the zero (x1 = 0), for x = [2, 0, 3, 4]: [12, 0, 8, 6].
        var x = Variable.Parameter(new[] { 2.0, 0.0, 3.0, 4.0 });
        var g = Variable.Gradients(x.Prod(), [x], createGraph: true)[0]!;
        Assert.Equal(new[] { 0.0, 24, 0, 0 }, g.ToArray());
        Assert.Equal(new[] { 12.0, 0, 8, 6 }, Variable.Gradients(g[1], [x], retainGraph: true)[0]!.ToArray());
        Assert.Equal(new[] { 12.0, 26, 8, 6 }, Variable.Gradients(g.Sum(), [x])[0]!.ToArray()); // as PyTorch gives

        // Two zeros: the gradient is 0 everywhere but the mixed derivative of the two zeros is the product of the rest
        // (PyTorch 1.13's prod backward is not differentiable again here; the product tree is).
        var y = Variable.Parameter(new[] { 2.0, 0.0, 3.0, 0.0 });
        var gy = Variable.Gradients(y.Prod(), [y], createGraph: true)[0]!;
        Assert.Equal(new[] { 0.0, 0, 0, 0 }, gy.ToArray());
        Assert.Equal(new[] { 0.0, 6, 0, 6 }, Variable.Gradients(gy.Sum(), [y])[0]!.ToArray());
    }

    [Fact]
    public void Prod_along_an_axis_with_zeros_in_a_row()
    {
        var x = Variable.Parameter(new[] { 1.5, 0, 2, 0, 0, 3, 1, 2, 3 }, [3, 3]);
        var p = x.Prod(1);
        Assert.Equal(new[] { 0.0, 0, 6 }, p.ToArray());
        p.Sum().Backward();
        Assert.Equal(new[] { 0.0, 3, 0, 0, 0, 0, 6, 3, 2 }, x.Grad!.ToArray());

        var k = Variable.Parameter(new[] { 1.0, 2, 3, 4, 5, 6 }, [2, 3]).Prod(0, keepDims: true);
        Assert.Equal(new Shape(1, 3), k.Shape);
        Assert.Equal(new[] { 4.0, 10, 18 }, k.ToArray());
    }

    [Fact]
    public void Prod_of_nothing_is_one_and_stays_differentiable()
    {
        var empty = Variable.Parameter(Array.Empty<double>());
        var p = empty.Prod();
        Assert.Equal(1.0, p.ToScalar());
        p.Backward();
        Assert.Empty(empty.Grad!.ToArray());

        var rows = Variable.Zeros<double>([2, 0], requiresGrad: true).Prod(1);
        Assert.Equal(new[] { 1.0, 1 }, rows.ToArray());
    }

    [Fact]
    public void Prod_in_float_with_a_zero()
    {
        var x = Variable.Parameter(new[] { 2f, 0f, 3f });
        var p = x.Prod();
        Assert.Equal(0f, p.ToScalar());
        p.Backward();
        Assert.Equal(new[] { 0f, 6f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void ArgMax_and_ArgMin_take_the_first_of_ties()
    {
        var x = Variable.Constant(new[] { 1.0, 3, 3, -2, 0, -2 }, [2, 3]);
        Assert.Equal(1, x.ArgMax());
        Assert.Equal(3, x.ArgMin());
        Assert.Equal(new[] { 0, 0, 0 }, x.ArgMax(0).ToArray());
        Assert.Equal(new[] { 1, 1, 1 }, x.ArgMin(0).ToArray());
        Assert.Equal(new[] { 1, 1 }, x.ArgMax(1).ToArray());
        Assert.Equal(new[] { 0, 0 }, x.ArgMin(-1).ToArray());
        Assert.Equal(new Shape(2, 1), x.ArgMin(1, keepDims: true).Shape);
        Assert.Equal(new Shape(3), x.ArgMin(0).Shape);

        // Signed zeros compare equal: the first wins.
        Assert.Equal(0, Variable.Constant(new[] { -0.0, 0.0 }).ArgMax());
    }

    [Fact]
    public void A_NaN_is_the_answer_of_both_ArgMax_and_ArgMin()
    {
        var x = Variable.Constant(new[] { 1.0, double.NaN, 5, double.NaN, double.PositiveInfinity, -1 }, [3, 2]);
        Assert.Equal(1, x.ArgMax());
        Assert.Equal(1, x.ArgMin());
        Assert.Equal(new[] { 2, 0 }, x.ArgMax(0).ToArray());
        Assert.Equal(new[] { 0, 0 }, x.ArgMin(0).ToArray());
        Assert.Equal(new[] { 1, 1, 0 }, x.ArgMax(1).ToArray());
        Assert.Equal(new[] { 1, 1, 1 }, x.ArgMin(1).ToArray());
    }

    [Fact]
    public void ArgMax_in_float()
    {
        var x = Variable.Constant(new[] { 0.5f, 2f, 2f, float.NegativeInfinity });
        Assert.Equal(1, x.ArgMax());
        Assert.Equal(3, x.ArgMin());
        Assert.Equal(new[] { 1, 0 }, x.Reshape(2, 2).ArgMax(1).ToArray());
    }

    [Fact]
    public void ArgMax_rejects_empty_inputs_and_bad_axes()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Variable.Zeros<double>([0]).ArgMax());
        Assert.Contains("ArgMax", e.Message, StringComparison.Ordinal);
        Assert.Contains("[0]", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<InvalidOperationException>(() => Variable.Zeros<double>([3, 0]).ArgMin(1));
        Assert.Contains("ArgMin: axis 1 of shape [3, 0] has size 0", e.Message, StringComparison.Ordinal);

        var a = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2, 3]).ArgMax(2));
        Assert.Contains("ArgMax: axis 2", a.Message, StringComparison.Ordinal);
        a = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2, 3]).CumSum(-3));
        Assert.Contains("CumSum: axis -3", a.Message, StringComparison.Ordinal);
        a = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2, 3]).Prod(5));
        Assert.Contains("Prod: axis 5", a.Message, StringComparison.Ordinal);
        a = Assert.Throws<ArgumentOutOfRangeException>(() => Variable.Zeros<double>([2]).Flip(1));
        Assert.Contains("Flip: axis 1", a.Message, StringComparison.Ordinal);
    }
}
