using System.Globalization;
using System.Text;

namespace AutoGrad;

/// <summary>The outcome of one <see cref="GradCheck"/> run: one entry per input, and per (gradient, input) pair for second order.</summary>
public sealed class GradCheckReport
{
    internal GradCheckReport(GradCheckOptions options, Shape outputShape, IReadOnlyList<GradCheckInputReport> inputs, IReadOnlyList<GradCheckInputReport> secondOrder)
    {
        Options = options;
        OutputShape = outputShape;
        Inputs = inputs;
        SecondOrder = secondOrder;
        Passed = inputs.All(static r => r.Passed) && secondOrder.All(static r => r.Passed);
    }

    /// <summary>Whether every first-order and (when requested) second-order comparison passed.</summary>
    public bool Passed { get; }

    /// <summary>The mode the check ran in.</summary>
    public GradCheckMode Mode => Options.Mode;

    /// <summary>The options the check ran with.</summary>
    public GradCheckOptions Options { get; }

    /// <summary>The shape of the function's output at the checked point.</summary>
    public Shape OutputShape { get; }

    /// <summary>The first-order results, one per input, in input order.</summary>
    public IReadOnlyList<GradCheckInputReport> Inputs { get; }

    /// <summary>
    /// The second-order results: for every input j (<see cref="GradCheckInputReport.GradientOf"/>) and every input i
    /// (<see cref="GradCheckInputReport.Input"/>), the check of <c>∂(wᵀf)/∂x_j</c> with respect to x_i. Empty unless
    /// <see cref="GradCheckOptions.CheckSecondOrder"/> was set.
    /// </summary>
    public IReadOnlyList<GradCheckInputReport> SecondOrder { get; }

    /// <summary>Throws a <see cref="GradCheckException"/> carrying this report when the check failed; does nothing otherwise.</summary>
    /// <exception cref="GradCheckException">The check failed.</exception>
    public void ThrowIfFailed()
    {
        if (!Passed)
        {
            throw new GradCheckException(this);
        }
    }

    /// <summary>Formats the report: the verdict and settings, then one line per input (and per second-order pair).</summary>
    /// <returns>A multi-line, human-readable summary.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"GradCheck {(Passed ? "passed" : "FAILED")} ({Mode} mode; step {Options.Step:G3}, atol {Options.AbsoluteTolerance:G3}, rtol {Options.RelativeTolerance:G3}");
        if (Mode == GradCheckMode.Fast || Options.CheckSecondOrder)
        {
            sb.Append(CultureInfo.InvariantCulture, $", seed {Options.Seed}");
        }

        sb.Append(CultureInfo.InvariantCulture, $"); output shape {OutputShape}");
        foreach (var input in Inputs)
        {
            sb.AppendLine().Append("  ").Append(input.ToString());
        }

        if (Options.CheckSecondOrder)
        {
            sb.AppendLine().Append("Second order: g_j = ∂(wᵀf)/∂x_j with seeded weights w, differentiated again with respect to each input:");
            foreach (var entry in SecondOrder)
            {
                sb.AppendLine().Append("  ").Append(entry.ToString());
            }
        }

        return sb.ToString();
    }
}

/// <summary>The comparison of analytic and numeric derivatives for one input.</summary>
/// <param name="Input">The input's position in the argument list.</param>
/// <param name="Shape">The input's shape.</param>
/// <param name="MaxAbsoluteError">The largest <c>|analytic − numeric|</c> over the compared values (infinite if any is non-finite).</param>
/// <param name="MaxRelativeError">The largest <c>|analytic − numeric| / max(|analytic|, |numeric|)</c> (0 where both are 0).</param>
/// <param name="WorstIndex">
/// The row-major index into the input of the worst entry (the one that exceeds its tolerance by the largest
/// factor, or the first non-finite one); −1 in Fast mode or when the input is empty.
/// </param>
/// <param name="WorstOutputIndex">The row-major index into the output of the worst entry; −1 in Fast mode or when there is none.</param>
/// <param name="Analytic">The analytic value at the worst entry; in Fast mode the projection <c>⟨∂(uᵀf)/∂x, v⟩</c>.</param>
/// <param name="Numeric">The central-difference value at the worst entry; in Fast mode the projected difference.</param>
/// <param name="Passed">Whether every compared value of this input passed.</param>
public sealed record GradCheckInputReport(
    int Input,
    Shape Shape,
    double MaxAbsoluteError,
    double MaxRelativeError,
    int WorstIndex,
    int WorstOutputIndex,
    double Analytic,
    double Numeric,
    bool Passed)
{
    /// <summary>The shape of the checked function's output (for second order, the shape of input <see cref="GradientOf"/>).</summary>
    public Shape OutputShape { get; init; }

    /// <summary>For a second-order entry, the input j whose gradient <c>∂(wᵀf)/∂x_j</c> was checked; −1 for a first-order entry.</summary>
    public int GradientOf { get; init; } = -1;

    /// <summary>Why the input failed beyond a tolerance violation (non-finite values), or <c>null</c>.</summary>
    public string? Problem { get; init; }

    /// <summary>Formats the entry on one line: which input, the verdict, the worst entry and the largest errors.</summary>
    /// <returns>For example <c>input 1 [2, 2]: FAILED at element [0, 1] (output [1]): analytic 1.5, numeric 3; max abs error 1.5, max rel error 0.5</c>.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (GradientOf >= 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"g_{GradientOf} w.r.t. ");
        }

        sb.Append(CultureInfo.InvariantCulture, $"input {Input} {Shape}: {(Passed ? "passed" : "FAILED")}");
        if (!Passed)
        {
            if (Problem is not null)
            {
                sb.Append(" (").Append(Problem).Append(')');
            }

            if (WorstIndex >= 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $" at element {FormatIndex(Shape, WorstIndex)} (output {FormatIndex(OutputShape, WorstOutputIndex)})");
            }
            else if (Shape.ElementCount > 0 && OutputShape.ElementCount > 0)
            {
                sb.Append(" in the random projection uᵀ·J·v");
            }

            sb.Append(CultureInfo.InvariantCulture, $": analytic {Analytic:G10}, numeric {Numeric:G10}");
        }

        sb.Append(CultureInfo.InvariantCulture, $"; max abs error {MaxAbsoluteError:G3}, max rel error {MaxRelativeError:G3}");
        return sb.ToString();
    }

    private static string FormatIndex(Shape shape, int flat)
    {
        if (flat < 0)
        {
            return "n/a";
        }

        var dims = shape.ToArray();
        var index = new int[dims.Length];
        var rest = flat;
        for (var axis = dims.Length - 1; axis >= 0; axis--)
        {
            index[axis] = rest % dims[axis];
            rest /= dims[axis];
        }

        return "[" + string.Join(", ", index) + "]";
    }
}
