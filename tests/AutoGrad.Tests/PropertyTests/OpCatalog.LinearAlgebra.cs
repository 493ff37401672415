using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    /// <summary>Shapes for MatMul: every PyTorch shape class, with the inner dimensions matching.</summary>
    private static Gen<Shape[]> MatMulShapes(int maxDimension) =>
        Gen.Select(Gen.Int[1, maxDimension], Gen.Int[1, maxDimension], Gen.Int[1, maxDimension], Gen.Int[0, 5], Gen.Int[1, 2]).Select(t =>
        {
            var (m, k, n, kind, b) = t;
            return kind switch
            {
                0 => new Shape[] { [k], [k] },                 // 1-D · 1-D
                1 => [[m, k], [k, n]],                         // 2-D · 2-D
                2 => [[k], [b, k, n]],                         // 1-D · batched
                3 => [[b, m, k], [k]],                         // batched · 1-D
                4 => [[b, 1, m, k], [2, k, n]],                // batch axes broadcast both ways
                _ => [[m, k], [b, k, n]],                      // 2-D broadcast against a batch
            };
        });

    /// <summary>
    /// Stored shapes for MatMulTransposed: op(a) is m×k and op(b) k×n, so a transposed operand is stored with its last
    /// two axes swapped; plain, broadcast-batched and matrix-against-batch cases.
    /// </summary>
    private static Func<int, Gen<Shape[]>> MatMulTransposedShapes(bool transposeA, bool transposeB) => maxDimension =>
        Gen.Select(Gen.Int[1, maxDimension], Gen.Int[1, maxDimension], Gen.Int[1, maxDimension], Gen.Int[0, 2], Gen.Int[1, 2]).Select(t =>
        {
            var (m, k, n, kind, b) = t;
            int[] a2 = transposeA ? [k, m] : [m, k];
            int[] b2 = transposeB ? [n, k] : [k, n];
            return kind switch
            {
                0 => new Shape[] { new(a2), new(b2) },
                1 => [new([b, 1, .. a2]), new([2, .. b2])],
                _ => [new(a2), new([b, .. b2])],
            };
        });

    /// <summary>Two vectors of the same length (Dot).</summary>
    private static Gen<Shape[]> EqualVectors(int maxDimension) => Gen.Int[1, maxDimension].Select(k => new Shape[] { [k], [k] });

    /// <summary>Two vectors of independent lengths (Outer).</summary>
    private static Gen<Shape[]> TwoVectors(int maxDimension) =>
        Gen.Select(Gen.Int[1, maxDimension], Gen.Int[1, maxDimension]).Select(t => new Shape[] { [t.Item1], [t.Item2] });

    /// <summary>A matrix, square or not (Trace).</summary>
    private static Gen<Shape[]> Matrix(int maxDimension) =>
        Gen.Select(Gen.Int[1, maxDimension], Gen.Int[1, maxDimension]).Select(t => new Shape[] { [t.Item1, t.Item2] });

    /// <summary>
    /// Input for the ∞-norm, which is the largest |xᵢ| and so has kinks where two magnitudes tie and at 0: positive
    /// values made distinct by <see cref="Distinct"/>, with alternating signs so negative maxima are covered too.
    /// </summary>
    private static Variable<T> DistinctMagnitudes(Variable<T> positive)
    {
        var signs = new T[positive.Length];
        for (var k = 0; k < signs.Length; k++)
        {
            signs[k] = k % 3 == 1 ? -T.One : T.One;
        }

        return Distinct(positive) * Variable.Constant(signs, positive.Shape);
    }

    // Norms use inputs away from 0: every p-norm has a kink where the whole reduced group is 0, and the 1-norm
    // (|xᵢ|) and p-norms with p < 2 (|xᵢ|^(p−1) in the gradient) also at each xᵢ = 0. The gradient at zero is pinned by
    // the PyTorch fixtures (linalg_shapes.json, norm_*_at_zero) and ProductsAndNormTests instead.
    private static IReadOnlyList<OpRow<T>> LinearAlgebraRows { get; } =
    [
        new("MatMul", x => x[0].MatMul(x[1]), Domain.Any, Domain.Any) { Shapes = MatMulShapes },
        new("MatMulTransposed(a, bᵀ)", x => Variable<T>.MatMulTransposed(x[0], x[1], false, true), Domain.Any, Domain.Any) { Shapes = MatMulTransposedShapes(false, true) },
        new("MatMulTransposed(aᵀ, b)", x => Variable<T>.MatMulTransposed(x[0], x[1], true, false), Domain.Any, Domain.Any) { Shapes = MatMulTransposedShapes(true, false) },
        new("MatMulTransposed(aᵀ, bᵀ)", x => Variable<T>.MatMulTransposed(x[0], x[1], true, true), Domain.Any, Domain.Any) { Shapes = MatMulTransposedShapes(true, true) },
        new("Permute", x => x[0].Permute(2, 0, 1), Domain.Any) { MinRank = 3 },
        new("Transpose", x => x[0].Transpose(), Domain.Any) { MinRank = 2 },

        // Products (Ops/Products.cs)
        new("Dot", x => x[0].Dot(x[1]), Domain.Any, Domain.Any) { Shapes = EqualVectors },
        new("Outer", x => x[0].Outer(x[1]), Domain.Any, Domain.Any) { Shapes = TwoVectors },
        new("Trace", x => x[0].Trace(), Domain.Any) { Shapes = Matrix },

        // Norms (Ops/Norm.cs)
        new("Norm", x => x[0].Norm(), Domain.AwayFromKinks),
        new("Norm(p=1)", x => x[0].Norm(1), Domain.AwayFromKinks),
        new("Norm(p=3)", x => x[0].Norm(3), Domain.AwayFromKinks),
        new("Norm(p=1.5)", x => x[0].Norm(1.5), Domain.AwayFromKinks),
        new("Norm(p=inf)", x => DistinctMagnitudes(x[0]).Norm(double.PositiveInfinity), Domain.Positive),
        new("Norm(p=2,axis=-1)", x => x[0].Norm(2, -1), Domain.AwayFromKinks) { MinRank = 1 },
        new("Norm(p=1,axis=0,keepDims)", x => x[0].Norm(1, 0, keepDims: true), Domain.AwayFromKinks) { MinRank = 1 },
        new("Norm(p=3,axis=-1,keepDims)", x => x[0].Norm(3, -1, keepDims: true), Domain.AwayFromKinks) { MinRank = 1 },
        new("Norm(p=4,axis=1)", x => x[0].Norm(4, 1), Domain.AwayFromKinks) { MinRank = 2 },
        new("Norm(p=inf,axis=0)", x => DistinctMagnitudes(x[0]).Norm(double.PositiveInfinity, 0), Domain.Positive) { MinRank = 1 },
    ];
}
