using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>NumPy/PyTorch broadcasting, with each input's gradient summed back to its own shape.</summary>
public class BroadcastingTests
{
    [Fact]
    public void Row_vector_broadcasts_over_matrix_rows_and_gradient_sums_over_them()
    {
        var m = Variable.Parameter(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }, [2, 3]);
        var v = Variable.Parameter(new[] { 10.0, 20.0, 30.0 });
        var r = m * v;
        Assert.Equal(new[] { 10.0, 40.0, 90.0, 40.0, 100.0, 180.0 }, r.ToArray());
        r.Sum().Backward();
        Assert.Equal(new Shape(3), v.Grad!.Shape);
        Assert.Equal(new[] { 5.0, 7.0, 9.0 }, v.Grad.ToArray());
        Assert.Equal(new[] { 10.0, 20.0, 30.0, 10.0, 20.0, 30.0 }, m.Grad!.ToArray());
    }

    [Fact]
    public void Column_and_row_broadcast_to_an_outer_shape()
    {
        var col = Variable.Parameter(new[] { 1.0, 2.0 }, [2, 1]);
        var row = Variable.Parameter(new[] { 10.0, 20.0, 30.0 }, [1, 3]);
        var r = col + row;
        Assert.Equal(new Shape(2, 3), r.Shape);
        Assert.Equal(new[] { 11.0, 21.0, 31.0, 12.0, 22.0, 32.0 }, r.ToArray());
        (r * r).Sum().Backward();
        Assert.Equal(new Shape(2, 1), col.Grad!.Shape);
        Assert.Equal(new[] { 2 * (11.0 + 21 + 31), 2 * (12.0 + 22 + 32) }, col.Grad.ToArray());
        Assert.Equal(new[] { 2 * (11.0 + 12), 2 * (21.0 + 22), 2 * (31.0 + 32) }, row.Grad!.ToArray());
    }

    [Fact]
    public void Scalar_variable_and_scalar_constant_broadcast_everywhere()
    {
        var s = Variable.Parameter(2.0);
        var m = Variable.Parameter(new[] { 1.0, 2.0, 3.0, 4.0 }, [2, 2]);
        var r = (s * m) + 1.0 - (3.0 / m);
        r.Sum().Backward();
        Assert.Equal(10.0, s.Grad!.ToScalar());
        Assert.Equal(Shape.Scalar, s.Grad.Shape);
        Assert.Equal(new[] { 2 + 3.0, 2 + (3 / 4.0), 2 + (3 / 9.0), 2 + (3 / 16.0) }, m.Grad!.ToArray());
    }

    [Fact]
    public void Rank_3_broadcast_with_middle_axis_of_size_one()
    {
        var a = Variable.Parameter(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), [2, 1, 6]);
        var b = Variable.Parameter(Enumerable.Range(0, 18).Select(i => (double)i).ToArray(), [3, 6]);
        var r = a - b;
        Assert.Equal(new Shape(2, 3, 6), r.Shape);
        for (int i = 0, k = 0; i < 2; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                for (var l = 0; l < 6; l++, k++)
                {
                    Assert.Equal(((i * 6) + l) - ((j * 6) + l), r.Values[k]);
                }
            }
        }

        r.Sum().Backward();
        Assert.All(a.Grad!.ToArray(), g => Assert.Equal(3.0, g));
        Assert.All(b.Grad!.ToArray(), g => Assert.Equal(-2.0, g));
    }

    [Fact]
    public void BroadcastTo_and_SumTo_are_each_others_gradient()
    {
        var v = Variable.Parameter(new[] { 1.0, 2.0 }, [2, 1]);
        var b = v.BroadcastTo([3, 2, 4]);
        Assert.Equal(new Shape(3, 2, 4), b.Shape);
        b.Sum().Backward();
        Assert.Equal(new[] { 12.0, 12.0 }, v.Grad!.ToArray());

        var w = Variable.Parameter(Enumerable.Range(1, 24).Select(i => (double)i).ToArray(), [3, 2, 4]);
        var s = w.SumTo([2, 1]);
        Assert.Equal(new[] { Enumerable.Range(0, 3).Sum(i => Enumerable.Range(1, 4).Sum(l => (i * 8) + l)), (double)Enumerable.Range(0, 3).Sum(i => Enumerable.Range(5, 4).Sum(l => (i * 8) + l)) }, s.ToArray());
        s.Sum().Backward();
        Assert.All(w.Grad!.ToArray(), g => Assert.Equal(1.0, g));
    }

    [Fact]
    public void Empty_dimensions_broadcast_to_empty_results()
    {
        var a = Variable.Parameter(Array.Empty<double>(), [0, 3]);
        var b = Variable.Parameter(new[] { 1.0, 2.0, 3.0 });
        var r = a * b;
        Assert.Equal(new Shape(0, 3), r.Shape);
        r.Sum().Backward();
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, b.Grad!.ToArray());
        Assert.Empty(a.Grad!.ToArray());
    }
}
