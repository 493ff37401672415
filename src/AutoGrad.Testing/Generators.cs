using CsCheck;

namespace AutoGrad.Testing;

/// <summary>
/// CsCheck generators of shapes, values and parameters for property tests of AutoGrad functions.
/// </summary>
/// <remarks>
/// Every generator is composed from CsCheck's integer and double ranges with <c>Select</c>/<c>SelectMany</c>, so a
/// failing case shrinks toward lower rank, smaller dimensions and simpler values.
/// </remarks>
public static class Generators
{
    // Lengths around the 128-, 256- and 512-bit vector widths for float and double, ascending so that
    // shrinking (toward smaller indices) moves to shorter vectors.
    private static readonly int[] s_simdLengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65];

    /// <summary>
    /// Rank-1 shapes whose lengths straddle SIMD vector widths: 1..9, 15, 16, 17, 31, 32, 33, 63, 64, 65, so
    /// vectorized kernels are exercised on full vectors, remainders and lengths shorter than one vector.
    /// </summary>
    public static Gen<Shape> SimdStraddlingVector { get; } =
        Gen.Int[0, s_simdLengths.Length - 1].Select(static i => new Shape(s_simdLengths[i]));

    /// <summary>Shapes of rank 0 to <paramref name="maxRank"/> with every dimension in 1..<paramref name="maxDimension"/>.</summary>
    /// <param name="maxRank">The largest rank (at least 0).</param>
    /// <param name="maxDimension">The largest size of an axis (at least 1).</param>
    /// <returns>The generator; it shrinks toward scalars and small dimensions.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRank"/> is negative or <paramref name="maxDimension"/> is less than 1.</exception>
    public static Gen<Shape> Shape(int maxRank = 3, int maxDimension = 5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRank);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDimension, 1);
        return Gen.Int[0, maxRank].SelectMany(rank => Gen.Int[1, maxDimension].Array[rank]).Select(static dims => new Shape(dims));
    }

    /// <summary>
    /// Pairs of shapes that broadcast together: ranks may differ (the shorter is aligned on the trailing axes) and
    /// any axis of either side may be 1 where the other is not.
    /// </summary>
    /// <param name="maxRank">The largest rank of either shape (at least 0).</param>
    /// <param name="maxDimension">The largest size of an axis (at least 1).</param>
    /// <returns>The generator of compatible pairs.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRank"/> is negative or <paramref name="maxDimension"/> is less than 1.</exception>
    /// <remarks>
    /// A pair is drawn as a full shape of rank r, a rank for each side (at most r), and for each axis of each side
    /// whether it keeps the full size or is 1.
    /// </remarks>
    public static Gen<(Shape Left, Shape Right)> BroadcastPair(int maxRank = 3, int maxDimension = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRank);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDimension, 1);
        return Gen.Int[0, maxRank].SelectMany(rank =>
            Gen.Select(
                Gen.Int[1, maxDimension].Array[rank],
                Gen.Int[0, rank],
                Gen.Int[0, rank],
                Gen.Bool.Array[rank],
                Gen.Bool.Array[rank],
                static (full, leftRank, rightRank, leftOnes, rightOnes) =>
                    (Side(full, leftRank, leftOnes), Side(full, rightRank, rightOnes))));

        static Shape Side(int[] full, int rank, bool[] ones)
        {
            var dims = new int[rank];
            var offset = full.Length - rank;
            for (var axis = 0; axis < rank; axis++)
            {
                dims[axis] = ones[offset + axis] ? 1 : full[offset + axis];
            }

            return new Shape(dims);
        }
    }

    /// <summary>Row-major values for a tensor of shape <paramref name="shape"/>, each drawn from <paramref name="domain"/>.</summary>
    /// <param name="shape">The shape; the arrays have <c>shape.Length</c> elements.</param>
    /// <param name="domain">The domain of every value.</param>
    /// <returns>The generator.</returns>
    public static Gen<double[]> Values(Shape shape, Domain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain.Values.Array[shape.ElementCount];
    }

    /// <summary>Parameters (leaves that require gradients) of shape <paramref name="shape"/> with values from <paramref name="domain"/>.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="domain">The domain of every value.</param>
    /// <returns>The generator.</returns>
    public static Gen<Variable<double>> Parameter(Shape shape, Domain domain) =>
        Values(shape, domain).Select(values => Variable.Parameter(values, shape));

    /// <summary>Parameters of a generated shape (see <see cref="Shape(int, int)"/>) with values from <paramref name="domain"/>.</summary>
    /// <param name="domain">The domain of every value.</param>
    /// <param name="maxRank">The largest rank.</param>
    /// <param name="maxDimension">The largest size of an axis.</param>
    /// <returns>The generator; it shrinks toward scalars and simple values.</returns>
    public static Gen<Variable<double>> Parameter(Domain domain, int maxRank = 3, int maxDimension = 5)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Shape(maxRank, maxDimension).SelectMany(shape => Parameter(shape, domain));
    }

    /// <summary>
    /// Combines one generator per argument into a generator of argument lists, the input type of
    /// <see cref="GradientAssert.MatchesFiniteDifferences"/>.
    /// </summary>
    /// <param name="parameters">One generator per argument, in order.</param>
    /// <returns>The generator of argument arrays.</returns>
    /// <exception cref="ArgumentException">No generators were given, or one is null.</exception>
    public static Gen<Variable<double>[]> Arguments(params Gen<Variable<double>>[] parameters)
    {
        if (parameters is null || parameters.Length == 0 || Array.IndexOf(parameters, null) >= 0)
        {
            throw new ArgumentException("Generators.Arguments: pass at least one generator, none of them null.", nameof(parameters));
        }

        var result = parameters[0].Select(static p => new[] { p });
        for (var i = 1; i < parameters.Length; i++)
        {
            result = Gen.Select(result, parameters[i], static (list, p) => (Variable<double>[])[.. list, p]);
        }

        return result;
    }
}
