using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    /// <summary>
    /// Input shapes for a convolution with fixed stride, padding, dilation and groups: a random batch, channels per group,
    /// filters per group and kernel, and a spatial size from the smallest the kernel fits up to 5. Channels stay ≤ 4 and the
    /// sizes shrink for the second-order check (maxDimension 2), which runs a backward pass per input element.
    /// </summary>
    private static Func<int, Gen<Shape[]>> ConvShapes(int spatialRank, Size2 stride, Size2 padding, Size2 dilation, int groups, bool bias, bool unbatched = false) =>
        maxDimension =>
        {
            var perGroup = maxDimension <= 2 ? 1 : 4 / groups;
            var extra = maxDimension <= 2 ? 1 : 2;
            return Gen.Select(Gen.Int[1, 2], Gen.Int[1, perGroup], Gen.Int[1, Math.Min(2, perGroup)], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[0, extra], Gen.Int[0, extra])
                .Select((n, cg, og, kh, kw, eh, ew) =>
                {
                    if (spatialRank == 1)
                    {
                        kh = 1;
                    }

                    var h = spatialRank == 1 ? 1 : SpatialSize(kh, padding.Height, dilation.Height, eh);
                    var w = SpatialSize(kw, padding.Width, dilation.Width, ew);
                    int c = cg * groups, o = og * groups;
                    Shape image = spatialRank == 2 ? [c, h, w] : [c, w];
                    Shape kernel = spatialRank == 2 ? [o, cg, kh, kw] : [o, cg, kw];
                    var shapes = new List<Shape> { unbatched ? image : [n, .. image], kernel };
                    if (bias)
                    {
                        shapes.Add([o]);
                    }

                    return shapes.ToArray();
                });
        };

    /// <summary>Input shapes [N, C, H, W] for a pool with a fixed window: every spatial size from the smallest the window fits up to 5.</summary>
    private static Func<int, Gen<Shape[]>> PoolShapes(Size2 kernel, Size2 padding, Size2 dilation) =>
        maxDimension =>
        {
            var extra = maxDimension <= 2 ? 1 : 2;
            return Gen.Select(Gen.Int[1, 2], Gen.Int[1, maxDimension <= 2 ? 1 : 3], Gen.Int[0, extra], Gen.Int[0, extra]).Select((n, c, eh, ew) =>
                new Shape[] { [n, c, SpatialSize(kernel.Height, padding.Height, dilation.Height, eh), SpatialSize(kernel.Width, padding.Width, dilation.Width, ew)] });
        };

    /// <summary>The smallest input size a (dilated, padded) kernel fits, plus <paramref name="extra"/>, capped at 5 where possible.</summary>
    private static int SpatialSize(int kernel, int padding, int dilation, int extra)
    {
        var smallest = Math.Max(1, (dilation * (kernel - 1)) + 1 - (2 * padding));
        return Math.Max(smallest, Math.Min(5, smallest + extra));
    }

    /// <summary>[A, B] normalized over [B] (or [A, B, C] over [B, C] with an affine γ, β of that shape); B ≥ 2 so a slice has a variance.</summary>
    private static Gen<Shape[]> LayerNormShapes(int maxDimension, bool affine) =>
        Gen.Select(Gen.Int[1, 3], Gen.Int[2, Math.Max(2, maxDimension + 1)], Gen.Int[1, 3]).Select((a, b, c) =>
            affine ? new Shape[] { [a, b, c], [b, c], [b, c] } : [[a, b]]);

    /// <summary>
    /// [N, C, ...] of rank <paramref name="rank"/> with N ≥ 3, plus γ and β of shape [C]. With only two values per channel
    /// both normalize to exactly ±1 and the batch-norm gradient cancels to a residual of order eps/variance, which float
    /// cannot resolve (an ill-conditioned case, not an error); three or more values avoid that.
    /// </summary>
    private static Func<int, Gen<Shape[]>> BatchNormShapes(int rank, bool affine) =>
        maxDimension => Gen.Select(Gen.Int[3, 4], Gen.Int[1, 3], Gen.Int[1, Math.Min(3, maxDimension)], Gen.Int[1, Math.Min(3, maxDimension)]).Select((n, c, h, w) =>
        {
            Shape x = rank switch
            {
                2 => [n, c],
                3 => [n, c, w],
                _ => [n, c, h, w],
            };
            return affine ? new Shape[] { x, [c], [c] } : [x];
        });

    /// <summary>Fixed running statistics for a channel count: means spread around 0, variances in [0.5, 1.25].</summary>
    private static (Variable<T> Mean, Variable<T> Variance) RunningStatistics(int channels) =>
        (Variable.Constant(Enumerable.Range(0, channels).Select(k => C((0.3 * k) - 0.2)).ToArray()),
         Variable.Constant(Enumerable.Range(0, channels).Select(k => C(0.5 + (0.25 * k))).ToArray()));

    /// <summary>
    /// LayerNorm and BatchNorm divide by the standard deviation of a few values: with the generators' ties (exact zeros) the
    /// variance would be ~0 and the derivatives ~ε^(−3/2), beyond finite differences. Distinct spreads every slice apart.
    /// </summary>
    private static IReadOnlyList<OpRow<T>> NNRows { get; } =
    [
        // Convolutions (Nn/NN.cs): Unfold/Fold and MatMul.
        new("Conv2d", x => NN.Conv2d(x[0], x[1], x[2]), Domain.Any, Domain.Any, Domain.Any) { Shapes = ConvShapes(2, 1, 0, 1, 1, bias: true) },
        new("Conv2d(stride=2,padding=1)", x => NN.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1), Domain.Any, Domain.Any, Domain.Any)
        {
            Shapes = ConvShapes(2, 2, 1, 1, 1, bias: true),
        },
        new("Conv2d(stride=(1,2),padding=(0,1),dilation=(2,1))", x => NN.Conv2d(x[0], x[1], stride: (1, 2), padding: (0, 1), dilation: (2, 1)), Domain.Any, Domain.Any)
        {
            Shapes = ConvShapes(2, (1, 2), (0, 1), (2, 1), 1, bias: false),
        },
        new("Conv2d(groups=2,padding=1)", x => NN.Conv2d(x[0], x[1], x[2], padding: 1, groups: 2), Domain.Any, Domain.Any, Domain.Any)
        {
            Shapes = ConvShapes(2, 1, 1, 1, 2, bias: true),
        },
        new("Conv2d(unbatched)", x => NN.Conv2d(x[0], x[1], x[2], padding: (1, 0)), Domain.Any, Domain.Any, Domain.Any)
        {
            Shapes = ConvShapes(2, 1, (1, 0), 1, 1, bias: true, unbatched: true),
        },
        new("Conv1d", x => NN.Conv1d(x[0], x[1], x[2]), Domain.Any, Domain.Any, Domain.Any) { Shapes = ConvShapes(1, 1, 0, 1, 1, bias: true) },
        new("Conv1d(stride=2,padding=1,dilation=2,groups=2)", x => NN.Conv1d(x[0], x[1], stride: 2, padding: 1, dilation: 2, groups: 2), Domain.Any, Domain.Any)
        {
            Shapes = ConvShapes(1, (1, 2), (0, 1), (1, 2), 2, bias: false),
        },

        // Pools: MaxPool2d compares values, so its inputs are spread apart (Distinct) to keep ties away.
        new("MaxPool2d(2)", x => NN.MaxPool2d(Distinct(x[0]), 2), Domain.Any) { Shapes = PoolShapes(2, 0, 1) },
        new("MaxPool2d(3,stride=2,padding=1)", x => NN.MaxPool2d(Distinct(x[0]), 3, stride: 2, padding: 1), Domain.Any) { Shapes = PoolShapes(3, 1, 1) },
        new("MaxPool2d((2,3),stride=1,dilation=(2,1))", x => NN.MaxPool2d(Distinct(x[0]), (2, 3), stride: 1, dilation: (2, 1)), Domain.Any)
        {
            Shapes = PoolShapes((2, 3), 0, (2, 1)),
        },
        new("AvgPool2d(2)", x => NN.AvgPool2d(x[0], 2), Domain.Any) { Shapes = PoolShapes(2, 0, 1) },
        new("AvgPool2d(3,stride=2,padding=1)", x => NN.AvgPool2d(x[0], 3, stride: 2, padding: 1), Domain.Any) { Shapes = PoolShapes(3, 1, 1) },
        new("AvgPool2d(3,stride=1,padding=1,countIncludePad=false)", x => NN.AvgPool2d(x[0], 3, stride: 1, padding: 1, countIncludePad: false), Domain.Any)
        {
            Shapes = PoolShapes(3, 1, 1),
        },

        // Dropout: the identity in evaluation; with a fixed seed, training is a deterministic function (a constant mask).
        new("Dropout(eval)", x => NN.Dropout(x[0], 0.5, training: false, seed: 7), Domain.Any),
        new("Dropout(p=0.3,seed)", x => NN.Dropout(x[0], 0.3, training: true, seed: 7), Domain.Any),

        // Normalization.
        new("LayerNorm", x => NN.LayerNorm(Distinct(x[0]), [x[0].Shape[-1]]), Domain.Any) { Shapes = m => LayerNormShapes(m, affine: false) },
        new("LayerNorm(2 axes,affine)", x => NN.LayerNorm(Distinct(x[0]), x[1].Shape, x[1], x[2]), Domain.Any, Domain.Any, Domain.Any)
        {
            Shapes = m => LayerNormShapes(m, affine: true),
        },
        new("BatchNorm(training)", x => NN.BatchNorm(Distinct(x[0]), null, null, x[1], x[2], training: true), Domain.Any, Domain.Any, Domain.Any)
        {
            Shapes = BatchNormShapes(4, affine: true),
        },
        new("BatchNorm(training,running,rank 3)", x => BatchNormWithBuffers(Distinct(x[0]), training: true), Domain.Any) { Shapes = BatchNormShapes(3, affine: false) },
        new("BatchNorm(training,rank 2)", x => NN.BatchNorm(Distinct(x[0]), null, null, training: true, eps: 1e-3), Domain.Any) { Shapes = BatchNormShapes(2, affine: false) },
        new("BatchNorm(eval)", x => BatchNormWithBuffers(x[0], training: false, x[1], x[2]), Domain.Any, Domain.Any, Domain.Any) { Shapes = BatchNormShapes(4, affine: true) },
    ];

    private static Variable<T> BatchNormWithBuffers(Variable<T> x, bool training, Variable<T>? weight = null, Variable<T>? bias = null)
    {
        var (mean, variance) = RunningStatistics(x.Shape[1]);
        return NN.BatchNorm(x, mean, variance, weight, bias, training, momentum: 0.2);
    }
}
