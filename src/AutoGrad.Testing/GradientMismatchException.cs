namespace AutoGrad.Testing;

/// <summary>
/// Thrown by <see cref="GradientAssert.MatchesFiniteDifferences"/> when a generated input fails the gradient check.
/// The message shows the shrunk input (shapes and values), the <see cref="GradCheckReport"/> and the CsCheck seed.
/// </summary>
public sealed class GradientMismatchException : Exception
{
    internal GradientMismatchException(string message, string inputs, GradCheckReport report, string? seed, Exception innerException)
        : base(message, innerException)
    {
        Inputs = inputs;
        Report = report;
        Seed = seed;
    }

    /// <summary>The smallest failing input CsCheck found, one line per argument with its shape and values.</summary>
    public string Inputs { get; }

    /// <summary>The GradCheck report for that input.</summary>
    public GradCheckReport Report { get; }

    /// <summary>The CsCheck seed that reproduces the failure (pass it as the <c>seed</c> argument), or <c>null</c> if CsCheck did not report one.</summary>
    public string? Seed { get; }
}
