using AutoGrad;

namespace AutoGrad.Tests.Nn;

/// <summary>The NN ops: argument validation, edge cases (empty batches, ties, NaN), float, dropout statistics, batch-norm buffers.</summary>
public class NNTests
{
    private static Variable<T> Ramp<T>(Shape shape, bool requiresGrad = true, double scale = 0.37)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var values = Enumerable.Range(0, shape.ElementCount).Select(i => T.CreateChecked(Math.Sin((i * scale) + 0.1))).ToArray();
        return requiresGrad ? Variable.Parameter(values, shape) : Variable.Constant(values, shape);
    }

    /// <summary>Direct loops over the definition of a grouped, strided, padded, dilated 2-D convolution.</summary>
    private static double[] NaiveConv2d(Variable<double> x, Variable<double> w, Variable<double>? b, Size2 s, Size2 p, Size2 d, int groups, out Shape shape)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3], o = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        int oh = ((h + (2 * p.Height) - (d.Height * (kh - 1)) - 1) / s.Height) + 1, ow = ((wd + (2 * p.Width) - (d.Width * (kw - 1)) - 1) / s.Width) + 1;
        shape = [n, o, oh, ow];
        var y = new double[shape.ElementCount];
        var xv = x.Values.ToArray();
        var wv = w.Values.ToArray();
        for (var b0 = 0; b0 < n; b0++)
        {
            for (var oc = 0; oc < o; oc++)
            {
                var g = oc / (o / groups);
                for (var i = 0; i < oh; i++)
                {
                    for (var j = 0; j < ow; j++)
                    {
                        var sum = b is null ? 0.0 : b.Values[oc];
                        for (var ic = 0; ic < cg; ic++)
                        {
                            for (var u = 0; u < kh; u++)
                            {
                                for (var v = 0; v < kw; v++)
                                {
                                    int r = (i * s.Height) - p.Height + (u * d.Height), col = (j * s.Width) - p.Width + (v * d.Width);
                                    if (r >= 0 && r < h && col >= 0 && col < wd)
                                    {
                                        sum += wv[(((((oc * cg) + ic) * kh) + u) * kw) + v] * xv[(((((b0 * c) + (g * cg) + ic) * h) + r) * wd) + col];
                                    }
                                }
                            }
                        }

                        y[(((((b0 * o) + oc) * oh) + i) * ow) + j] = sum;
                    }
                }
            }
        }

        return y;
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(1, 2, 2, 2)]
    [InlineData(3, 1, 2, 4)]
    public void Conv2d_matches_the_definition(int stride, int padding, int dilation, int groups)
    {
        var x = Ramp<double>([2, 4, 7, 6]);
        var w = Ramp<double>([4, 4 / groups, 3, 2], scale: 0.91);
        var b = Ramp<double>([4], scale: 1.3);
        var y = NN.Conv2d(x, w, b, stride: (stride, 1), padding: (padding, 1), dilation: (1, dilation), groups: groups);
        var expected = NaiveConv2d(x, w, b, (stride, 1), (padding, 1), (1, dilation), groups, out var shape);
        Assert.Equal(shape, y.Shape);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], y.Values[i], 12);
        }
    }

    [Fact]
    public void Conv2d_in_float_agrees_with_double()
    {
        var xd = Ramp<double>([2, 2, 5, 5]);
        var wd = Ramp<double>([3, 2, 3, 3], scale: 0.7);
        var xf = Ramp<float>([2, 2, 5, 5]);
        var wf = Ramp<float>([3, 2, 3, 3], scale: 0.7);
        var yd = NN.Conv2d(xd, wd, stride: 2, padding: 1);
        var yf = NN.Conv2d(xf, wf, stride: 2, padding: 1);
        Assert.Equal(yd.Shape, yf.Shape);
        for (var i = 0; i < yd.Length; i++)
        {
            Assert.Equal(yd.Values[i], yf.Values[i], 4);
        }

        yd.Sum().Backward();
        yf.Sum().Backward();
        for (var i = 0; i < wd.Length; i++)
        {
            Assert.Equal(wd.Grad!.Values[i], wf.Grad!.Values[i], 4);
        }
    }

    [Fact]
    public void Conv_with_an_empty_batch_gives_an_empty_result_and_zero_parameter_gradients()
    {
        var x = Variable.Parameter(Array.Empty<double>(), [0, 3, 5, 5]);
        var w = Ramp<double>([2, 3, 3, 3]);
        var b = Ramp<double>([2]);
        var y = NN.Conv2d(x, w, b, padding: 1);
        Assert.Equal(new Shape(0, 2, 5, 5), y.Shape);
        y.Sum().Backward();
        Assert.Equal(x.Shape, x.Grad!.Shape);
        Assert.All(w.Grad!.ToArray(), g => Assert.Equal(0.0, g));
        Assert.All(b.Grad!.ToArray(), g => Assert.Equal(0.0, g));

        var y1 = NN.Conv1d(Variable.Constant(Array.Empty<float>(), [0, 2, 4]), Ramp<float>([5, 2, 2]));
        Assert.Equal(new Shape(0, 5, 3), y1.Shape);
    }

    [Fact]
    public void Unbatched_input_gives_an_unbatched_result()
    {
        var x = Ramp<double>([3, 5, 4]);
        var w = Ramp<double>([2, 3, 3, 3], scale: 0.5);
        var batched = NN.Conv2d(x.Reshape(1, 3, 5, 4), w, padding: 1);
        var unbatched = NN.Conv2d(x, w, padding: 1);
        Assert.Equal(new Shape(2, 5, 4), unbatched.Shape);
        Assert.Equal(batched.ToArray(), unbatched.ToArray());
        Assert.Equal(new Shape(3, 2, 2), NN.MaxPool2d(x, 2).Shape);
        Assert.Equal(new Shape(2, 2), NN.Conv1d(Ramp<double>([3, 4]), Ramp<double>([2, 3, 3])).Shape);
    }

    [Fact]
    public void Conv1d_equals_Conv2d_on_an_image_of_height_one()
    {
        var x = Ramp<double>([2, 4, 9]);
        var w = Ramp<double>([6, 2, 3], scale: 0.8);
        var b = Ramp<double>([6], scale: 1.7);
        var y1 = NN.Conv1d(x, w, b, stride: 2, padding: 2, dilation: 2, groups: 2);
        var y2 = NN.Conv2d(x.Reshape(2, 4, 1, 9), w.Reshape(6, 2, 1, 3), b, stride: (1, 2), padding: (0, 2), dilation: (1, 2), groups: 2);
        Assert.Equal(new Shape(2, 6, 5), y1.Shape);
        Assert.Equal(y2.ToArray(), y1.ToArray());
    }

    [Fact]
    public void Conv2d_errors_name_the_op_and_the_shapes()
    {
        var x = Ramp<double>([2, 3, 5, 5]);
        var ex = Assert.Throws<ArgumentException>(() => NN.Conv2d(x, Ramp<double>([4, 2, 3, 3])));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("[4, 2, 3, 3]", ex.Message);
        Assert.Contains("[2, 3, 5, 5]", ex.Message);
        Assert.Contains("channels", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.Conv2d(x, Ramp<double>([4, 3, 3])));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("[4, 3, 3]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.Conv2d(Ramp<double>([5, 5]), Ramp<double>([4, 3, 3, 3])));
        Assert.Contains("[5, 5]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.Conv2d(x, Ramp<double>([4, 3, 3, 3]), Ramp<double>([3])));
        Assert.Contains("bias", ex.Message);
        Assert.Contains("[4]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.Conv2d(Ramp<double>([1, 4, 5, 5]), Ramp<double>([3, 2, 3, 3]), groups: 2));
        Assert.Contains("groups = 2", ex.Message);
        Assert.Contains("[3, 2, 3, 3]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.Conv2d(x, Ramp<double>([4, 3, 3, 3]), dilation: 3));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("(7, 7)", ex.Message);
        Assert.Contains("(5, 5)", ex.Message);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.Conv2d(x, Ramp<double>([4, 3, 3, 3]), stride: (1, 0)));
        Assert.Contains("Conv2d", range.Message);
        Assert.Contains("stride", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.Conv2d(x, Ramp<double>([4, 3, 3, 3]), padding: -1));
        Assert.Contains("padding", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.Conv2d(x, Ramp<double>([4, 3, 3, 3]), groups: 0));
        Assert.Contains("groups", range.Message);
    }

    [Fact]
    public void Conv1d_errors_speak_in_one_dimension()
    {
        var ex = Assert.Throws<ArgumentException>(() => NN.Conv1d(Ramp<double>([2, 3, 4]), Ramp<double>([2, 3, 6])));
        Assert.Contains("Conv1d", ex.Message);
        Assert.Contains("spans 6", ex.Message);
        Assert.Contains("[2, 3, 4]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.Conv1d(Ramp<double>([2, 3, 4, 4]), Ramp<double>([2, 3, 3])));
        Assert.Contains("Conv1d", ex.Message);
        Assert.Contains("[N, C, L]", ex.Message);
    }

    [Fact]
    public void MaxPool2d_gives_a_tied_maximum_wholly_to_the_first_element_as_PyTorch_does()
    {
        // One 2×2 window of equal values: PyTorch's gradient goes to the first, not a quarter to each.
        var x = Variable.Parameter(new[] { 1.0, 1.0, 1.0, 1.0 }, [1, 1, 2, 2]);
        var y = NN.MaxPool2d(x, 2);
        Assert.Equal(1.0, y.ToScalar());
        y.Sum().Backward();
        Assert.Equal(new[] { 1.0, 0.0, 0.0, 0.0 }, x.Grad!.ToArray());

        // Overlapping windows that select the same element add their gradients there.
        var z = Variable.Parameter(new[] { 0.0, 0.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0, 0.0 }, [1, 1, 3, 3]);
        NN.MaxPool2d(z, 2, stride: 1).Sum().Backward();
        Assert.Equal(4.0, z.Grad!.Values[4]);
        Assert.Equal(4.0, z.Grad.ToArray().Sum());
    }

    [Fact]
    public void MaxPool2d_propagates_NaN_and_handles_infinities()
    {
        var x = Variable.Parameter(new[] { 1.0, double.NaN, 3.0, 2.0 }, [1, 1, 2, 2]);
        var y = NN.MaxPool2d(x, 2);
        Assert.True(double.IsNaN(y.ToScalar()));
        y.Backward();
        Assert.Equal(new[] { 0.0, 1.0, 0.0, 0.0 }, x.Grad!.ToArray());

        // −∞ everywhere with padding: the padding is never selected; each window takes its first in-image element.
        var n = Variable.Parameter(Enumerable.Repeat(double.NegativeInfinity, 4).ToArray(), [1, 1, 2, 2]);
        var m = NN.MaxPool2d(n, 2, stride: 1, padding: 1);
        Assert.All(m.ToArray(), v => Assert.Equal(double.NegativeInfinity, v));
        m.Sum().Backward();
        Assert.Equal(new[] { 4.0, 2.0, 2.0, 1.0 }, n.Grad!.ToArray());

        // A window wholly in the padding (possible with dilation) gives −∞, as PyTorch does.
        var d = NN.MaxPool2d(Ramp<double>([1, 1, 2, 2]), 2, stride: 1, padding: 1, dilation: 3);
        Assert.Equal(double.NegativeInfinity, d.ToScalar());
    }

    [Fact]
    public void MaxPool2d_in_float()
    {
        var x = Variable.Parameter(new[] { 1f, 4f, 2f, 3f, -1f, 0.5f, 7f, 6f }, [2, 2, 2]);
        var y = NN.MaxPool2d(x, (1, 2));
        Assert.Equal(new[] { 4f, 3f, 0.5f, 7f }, y.ToArray());
        y.Sum().Backward();
        Assert.Equal(new[] { 0f, 1f, 0f, 1f, 0f, 1f, 1f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void AvgPool2d_counts_the_padding_only_when_asked()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0, 4.0 }, [1, 1, 2, 2]);
        var include = NN.AvgPool2d(x, 2, stride: 1, padding: 1);
        var exclude = NN.AvgPool2d(x, 2, stride: 1, padding: 1, countIncludePad: false);
        Assert.Equal(new Shape(1, 1, 3, 3), include.Shape);
        Assert.Equal(0.25, include.Values[0]);
        Assert.Equal(1.0, exclude.Values[0]);
        Assert.Equal(2.5, exclude.Values[4]);
        Assert.Equal(2.5, include.Values[4]);

        var f = NN.AvgPool2d(Variable.Constant(new[] { 1f, 2f, 3f, 4f }, [1, 2, 2]), 2);
        Assert.Equal(2.5f, f.ToScalar());
    }

    [Fact]
    public void Pool_errors_name_the_op_and_the_shapes()
    {
        var x = Ramp<double>([1, 2, 4, 4]);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.MaxPool2d(x, 2, padding: 2));
        Assert.Contains("MaxPool2d", range.Message);
        Assert.Contains("half the kernel size", range.Message);
        Assert.Contains("[1, 2, 4, 4]", range.Message);

        range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.AvgPool2d(x, 0));
        Assert.Contains("AvgPool2d", range.Message);
        Assert.Contains("kernel size", range.Message);

        var ex = Assert.Throws<ArgumentException>(() => NN.AvgPool2d(Ramp<double>([4, 4]), 2));
        Assert.Contains("AvgPool2d", ex.Message);
        Assert.Contains("[4, 4]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.MaxPool2d(x, 5));
        Assert.Contains("MaxPool2d", ex.Message);
        Assert.Contains("window (5, 5)", ex.Message);
    }

    [Fact]
    public void Dropout_with_a_seed_keeps_the_mean_and_drops_a_fraction_p()
    {
        const int N = 100_000;
        const double P = 0.3;
        var x = Variable.Parameter(Enumerable.Repeat(1.0, N).ToArray());
        var y = NN.Dropout(x, P, training: true, seed: 42);
        var values = y.ToArray();
        var dropped = values.Count(v => v == 0) / (double)N;
        var sigma = Math.Sqrt(P * (1 - P) / N);
        Assert.InRange(dropped, P - (5 * sigma), P + (5 * sigma));
        Assert.All(values, v => Assert.True(v == 0 || Math.Abs(v - (1 / (1 - P))) < 1e-15));
        Assert.InRange(values.Average(), 1 - (5 * sigma / (1 - P)), 1 + (5 * sigma / (1 - P)));

        // The gradient is the mask itself, and the same seed gives the same mask.
        y.Sum().Backward();
        Assert.Equal(values, x.Grad!.ToArray());
        Assert.Equal(values, NN.Dropout(x, P, training: true, seed: 42).ToArray());
        Assert.NotEqual(values, NN.Dropout(x, P, training: true, seed: 43).ToArray());
    }

    [Fact]
    public void Dropout_is_the_identity_outside_training_and_for_p_zero_and_zeroes_everything_for_p_one()
    {
        var x = Ramp<float>([3, 4]);
        Assert.Same(x, NN.Dropout(x, 0.5, training: false, seed: 1));
        Assert.Same(x, NN.Dropout(x, 0.0, training: true, new Random(1)));
        var all = NN.Dropout(x, 1.0, training: true, seed: 1);
        Assert.All(all.ToArray(), v => Assert.Equal(0f, v));
        all.Sum().Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Dropout_rejects_a_probability_outside_the_unit_interval(double p)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => NN.Dropout(Ramp<double>([2, 3]), p, training: false, seed: 1));
        Assert.Contains("Dropout", ex.Message);
        Assert.Contains("[0, 1]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }

    [Fact]
    public void LayerNorm_gives_zero_mean_unit_variance_slices_in_float_and_double()
    {
        var x = Ramp<double>([3, 2, 4]);
        var y = NN.LayerNorm(x, [2, 4], eps: 0);
        var yf = NN.LayerNorm(Ramp<float>([3, 2, 4]), [2, 4], eps: 0);
        for (var r = 0; r < 3; r++)
        {
            var slice = y.Values.Slice(r * 8, 8).ToArray();
            Assert.Equal(0.0, slice.Average(), 12);
            Assert.Equal(1.0, slice.Select(v => v * v).Average(), 12);
            for (var i = 0; i < 8; i++)
            {
                Assert.Equal(slice[i], yf.Values[(r * 8) + i], 4);
            }
        }
    }

    [Fact]
    public void LayerNorm_errors_name_the_op_and_the_shapes()
    {
        var x = Ramp<double>([2, 3, 4]);
        var ex = Assert.Throws<ArgumentException>(() => NN.LayerNorm(x, [3]));
        Assert.Contains("LayerNorm", ex.Message);
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[2, 3, 4]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.LayerNorm(x, [3, 4], Ramp<double>([4])));
        Assert.Contains("weight", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);

        Assert.Throws<ArgumentException>(() => NN.LayerNorm(x, Shape.Scalar));
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.LayerNorm(x, [4], eps: -1));
        Assert.Contains("eps", range.Message);
    }

    [Fact]
    public void BatchNorm_training_updates_the_running_buffers_in_place_with_the_unbiased_variance()
    {
        // Channel 0 holds 1, 2, 3, 4; channel 1 holds 10, 20, 30, 40 (N = 2, L = 2).
        var x = Variable.Parameter(new[] { 1.0, 2.0, 10.0, 20.0, 3.0, 4.0, 30.0, 40.0 }, [2, 2, 2]);
        var mean = Variable.Zeros<double>([2]);
        var variance = Variable.Ones<double>([2]);
        var y = NN.BatchNorm(x, mean, variance, training: true, momentum: 0.1, eps: 0);
        Assert.Equal(new[] { 0.25, 2.5 }, mean.ToArray());
        Assert.Equal(0.9 + (0.1 * 5.0 / 3.0), variance.Values[0], 15);
        Assert.Equal(0.9 + (0.1 * 500.0 / 3.0), variance.Values[1], 13);

        // The output used the batch statistics with the biased variance (1.25 for channel 0).
        Assert.Equal((1 - 2.5) / Math.Sqrt(1.25), y.Values[0], 14);

        // Later changes to the buffers do not reach the graph already built.
        variance.Data[0] = 100;
        y.Sum().Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(0.0, g, 12));
    }

    [Fact]
    public void BatchNorm_evaluation_uses_the_running_statistics_and_leaves_them_alone()
    {
        var x = Ramp<float>([2, 2, 3]);
        var mean = Variable.Constant(new[] { 0.5f, -1f });
        var variance = Variable.Constant(new[] { 4f, 0.25f });
        var weight = Variable.Parameter(new[] { 2f, 3f });
        var y = NN.BatchNorm(x, mean, variance, weight, eps: 0);
        Assert.Equal((x.Values[0] - 0.5f) / 2f * 2f, y.Values[0], 6);
        Assert.Equal((x.Values[3] + 1f) / 0.5f * 3f, y.Values[3], 5);
        Assert.Equal(new[] { 0.5f, -1f }, mean.ToArray());
        Assert.Equal(new[] { 4f, 0.25f }, variance.ToArray());
    }

    [Fact]
    public void BatchNorm_with_an_empty_batch_leaves_the_buffers_unchanged()
    {
        var mean = Variable.Zeros<double>([3]);
        var variance = Variable.Ones<double>([3]);
        var y = NN.BatchNorm(Variable.Parameter(Array.Empty<double>(), [0, 3]), mean, variance, training: true);
        Assert.Equal(new Shape(0, 3), y.Shape);
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, mean.ToArray());
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, variance.ToArray());
    }

    [Fact]
    public void BatchNorm_errors_name_the_op_and_the_shapes()
    {
        var x = Ramp<double>([4, 3, 2]);
        var ex = Assert.Throws<ArgumentException>(() => NN.BatchNorm(x, null, null));
        Assert.Contains("BatchNorm", ex.Message);
        Assert.Contains("runningMean and runningVar are required", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.BatchNorm(Ramp<double>([1, 3]), null, null, training: true));
        Assert.Contains("more than one value per channel", ex.Message);
        Assert.Contains("[1, 3]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.BatchNorm(x, Variable.Zeros<double>([2]), Variable.Ones<double>([2])));
        Assert.Contains("runningMean", ex.Message);
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[4, 3, 2]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.BatchNorm(x, Variable.Zeros<double>([3], requiresGrad: true), Variable.Ones<double>([3]), training: true));
        Assert.Contains("must not require gradients", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.BatchNorm(x, Variable.Zeros<double>([3]), null, training: true));
        Assert.Contains("both", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => NN.BatchNorm(Ramp<double>([4]), null, null, training: true));
        Assert.Contains("[N, C, ...]", ex.Message);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => NN.BatchNorm(x, null, null, training: true, momentum: 1.5));
        Assert.Contains("momentum", range.Message);
    }

    [Fact]
    public void Size2_converts_from_an_int_and_a_tuple()
    {
        Size2 square = 3;
        Size2 rect = (2, 5);
        Assert.Equal(new Size2(3, 3), square);
        Assert.Equal(2, rect.Height);
        Assert.Equal(5, rect.Width);
        Assert.Equal("(2, 5)", rect.ToString());
        Assert.Equal(rect, Size2.FromValueTuple((2, 5)));
        Assert.Equal(square, Size2.FromInt32(3));
    }
}
