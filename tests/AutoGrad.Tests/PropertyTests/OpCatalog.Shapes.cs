using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    /// <summary>A rank-3 shape with a size-1 middle axis (Squeeze(1), Expand).</summary>
    private static Gen<Shape[]> UnitMiddleAxis(int maxDimension) =>
        Gen.Select(Gen.Int[1, maxDimension], Gen.Int[1, maxDimension]).Select(t => new Shape[] { [t.Item1, 1, t.Item2] });

    /// <summary><paramref name="count"/> rank-3 shapes that agree everywhere except along <paramref name="axis"/> (Concat).</summary>
    private static Func<int, Gen<Shape[]>> ConcatShapes(int count, int axis) => maxDimension =>
        Gen.Select(Gen.Int[1, maxDimension].Array[3], Gen.Int[1, maxDimension].Array[count]).Select(t =>
        {
            var (dims, sizes) = t;
            return sizes.Select(size =>
            {
                var d = (int[])dims.Clone();
                d[axis < 0 ? axis + 3 : axis] = size;
                return new Shape(d);
            }).ToArray();
        });

    /// <summary><paramref name="count"/> equal shapes of rank 1 to 3 (Stack).</summary>
    private static Func<int, Gen<Shape[]>> EqualShapes(int count) => maxDimension =>
        Gen.Int[1, 3].SelectMany(rank => Gen.Int[1, maxDimension].Array[rank]).Select(dims => Enumerable.Repeat(new Shape(dims), count).ToArray());

    /// <summary>Joins the chunks back, each scaled by a different factor, so every chunk's gradient is checked separately.</summary>
    private static Variable<T> Weighted(Variable<T>[] chunks, int axis) =>
        Variable.Concat(chunks.Select((c, i) => c * C(i + 1)).ToArray(), axis);

    private static IReadOnlyList<OpRow<T>> ShapesRows { get; } =
    [
        new("Flatten", x => x[0].Flatten(), Domain.Any),
        new("Flatten(1,-1)", x => x[0].Flatten(1, -1), Domain.Any) { MinRank = 2 },
        new("Flatten(0,1)", x => x[0].Flatten(0, 1), Domain.Any) { MinRank = 2 },
        new("Squeeze", x => x[0].Squeeze(), Domain.Any),
        new("Squeeze(1)", x => x[0].Squeeze(1), Domain.Any) { Shapes = UnitMiddleAxis },
        new("Unsqueeze(0)", x => x[0].Unsqueeze(0), Domain.Any),
        new("Unsqueeze(-1)", x => x[0].Unsqueeze(-1), Domain.Any),
        new("Expand", x => x[0].Expand(2, -1, 3, -1), Domain.Any) { Shapes = UnitMiddleAxis },
        new("Concat(axis=0)", x => Variable.Concat(x, 0), Domain.Any, Domain.Any) { Shapes = ConcatShapes(2, 0) },
        new("Concat(axis=-1)", x => Variable.Concat(x, -1), Domain.Any, Domain.Any, Domain.Any) { Shapes = ConcatShapes(3, -1) },
        new("Concat(axis=1)", x => Variable.Concat([x[0], x[1].Exp(), x[2]], 1), Domain.Any, Domain.Any, Domain.Any) { Shapes = ConcatShapes(3, 1) },
        new("Stack(axis=0)", x => Variable.Stack(x, 0), Domain.Any, Domain.Any) { Shapes = EqualShapes(2) },
        new("Stack(axis=-1)", x => Variable.Stack([x[0], x[1].Square(), x[2]], -1), Domain.Any, Domain.Any, Domain.Any) { Shapes = EqualShapes(3) },
        new("Split(2)", x => Weighted(x[0].Split(2), 0), Domain.Any) { MinRank = 1 },
        new("Split(1,axis=-1)", x => Weighted(x[0].Split(1, -1), -1), Domain.Any) { MinRank = 1 },
        new("Split(sizes)", x => Weighted(x[0].Split([x[0].Shape[-1] / 2, x[0].Shape[-1] - (x[0].Shape[-1] / 2)], -1), -1), Domain.Any) { MinRank = 1 },
        new("Pad([1,2])", x => x[0].Pad([1, 2]), Domain.Any) { MinRank = 1 },
        new("Pad([0,1,2,1],0.5)", x => x[0].Pad([0, 1, 2, 1], C(0.5)), Domain.Any) { MinRank = 2 },
        new("Pad(3 axes)", x => x[0].Pad([1, 0, 0, 2, 1, 1]), Domain.Any) { MinRank = 3 },
    ];
}
