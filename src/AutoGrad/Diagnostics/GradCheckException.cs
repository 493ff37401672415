namespace AutoGrad;

/// <summary>
/// Thrown by <see cref="GradCheckReport.ThrowIfFailed"/> when analytic and numeric derivatives disagree; the message
/// is the report's text.
/// </summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception for a failed report.</summary>
    /// <param name="report">The failed report; its text becomes the message.</param>
    public GradCheckException(GradCheckReport report)
        : base(Describe(report))
    {
        Report = report;
    }

    /// <summary>The report of the failed check.</summary>
    public GradCheckReport Report { get; }

    private static string Describe(GradCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.ToString();
    }
}
