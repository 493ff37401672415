using System.Globalization;

namespace AutoGrad;

/// <summary>
/// The hyperparameters of one parameter group. Each optimizer derives its own record (for example
/// <see cref="SGDOptions"/>); every group holds its own copy, so a schedule can change one group's learning rate
/// without touching another's.
/// </summary>
public abstract record OptimizerOptions
{
    /// <summary>The learning rate (step size); schedules update it as training proceeds.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Checks every hyperparameter and throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid one and its valid range.</summary>
    public virtual void Validate() => RequireNonNegative(LearningRate, nameof(LearningRate));

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0.</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The hyperparameter's name, used in the message.</param>
    protected static void RequireNonNegative(double value, string name)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0; got {Format(value)}.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt; 0.</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The hyperparameter's name.</param>
    protected static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0; got {Format(value)}.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> lies in [<paramref name="low"/>, <paramref name="high"/>) (or [low, high] when <paramref name="highInclusive"/>).</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The hyperparameter's name.</param>
    /// <param name="low">The inclusive lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <param name="highInclusive">Whether <paramref name="high"/> itself is allowed.</param>
    protected static void RequireInRange(double value, string name, double low, double high, bool highInclusive = false)
    {
        var ok = value >= low && (highInclusive ? value <= high : value < high);
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{Format(low)}, {Format(high)}{(highInclusive ? "]" : ")")}; got {Format(value)}.");
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
