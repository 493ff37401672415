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

    private static IReadOnlyList<OpRow<T>> LinearAlgebraRows { get; } =
    [
        new("MatMul", x => x[0].MatMul(x[1]), Domain.Any, Domain.Any) { Shapes = MatMulShapes },
        new("Permute", x => x[0].Permute(2, 0, 1), Domain.Any) { MinRank = 3 },
        new("Transpose", x => x[0].Transpose(), Domain.Any) { MinRank = 2 },
    ];
}
