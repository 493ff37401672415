using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Basic indexing: positions remove an axis, ranges keep it, steps stride; gradients scatter back.</summary>
public class IndexingTests
{
    private static Variable<double> Matrix34() =>
        Variable.Parameter(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), [3, 4]);

    [Fact]
    public void Integer_index_removes_the_axis()
    {
        var m = Matrix34();
        Assert.Equal(new Shape(4), m[1].Shape);
        Assert.Equal(new[] { 4.0, 5.0, 6.0, 7.0 }, m[1].ToArray());
        Assert.Equal(Shape.Scalar, m[2, 3].Shape);
        Assert.Equal(11.0, m[2, 3].ToScalar());
        Assert.Equal(new[] { 8.0, 9.0, 10.0, 11.0 }, m[-1].ToArray());
        Assert.Equal(new[] { 3.0, 7.0, 11.0 }, m[.., ^1].ToArray());
    }

    [Fact]
    public void Ranges_keep_the_axis_and_steps_stride()
    {
        var m = Matrix34();
        var s = m[1.., 1..3];
        Assert.Equal(new Shape(2, 2), s.Shape);
        Assert.Equal(new[] { 5.0, 6.0, 9.0, 10.0 }, s.ToArray());

        var strided = m[TensorIndex.Slice(0..3, step: 2), TensorIndex.Slice(.., step: 3)];
        Assert.Equal(new Shape(2, 2), strided.Shape);
        Assert.Equal(new[] { 0.0, 3.0, 8.0, 11.0 }, strided.ToArray());

        Assert.Equal(new Shape(0, 4), m[1..1].Shape);
    }

    [Fact]
    public void Gradient_of_an_index_scatters_into_zeros_of_the_input_shape()
    {
        var m = Matrix34();
        var f = (m[TensorIndex.Slice(0..3, step: 2), 1..3] * 2).Sum() + m[1, 0].Square();
        f.Backward();
        Assert.Equal(
            new[] { 0.0, 2, 2, 0, 2 * 4.0, 0, 0, 0, 0, 2, 2, 0 },
            m.Grad!.ToArray());
    }

    [Fact]
    public void Indexing_is_differentiable_twice()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0 });
        var f = x[1].Pow(3.0) * x[2];
        var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
        var h = Variable.Gradients(g[1], [x])[0]!.ToArray();
        Assert.Equal(new[] { 0.0, 6 * 2.0 * 3.0, 3 * 2.0 * 2.0 }, h);
    }

    [Fact]
    public void Steps_on_every_axis_of_a_rank_3_tensor_select_and_scatter_back()
    {
        var x = Variable.Parameter(Enumerable.Range(0, 60).Select(i => (double)i).ToArray(), [3, 4, 5]);
        var y = x[TensorIndex.Slice(.., step: 2), TensorIndex.Slice(1.., step: 2), TensorIndex.Slice(.., step: 3)];
        Assert.Equal(new Shape(2, 2, 2), y.Shape);

        // Element (i, j, k) of y is x[2i, 1 + 2j, 3k] = 20·2i + 5·(1 + 2j) + 3k.
        var expected = new List<double>();
        var selected = new HashSet<int>();
        for (var i = 0; i < 2; i++)
        {
            for (var j = 0; j < 2; j++)
            {
                for (var k = 0; k < 2; k++)
                {
                    var flat = (20 * 2 * i) + (5 * (1 + (2 * j))) + (3 * k);
                    expected.Add(flat);
                    selected.Add(flat);
                }
            }
        }

        Assert.Equal(expected, y.ToArray());

        // Gradient of Σ y²: 2·x at the selected positions, 0 elsewhere; the second derivative is 2 there.
        var g = Variable.Gradients(y.Square().Sum(), [x], createGraph: true)[0]!;
        Assert.Equal(Enumerable.Range(0, 60).Select(i => selected.Contains(i) ? 2.0 * i : 0), g.ToArray());
        var h = Variable.Gradients(g.Sum(), [x])[0]!;
        Assert.Equal(Enumerable.Range(0, 60).Select(i => selected.Contains(i) ? 2.0 : 0), h.ToArray());
    }
}
