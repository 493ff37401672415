using System.Globalization;
using System.Numerics;

namespace AutoGrad;

/// <summary>The outcome of a <see cref="Minimize"/> run: the point reached, its loss, and why the run stopped.</summary>
/// <typeparam name="T">The element type of the parameters: <see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class MinimizationResult<T>
    where T : IFloatingPointIeee754<T>
{
    internal MinimizationResult(
        T[] minimizer,
        double value,
        int iterations,
        int epochs,
        int evaluations,
        StopReason stopReason,
        string stopDetail,
        IReadOnlyList<IterationInfo> history,
        IReadOnlyList<EpochInfo> epochHistory,
        TimeSpan elapsed,
        Optimizer optimizer)
    {
        Minimizer = minimizer;
        Value = value;
        Iterations = iterations;
        Epochs = epochs;
        Evaluations = evaluations;
        StopReason = stopReason;
        StopDetail = stopDetail;
        History = history;
        EpochHistory = epochHistory;
        Elapsed = elapsed;
        Optimizer = optimizer;
    }

    /// <summary>
    /// The point reached: the values of every parameter, concatenated in order (for <see cref="Minimize.Function(Func{Variable{double}, Variable{double}}, double[])"/>,
    /// the parameter vector). The parameters themselves hold the same values when the run ends.
    /// </summary>
    public T[] Minimizer { get; }

    /// <summary>
    /// The loss at <see cref="Minimizer"/>, evaluated once more after the last step (for a run over data: the batch loss of
    /// the whole dataset).
    /// </summary>
    public double Value { get; }

    /// <summary>The number of optimizer steps taken.</summary>
    public int Iterations { get; }

    /// <summary>The number of completed epochs of a run over data; 0 otherwise.</summary>
    public int Epochs { get; }

    /// <summary>How many times the loss and its gradient were evaluated (the sum of the history's <see cref="IterationInfo.Evaluations"/>); the final evaluation of <see cref="Value"/> is not counted.</summary>
    public int Evaluations { get; }

    /// <summary>Which rule stopped the run.</summary>
    public StopReason StopReason { get; }

    /// <summary>The same in words, with the numbers involved, e.g. "gradient norm 6.3E-09 ≤ 1E-08 at iteration 37".</summary>
    public string StopDetail { get; }

    /// <summary>Whether a convergence rule stopped the run (gradient norm, absolute or relative loss change).</summary>
    public bool Converged => StopReason is StopReason.GradientNorm or StopReason.AbsoluteLossChange or StopReason.RelativeLossChange;

    /// <summary>One row per iteration, in order (empty when history was switched off with <c>KeepHistory(false)</c>).</summary>
    public IReadOnlyList<IterationInfo> History { get; }

    /// <summary>One row per completed epoch of a run over data; empty otherwise.</summary>
    public IReadOnlyList<EpochInfo> EpochHistory { get; }

    /// <summary>Wall time of the whole run, including the final evaluation.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The optimizer that ran (useful when the default was used, or to continue with its state).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>A one-line summary: the reason, the iterations, the value and the point.</summary>
    /// <returns>For example <c>GradientNorm after 37 iterations: value 1.2E-20 at [1, 1] (gradient norm 6.3E-09 ≤ 1E-08 at iteration 37)</c>.</returns>
    public override string ToString()
    {
        var point = Minimizer.Length <= 10
            ? string.Join(", ", Minimizer.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))
            : string.Join(", ", Minimizer.Take(10).Select(v => v.ToString("G6", CultureInfo.InvariantCulture))) + ", …";
        return string.Create(CultureInfo.InvariantCulture, $"{StopReason} after {Iterations} iterations: value {Value:G6} at [{point}] ({StopDetail})");
    }
}
