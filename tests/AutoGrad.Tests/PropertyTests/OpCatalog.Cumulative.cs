using AutoGrad.Testing;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    /// <summary>Factors of modest size, both signs: |x| ∈ [0.5, 1.5] (zeros are covered by the example tests).</summary>
    private static readonly Domain s_factors = Domain.Range(0.5, 1.5);

    private static IReadOnlyList<OpRow<T>> CumulativeRows { get; } =
    [
        new("CumSum(axis=0)", x => x[0].CumSum(0), Domain.Any) { MinRank = 1 },
        new("CumSum(axis=-1)", x => x[0].CumSum(-1), Domain.Any) { MinRank = 1 },
        new("Flip(axis=0)", x => x[0].Flip(0), Domain.Any) { MinRank = 1 },
        new("Flip(axis=-1)", x => x[0].Flip(-1), Domain.Any) { MinRank = 1 },
        new("Prod", x => Signs(x[0]).Prod(), s_factors),
        new("Prod(axis=0)", x => Signs(x[0]).Prod(0), s_factors) { MinRank = 1 },
        new("Prod(axis=-1,keepDims)", x => Signs(x[0]).Prod(-1, keepDims: true), s_factors) { MinRank = 1 },

        // ArgMax/ArgMin are not differentiable; these rows use their positions to pick values, which is.
        new("Gather(ArgMax(axis=-1))", x => Distinct(x[0]).Gather(-1, Distinct(x[0]).ArgMax(-1, keepDims: true)), Domain.Any) { MinRank = 1 },
        new("IndexSelect(ArgMin())", x => Distinct(x[0]).Reshape(-1).IndexSelect(0, new[] { Distinct(x[0]).ArgMin() }), Domain.Any),
    ];

    /// <summary>Flips the sign of every third element, so products see both signs.</summary>
    private static Variable<T> Signs(Variable<T> x)
    {
        var signs = new T[x.Length];
        for (var k = 0; k < signs.Length; k++)
        {
            signs[k] = k % 3 == 1 ? -T.One : T.One;
        }

        return x * Variable.Constant(signs, x.Shape);
    }
}
