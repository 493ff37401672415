using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    private static IReadOnlyList<OpRow<T>> IndexingRows { get; } =
    [
        // Basic slicing (Ops/Indexing.cs): a step on every axis of a rank-3 tensor.
        new("SliceStepsEveryAxis", x => x[0][TensorIndex.Slice(.., step: 2), TensorIndex.Slice(1.., step: 2), TensorIndex.Slice(.., step: 3)], Domain.Any) { MinRank = 3 },

        // Gathering (Ops/Gathering.cs). Indices are built from the shapes; each row repeats positions, so the
        // scatter-add in the backward must accumulate.
        new("IndexSelect(axis=0)", x => x[0].IndexSelect(0, Repeating(x[0].Shape[0])), Domain.Any) { MinRank = 1 },
        new("IndexSelect(axis=-1)", x => x[0].IndexSelect(-1, Repeating(x[0].Shape[-1])), Domain.Any) { MinRank = 1 },
        new("Gather(axis=0)", x => x[0].Gather(0, GatherIndex(x[0].Shape, 0, shrinkOthers: false)), Domain.Any) { MinRank = 1 },
        new("Gather(axis=1,smaller index)", x => x[0].Gather(1, GatherIndex(x[0].Shape, 1, shrinkOthers: true)), Domain.Any) { MinRank = 2 },
        new("ScatterAdd(axis=0)", x => x[0].ScatterAdd(0, Cycling(x[1].Shape, x[0].Shape[0]), x[1]), Domain.Any, Domain.Any) { Shapes = ScatterShapes(axis: 0, extraSource: 0) },
        new("ScatterAdd(axis=-1,larger source)", x => x[0].ScatterAdd(-1, Cycling(Shrink(x[1].Shape, -1), x[0].Shape[-1]), x[1]), Domain.Any, Domain.Any) { Shapes = ScatterShapes(axis: -1, extraSource: 1) },
        new("MaskedSelect", x => x[0].MaskedSelect(Mask(x[0].Shape)), Domain.Any),
        new("MaskedSelect(broadcast mask)", x => x[0].MaskedSelect(Mask(new Shape(x[0].Shape[-1]))), Domain.Any) { MinRank = 1 },
        new("OneHot", x => x[0] * Variable.OneHot<T>(Classes(x[0].Shape), x[0].Shape[-1]), Domain.Any) { MinRank = 1 },
    ];

    /// <summary>Five positions in [0, n) that repeat the first and the last: [n−1, 0, n−1, n/2, 0].</summary>
    private static Indices Repeating(int n) => new[] { n - 1, 0, n - 1, n / 2, 0 };

    /// <summary>
    /// A gather index for a tensor of shape <paramref name="shape"/>: one more entry than the input along the axis (so
    /// positions repeat), optionally one fewer along every other axis of size &gt; 1; values cycle through [0, size).
    /// </summary>
    private static Indices GatherIndex(Shape shape, int axis, bool shrinkOthers)
    {
        var a = shape.NormalizeAxis(axis, "test");
        var dims = shape.ToArray();
        for (var d = 0; d < dims.Length; d++)
        {
            dims[d] = d == a ? dims[d] + 1 : shrinkOthers && dims[d] > 1 ? dims[d] - 1 : dims[d];
        }

        return Cycling(new Shape(dims), shape[a]);
    }

    /// <summary>An index of shape <paramref name="shape"/> whose values cycle through [0, size) in a scrambled order.</summary>
    private static Indices Cycling(Shape shape, int size)
    {
        var values = new int[shape.ElementCount];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = ((3 * k) + 1) % size;
        }

        return new Indices(values, shape);
    }

    private static Shape Shrink(Shape shape, int axis)
    {
        var dims = shape.ToArray();
        dims[shape.NormalizeAxis(axis, "test")]--;
        return new Shape(dims);
    }

    /// <summary>
    /// ScatterAdd's self and source shapes: the source is one entry longer along the axis than self (so positions repeat),
    /// plus <paramref name="extraSource"/> entries the index does not reach.
    /// </summary>
    private static Func<int, Gen<Shape[]>> ScatterShapes(int axis, int extraSource) => maxDimension =>
        Gen.Int[1, 3].SelectMany(rank => Gen.Int[1, maxDimension].Array[rank]).Select(dims =>
        {
            var a = axis < 0 ? axis + dims.Length : axis;
            var source = (int[])dims.Clone();
            source[a] += 1 + extraSource;
            return new Shape[] { dims, source };
        });

    /// <summary>A 0/1 mask of the given shape that selects two elements out of three.</summary>
    private static Variable<T> Mask(Shape shape)
    {
        var values = new T[shape.ElementCount];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = k % 3 == 1 ? T.Zero : T.One;
        }

        return Variable.Constant(values, shape);
    }

    /// <summary>Class indices for OneHot: shape without the last axis, values cycling through the last axis's size.</summary>
    private static Indices Classes(Shape shape) => Cycling(new Shape(shape.ToArray()[..^1]), shape[-1]);
}
