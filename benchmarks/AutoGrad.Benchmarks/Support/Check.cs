using System.Numerics;

namespace AutoGrad.Benchmarks.Support;

/// <summary>
/// The correctness checks each benchmark runs once in its <c>[GlobalSetup]</c>: they throw, so a benchmark that
/// computes the wrong thing fails instead of being timed.
/// </summary>
internal static class Check
{
    /// <summary>
    /// A default relative tolerance for comparing two implementations of the same computation that may round or
    /// sum in a different order: 1e-4 for <see cref="float"/>, 1e-9 for <see cref="double"/>.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <returns>The tolerance.</returns>
    public static double Tolerance<T>() => typeof(T) == typeof(float) ? 1e-4 : 1e-9;

    /// <summary>
    /// Throws unless every |actual[i] − expected[i]| ≤ tolerance · max(|expected[i]|, max_j |expected[j]|): a
    /// tolerance relative to the larger of the element and the tensor's largest magnitude, so tiny entries
    /// next to large ones are not held to a relative bound that their summation order cannot meet. NaN fails.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="what">What is compared, for the message.</param>
    /// <param name="actual">The values under test.</param>
    /// <param name="expected">The reference values.</param>
    /// <param name="tolerance">The relative tolerance.</param>
    /// <exception cref="InvalidOperationException">The lengths differ or an element is out of tolerance.</exception>
    public static void Close<T>(string what, ReadOnlySpan<T> actual, ReadOnlySpan<T> expected, double tolerance)
        where T : IFloatingPointIeee754<T>
    {
        if (actual.Length != expected.Length)
        {
            throw new InvalidOperationException($"{what}: {actual.Length} values, expected {expected.Length}.");
        }

        var scale = 0.0;
        foreach (var e in expected)
        {
            scale = Math.Max(scale, Math.Abs(double.CreateTruncating(e)));
        }

        for (var i = 0; i < actual.Length; i++)
        {
            var a = double.CreateTruncating(actual[i]);
            var e = double.CreateTruncating(expected[i]);
            if (!(Math.Abs(a - e) <= tolerance * Math.Max(Math.Abs(e), scale)))
            {
                throw new InvalidOperationException($"{what}: element {i} of {actual.Length} is {a:R}, expected {e:R} (relative tolerance {tolerance}, scale {scale:R}).");
            }
        }
    }

    /// <summary>Throws unless |actual − expected| ≤ tolerance · max(|expected|, <paramref name="scale"/>); NaN fails.</summary>
    /// <param name="what">What is compared, for the message.</param>
    /// <param name="actual">The value under test.</param>
    /// <param name="expected">The reference value.</param>
    /// <param name="tolerance">The relative tolerance.</param>
    /// <param name="scale">A magnitude floor for the relative bound (for example Σ|terms| of a sum that may cancel).</param>
    /// <exception cref="InvalidOperationException">The value is out of tolerance.</exception>
    public static void Close(string what, double actual, double expected, double tolerance, double scale = 0)
    {
        if (!(Math.Abs(actual - expected) <= tolerance * Math.Max(Math.Abs(expected), scale)))
        {
            throw new InvalidOperationException($"{what}: {actual:R}, expected {expected:R} (relative tolerance {tolerance}, scale {scale:R}).");
        }
    }
}
