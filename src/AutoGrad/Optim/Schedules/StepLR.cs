namespace AutoGrad;

/// <summary>Multiplies the learning rate by γ every <see cref="StepSize"/> steps (PyTorch's <c>StepLR</c>).</summary>
/// <remarks>
/// <code>
/// lr_t = lr_{t−1}·γ   if t &gt; 0 and t mod stepSize = 0,   else lr_{t−1}
/// </code>
/// which, when nothing else changes the rate, is the closed form <c>lr_t = base·γ^⌊t / stepSize⌋</c>.
/// </remarks>
public sealed class StepLR : LearningRateSchedule
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/> (its groups keep their current rates for step 0).</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="stepSize">The period of the decay, in steps (≥ 1).</param>
    /// <param name="gamma">The multiplicative factor γ (finite, &gt; 0; default 0.1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        RequireAtLeast(stepSize, 1, nameof(stepSize), nameof(StepLR));
        RequirePositive(gamma, nameof(gamma), nameof(StepLR));
        StepSize = stepSize;
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The period of the decay, in steps.</summary>
    public int StepSize { get; }

    /// <summary>The multiplicative factor γ.</summary>
    public double Gamma { get; }

    private protected override double ChainedRate(int group, double current) =>
        LastEpoch == 0 || LastEpoch % StepSize != 0 ? current : current * Gamma;

    private protected override double ClosedFormRate(int group, double current) =>
        BaseLearningRates[group] * Math.Pow(Gamma, LastEpoch / StepSize);
}
