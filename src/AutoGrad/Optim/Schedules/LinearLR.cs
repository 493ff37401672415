namespace AutoGrad;

/// <summary>
/// Scales the base learning rate by a factor that changes linearly from startFactor to endFactor over totalIters
/// steps, then stays (PyTorch's <c>LinearLR</c>): a linear warm-up with the defaults, or a linear decay.
/// </summary>
/// <remarks>
/// <para>When nothing else changes the rate it follows</para>
/// <code>
/// lr_t = base·(s + (e − s)·min(t, N) / N)
/// </code>
/// <para>with s = startFactor, e = endFactor, N = totalIters. As in PyTorch it is computed recursively:</para>
/// <code>
/// lr_0 = lr·s;   lr_t = lr_{t−1}·(1 + (e − s) / (N·s + (t − 1)·(e − s)))   for 0 &lt; t ≤ N;   lr_t = lr_{t−1} after
/// </code>
/// </remarks>
public sealed class LinearLR : LearningRateSchedule
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/> and scales the groups' rates by <paramref name="startFactor"/>.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="startFactor">The factor s at step 0, in (0, 1] (default 1/3). PyTorch 1.13 also accepts 0, then divides by zero at step 1.</param>
    /// <param name="endFactor">The factor e from step N on, in [0, 1] (default 1).</param>
    /// <param name="totalIters">The number of steps N over which the factor changes (≥ 1; default 5).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5)
        : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, $"{nameof(LinearLR)}: {nameof(startFactor)} must be in (0, 1]; got {Format(startFactor)}.");
        }

        if (!(endFactor >= 0 && endFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, $"{nameof(LinearLR)}: {nameof(endFactor)} must be in [0, 1]; got {Format(endFactor)}.");
        }

        RequireAtLeast(totalIters, 1, nameof(totalIters), nameof(LinearLR));
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        Initialize();
    }

    /// <summary>The factor s at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor e from step <see cref="TotalIters"/> on.</summary>
    public double EndFactor { get; }

    /// <summary>The number of steps N over which the factor changes.</summary>
    public int TotalIters { get; }

    private protected override double ChainedRate(int group, double current)
    {
        var t = LastEpoch;
        if (t == 0)
        {
            return current * StartFactor;
        }

        if (t > TotalIters)
        {
            return current;
        }

        return current * (1.0 + ((EndFactor - StartFactor) / ((TotalIters * StartFactor) + ((t - 1) * (EndFactor - StartFactor)))));
    }

    private protected override double ClosedFormRate(int group, double current) =>
        BaseLearningRates[group] * (StartFactor + ((EndFactor - StartFactor) * Math.Min(TotalIters, LastEpoch) / TotalIters));
}
