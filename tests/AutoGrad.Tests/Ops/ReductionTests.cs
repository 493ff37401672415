using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>Sum, Mean, Max, Min and LogSumExp over all elements and along an axis.</summary>
public class ReductionTests
{
    private static Variable<double> Tensor234() =>
        Variable.Parameter(Enumerable.Range(0, 24).Select(i => Math.Sin(i)).ToArray(), [2, 3, 4]);

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(-1, true)]
    public void Sum_and_mean_along_an_axis_match_loops(int axis, bool keepDims)
    {
        var x = Tensor234();
        var s = x.Sum(axis, keepDims);
        var m = x.Mean(axis, keepDims);
        var a = axis < 0 ? axis + 3 : axis;
        var dims = new[] { 2, 3, 4 };
        var expectedShape = keepDims ? dims.Select((d, i) => i == a ? 1 : d).ToArray() : dims.Where((_, i) => i != a).ToArray();
        Assert.Equal(new Shape(expectedShape), s.Shape);

        var values = x.Values.ToArray();
        var k = 0;
        for (var i = 0; i < (a == 0 ? 1 : 2); i++)
        {
            for (var j = 0; j < (a == 1 ? 1 : 3); j++)
            {
                for (var l = 0; l < (a == 2 ? 1 : 4); l++, k++)
                {
                    var sum = 0.0;
                    for (var r = 0; r < dims[a]; r++)
                    {
                        int ii = a == 0 ? r : i, jj = a == 1 ? r : j, ll = a == 2 ? r : l;
                        sum += values[(ii * 12) + (jj * 4) + ll];
                    }

                    Assert.Equal(sum, s.Values[k], 14);
                    Assert.Equal(sum / dims[a], m.Values[k], 14);
                }
            }
        }

        m.Sum().Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(1.0 / dims[a], g, 15));
    }

    [Fact]
    public void Max_and_min_along_an_axis()
    {
        var x = Variable.Parameter(new[] { 1.0, 5.0, 3.0, 4.0, 2.0, 6.0 }, [2, 3]);
        Assert.Equal(new[] { 5.0, 6.0 }, x.Max(1).ToArray());
        Assert.Equal(new[] { 1.0, 2.0, 3.0 }, x.Min(0).ToArray());
        Assert.Equal(new Shape(2, 1), x.Max(1, keepDims: true).Shape);
        Assert.Equal(6.0, x.Max().ToScalar());
        Assert.Equal(1.0, x.Min().ToScalar());
        x.Max(1).Sum().Backward();
        Assert.Equal(new[] { 0.0, 1, 0, 0, 0, 1 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Max_propagates_NaN()
    {
        var x = Variable.Constant(new[] { 1.0, double.NaN, 3.0 });
        Assert.True(double.IsNaN(x.Max().ToScalar()));
        Assert.True(double.IsNaN(x.Min().ToScalar()));
    }

    [Fact]
    public void LogSumExp_is_stable_for_large_inputs_and_its_gradient_is_the_softmax()
    {
        var x = Variable.Parameter(new[] { 1000.0, 1001.0, 999.0, -1000.0, -1001.0, -999.0 }, [2, 3]);
        var l = x.LogSumExp(1);
        var lse = Math.Log(Math.Exp(0) + Math.Exp(1) + Math.Exp(-1));
        Assert.Equal(1000 + lse, l.Values[0], 10);
        Assert.Equal(-1000 + lse, l.Values[1], 10);
        l.Sum().Backward();
        var g = x.Grad!.ToArray();
        Assert.All(g, v => Assert.True(double.IsFinite(v)));
        // x − result loses the digits below ulp(1000) ≈ 1.1e-13, so the softmax is exact only to ~1e-13.
        Assert.Equal(Math.Exp(1 - lse), g[1], 1e-12);
        Assert.Equal(Math.Exp(-1 - lse), g[4], 1e-12);
        Assert.Equal(Math.Exp(1 - lse), g[5], 1e-12);
        Assert.Equal(1.0, g[0] + g[1] + g[2], 1e-12);
    }

    [Fact]
    public void LogSumExp_of_all_negative_infinity_is_negative_infinity()
    {
        var x = Variable.Constant(new[] { double.NegativeInfinity, double.NegativeInfinity });
        Assert.Equal(double.NegativeInfinity, x.LogSumExp(0).ToScalar());
        Assert.Equal(double.PositiveInfinity, Variable.Constant(new[] { double.PositiveInfinity, 1.0 }).LogSumExp().ToScalar());
    }

    [Fact]
    public void Sum_and_mean_of_empty_follow_IEEE()
    {
        var x = Variable.Constant(Array.Empty<double>());
        Assert.Equal(0.0, x.Sum().ToScalar());
        Assert.True(double.IsNaN(x.Mean().ToScalar()));
    }
}
