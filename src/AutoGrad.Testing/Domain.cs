using System.Globalization;
using CsCheck;

namespace AutoGrad.Testing;

/// <summary>
/// A named set of input values for an op or loss under test, with a generator that produces only members of the
/// set (PyTorch OpInfo-style domains: positive for <c>Log</c>, away from the kink for <c>Abs</c>).
/// </summary>
/// <remarks>
/// Generators are built directly on the domain rather than by filtering a wider one, so no draws are wasted and
/// CsCheck shrinks within the domain.
/// </remarks>
public sealed class Domain
{
    private readonly Func<double, bool> _contains;

    private Domain(string name, Gen<double> values, Func<double, bool> contains)
    {
        Name = name;
        Values = values;
        _contains = contains;
    }

    /// <summary>Any moderate value: [−3, 3].</summary>
    public static Domain Any { get; } = Range(-3, 3, "Any");

    /// <summary>Strictly positive values bounded away from 0: [0.1, 3] (for <c>Log</c>, <c>Sqrt</c>, <c>Reciprocal</c>).</summary>
    public static Domain Positive { get; } = Range(0.1, 3, "Positive");

    /// <summary>
    /// Values of either sign at least 0.1 away from 0: |x| ∈ [0.1, 3] (for <c>Abs</c>, <c>Relu</c> and other ops with a
    /// kink at 0, where a central difference straddling the kink is meaningless).
    /// </summary>
    public static Domain AwayFromKinks { get; } = new(
        "AwayFromKinks",
        Gen.Select(Gen.Bool, Gen.Double[0.1, 3], static (negative, magnitude) => negative ? -magnitude : magnitude),
        static x => Math.Abs(x) is >= 0.1 and <= 3);

    /// <summary>The open unit interval kept away from its ends: [0.05, 0.95] (probabilities, inputs of logit-like functions).</summary>
    public static Domain UnitInterval { get; } = Range(0.05, 0.95, "UnitInterval");

    /// <summary>The domain's name, used in reports.</summary>
    public string Name { get; }

    /// <summary>A generator of values in the domain.</summary>
    public Gen<double> Values { get; }

    /// <summary>The closed interval [<paramref name="low"/>, <paramref name="high"/>].</summary>
    /// <param name="low">The smallest value (finite).</param>
    /// <param name="high">The largest value (finite, greater than <paramref name="low"/>).</param>
    /// <returns>The domain, named <c>[low, high]</c>.</returns>
    /// <exception cref="ArgumentException">The bounds are not finite or <paramref name="low"/> is not less than <paramref name="high"/>.</exception>
    public static Domain Range(double low, double high) =>
        Range(low, high, string.Create(CultureInfo.InvariantCulture, $"[{low}, {high}]"));

    /// <summary>Whether <paramref name="value"/> belongs to the domain.</summary>
    /// <param name="value">The value.</param>
    /// <returns><c>true</c> when the value is in the domain.</returns>
    public bool Contains(double value) => _contains(value);

    /// <summary>The domain's name.</summary>
    /// <returns><see cref="Name"/>.</returns>
    public override string ToString() => Name;

    private static Domain Range(double low, double high, string name)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || !(low < high))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Domain.Range: need finite bounds with low < high; got low = {low}, high = {high}."), nameof(low));
        }

        return new Domain(name, Gen.Double[low, high], x => x >= low && x <= high);
    }
}
