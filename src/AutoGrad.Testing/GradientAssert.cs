using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace AutoGrad.Testing;

/// <summary>Property-based gradient assertions for your own functions and losses.</summary>
public static partial class GradientAssert
{
    /// <summary>
    /// Asserts, for inputs drawn from <paramref name="inputs"/>, that <see cref="GradCheck"/> passes on
    /// <paramref name="function"/>: its AutoGrad gradients match central finite differences.
    /// </summary>
    /// <param name="inputs">The generator of argument lists (see <see cref="Generators"/>).</param>
    /// <param name="function">The function under test; it may return a variable of any shape.</param>
    /// <param name="options">The GradCheck options; the defaults when <c>null</c>.</param>
    /// <param name="iterations">How many generated inputs to try (CsCheck's <c>iter</c>); keep it modest, Full mode costs a forward pass per input element.</param>
    /// <param name="seed">A CsCheck seed from an earlier failure, to reproduce it; when <c>null</c> CsCheck uses the <c>CsCheck_Seed</c> environment variable or a random seed.</param>
    /// <exception cref="GradientMismatchException">
    /// Some input fails the check. CsCheck has shrunk it to the smallest failing input it could find; the message shows
    /// that input (shapes and values), the GradCheck report, and the seed that reproduces it.
    /// </exception>
    /// <exception cref="ArgumentException">A required argument is null or <paramref name="iterations"/> is less than 1.</exception>
    /// <remarks>
    /// Inputs are checked on one thread, in CsCheck's deterministic order for a given seed, so a function that captures
    /// state needs no locking. Exceptions other than a gradient mismatch (the function throws, returns null, …) are
    /// shrunk too and surface as CsCheck's own exception.
    /// </remarks>
    public static void MatchesFiniteDifferences(
        Gen<Variable<double>[]> inputs,
        Func<Variable<double>[], Variable<double>> function,
        GradCheckOptions? options = null,
        long iterations = 100,
        string? seed = null)
    {
        if (inputs is null)
        {
            throw new ArgumentException("GradientAssert: the input generator is null; build one with Generators, e.g. Generators.Parameter(Domain.Any).Select(p => new[] { p }).", nameof(inputs));
        }

        if (function is null)
        {
            throw new ArgumentException("GradientAssert: the function is null.", nameof(function));
        }

        if (iterations < 1)
        {
            throw new ArgumentException($"GradientAssert: need at least one iteration; got {iterations}.", nameof(iterations));
        }

        var settings = options ?? new GradCheckOptions();
        try
        {
            inputs.Sample(
                xs =>
                {
                    var report = GradCheck.Run(function, xs, settings);
                    if (!report.Passed)
                    {
                        throw new FailedCase(FormatInputs(xs), report);
                    }
                },
                seed: seed,
                iter: iterations,
                threads: 1,
                print: FormatInputs);
        }
        catch (CsCheckException e) when (e.InnerException is FailedCase failure)
        {
            throw new GradientMismatchException(Describe(e.Message, failure), failure.Inputs, failure.Report, ExtractSeed(e.Message), e);
        }
    }

    private static string Describe(string csCheckMessage, FailedCase failure)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Gradient mismatch: AutoGrad's gradients disagree with central finite differences.");
        sb.AppendLine("Smallest failing input found by CsCheck:");
        sb.AppendLine(failure.Inputs);
        sb.AppendLine(failure.Report.ToString());
        var seed = ExtractSeed(csCheckMessage);
        if (seed is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Reproduce with seed: \"{seed}\" (the seed argument of MatchesFiniteDifferences, or the environment variable CsCheck_Seed={seed}).");
        }
        else
        {
            sb.Append("CsCheck: ").Append(csCheckMessage);
        }

        return sb.ToString();
    }

    private static string? ExtractSeed(string csCheckMessage)
    {
        var match = SeedPattern().Match(csCheckMessage);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>One line per input: its position, shape and every value (round-trip formatted, row-major).</summary>
    private static string FormatInputs(Variable<double>[] xs)
    {
        if (xs is null)
        {
            return "(null)";
        }

        var sb = new StringBuilder();
        for (var i = 0; i < xs.Length; i++)
        {
            if (i > 0)
            {
                sb.AppendLine();
            }

            sb.Append(CultureInfo.InvariantCulture, $"  input {i}: shape {xs[i]?.Shape.ToString() ?? "(null)"}, values [");
            if (xs[i] is { } x)
            {
                var values = x.Values;
                for (var j = 0; j < values.Length; j++)
                {
                    if (j > 0)
                    {
                        sb.Append(", ");
                    }

                    sb.Append(values[j].ToString("R", CultureInfo.InvariantCulture));
                }
            }

            sb.Append(']');
        }

        return sb.ToString();
    }

    [GeneratedRegex("Set seed: \"([^\"]+)\"")]
    private static partial Regex SeedPattern();

    /// <summary>Carries a failing case out of CsCheck's sampling loop so that the shrunk input's report survives.</summary>
    private sealed class FailedCase(string inputs, GradCheckReport report) : Exception(report.ToString())
    {
        public string Inputs { get; } = inputs;

        public GradCheckReport Report { get; } = report;
    }
}
