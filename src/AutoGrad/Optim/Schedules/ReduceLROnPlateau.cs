using System.Text.Json.Nodes;

namespace AutoGrad;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> waits for the metric to fall or to rise.</summary>
public enum PlateauMode
{
    /// <summary>The metric should decrease (a loss).</summary>
    Min,

    /// <summary>The metric should increase (an accuracy).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> measures a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative to the best value: better than best·(1 − threshold) in min mode, best·(1 + threshold) in max mode.</summary>
    Relative,

    /// <summary>Absolute: better than best − threshold in min mode, best + threshold in max mode.</summary>
    Absolute,
}

/// <summary>
/// Reduces the learning rate when a monitored metric has stopped improving (PyTorch's <c>ReduceLROnPlateau</c>).
/// Call <see cref="Step(double)"/> with the metric (for example the validation loss) after each epoch.
/// </summary>
/// <remarks>
/// <para>At each step, with the best value so far (initially +∞ in min mode, −∞ in max mode):</para>
/// <code>
/// if metric is better than best (by the threshold):  best ← metric, bad ← 0   else  bad ← bad + 1
/// if cooldown &gt; 0:  cooldown ← cooldown − 1, bad ← 0
/// if bad &gt; patience:  for each group  new = max(lr·factor, minLr);  lr ← new if lr − new &gt; eps
///                      cooldown ← cooldown steps, bad ← 0
/// </code>
/// <para>
/// Unlike the other schedules it does not change the rates at construction, and a NaN metric counts as no
/// improvement. <see cref="Step()"/> without a metric throws.
/// </para>
/// </remarks>
public sealed class ReduceLROnPlateau : LearningRateSchedule
{
    private readonly double[] _minRates;

    /// <summary>Attaches the schedule to <paramref name="optimizer"/>; the groups' rates are left as they are.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="mode">Whether the metric should decrease (<see cref="PlateauMode.Min"/>, default) or increase.</param>
    /// <param name="factor">The factor by which to reduce the rate, in [0, 1) (default 0.1).</param>
    /// <param name="patience">The number of steps without improvement to tolerate before reducing (≥ 0; default 10).</param>
    /// <param name="threshold">The least change that counts as an improvement (finite, ≥ 0; default 1e-4).</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative (default) or absolute.</param>
    /// <param name="cooldown">The number of steps to wait after a reduction before counting bad steps again (≥ 0; default 0).</param>
    /// <param name="minLearningRate">A lower bound on the rate, for all groups or per group (finite, ≥ 0; default 0).</param>
    /// <param name="eps">Reductions smaller than this are skipped (finite, ≥ 0; default 1e-8).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="ArgumentException">A per-group list has the wrong length.</exception>
    public ReduceLROnPlateau(
        Optimizer optimizer,
        PlateauMode mode = PlateauMode.Min,
        double factor = 0.1,
        int patience = 10,
        double threshold = 1e-4,
        ThresholdMode thresholdMode = ThresholdMode.Relative,
        int cooldown = 0,
        PerGroup? minLearningRate = null,
        double eps = 1e-8)
        : base(optimizer)
    {
        const string name = nameof(ReduceLROnPlateau);
        if (mode is not (PlateauMode.Min or PlateauMode.Max))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"{name}: {nameof(mode)} must be Min or Max; got {mode}.");
        }

        if (!(factor >= 0 && factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"{name}: {nameof(factor)} must be in [0, 1); got {Format(factor)}.");
        }

        RequireAtLeast(patience, 0, nameof(patience), name);
        RequireNonNegative(threshold, nameof(threshold), name);
        if (thresholdMode is not (ThresholdMode.Relative or ThresholdMode.Absolute))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, $"{name}: {nameof(thresholdMode)} must be Relative or Absolute; got {thresholdMode}.");
        }

        RequireAtLeast(cooldown, 0, nameof(cooldown), name);
        _minRates = (minLearningRate ?? 0.0).Resolve(optimizer.ParameterGroups.Count, nameof(minLearningRate), name, RequireNonNegative);
        RequireNonNegative(eps, nameof(eps), name);
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
        LastEpoch = 0;
    }

    /// <summary>Whether the metric should decrease or increase.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The factor by which the rate is reduced.</summary>
    public double Factor { get; }

    /// <summary>The number of steps without improvement tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>The least change that counts as an improvement.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>The number of steps to wait after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The lower bound on each group's rate.</summary>
    public IReadOnlyList<double> MinLearningRates => _minRates;

    /// <summary>The smallest reduction that is applied.</summary>
    public double Eps { get; }

    /// <summary>The best metric so far (±∞ before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>The number of consecutive steps without improvement.</summary>
    public int BadSteps { get; private set; }

    /// <summary>The steps left in the current cooldown.</summary>
    public int CooldownRemaining { get; private set; }

    /// <inheritdoc/>
    public override bool UsesMetric => true;

    /// <summary>Throws: this schedule needs the metric; call <see cref="Step(double)"/>.</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public override void Step() =>
        throw new InvalidOperationException($"{nameof(ReduceLROnPlateau)}: Step() needs the monitored metric; call Step(metric), for example with the validation loss.");

    /// <summary>Records the metric of this step and reduces the rates when it has not improved for more than <see cref="Patience"/> steps.</summary>
    /// <param name="metric">The monitored quantity.</param>
    /// <exception cref="InvalidOperationException">Groups were added to the optimizer after the schedule was created.</exception>
    public override void Step(double metric)
    {
        EnsureGroupsUnchanged();
        LastEpoch++;
        if (IsBetter(metric))
        {
            Best = metric;
            BadSteps = 0;
        }
        else
        {
            BadSteps++;
        }

        if (CooldownRemaining > 0)
        {
            CooldownRemaining--;
            BadSteps = 0;
        }

        if (BadSteps > Patience)
        {
            var groups = Optimizer.ParameterGroups;
            for (var g = 0; g < groups.Count; g++)
            {
                var old = groups[g].LearningRate;
                var reduced = old * Factor;
                var updated = _minRates[g] > reduced ? _minRates[g] : reduced;
                if (old - updated > Eps)
                {
                    groups[g].LearningRate = updated;
                }
            }

            CooldownRemaining = Cooldown;
            BadSteps = 0;
        }

        RecordRates();
    }

    private bool IsBetter(double metric) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => metric < Best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => metric < Best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => metric > Best * (Threshold + 1.0),
        _ => metric > Best + Threshold,
    };

    /// <summary>Rates change only in <see cref="Step(double)"/>.</summary>
    private protected override double ChainedRate(int group, double current) => current;

    private protected override void SaveExtra(JsonObject extra)
    {
        extra["bestBits"] = BitConverter.DoubleToInt64Bits(Best);
        extra["badSteps"] = BadSteps;
        extra["cooldownRemaining"] = CooldownRemaining;
    }

    private protected override Action LoadExtra(JsonObject extra)
    {
        var best = BitConverter.Int64BitsToDouble((long)extra["bestBits"]!);
        var bad = (int)extra["badSteps"]!;
        var cooldown = (int)extra["cooldownRemaining"]!;
        return () =>
        {
            Best = best;
            BadSteps = bad;
            CooldownRemaining = cooldown;
        };
    }
}
