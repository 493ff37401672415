using System.Numerics;

namespace AutoGrad.Tests.TestUtilities;

/// <summary>Comparisons for results that two correct paths may round differently (products or sums in another order).</summary>
internal static class Reassociation
{
    /// <summary>
    /// Equal where either is 0, ±∞ or NaN (every NaN counts as one), so the special-value conventions are checked
    /// exactly; otherwise within 2 ulps of <paramref name="expected"/>.
    /// </summary>
    public static bool SameUpToRounding<T>(T actual, T expected)
        where T : IFloatingPointIeee754<T>
    {
        if (!T.IsFinite(actual) || !T.IsFinite(expected) || T.IsZero(actual) || T.IsZero(expected))
        {
            return actual.Equals(expected) || (T.IsNaN(actual) && T.IsNaN(expected));
        }

        var ulp = T.BitIncrement(T.Abs(expected)) - T.Abs(expected);
        return T.Abs(actual - expected) <= ulp + ulp;
    }
}
