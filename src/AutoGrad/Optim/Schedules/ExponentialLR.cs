namespace AutoGrad;

/// <summary>Multiplies the learning rate by γ every step (PyTorch's <c>ExponentialLR</c>).</summary>
/// <remarks>
/// <code>
/// lr_t = lr_{t−1}·γ   (t &gt; 0)
/// </code>
/// which, when nothing else changes the rate, is the closed form <c>lr_t = base·γ^t</c>. γ &gt; 1 grows the rate (a
/// learning-rate range test).
/// </remarks>
public sealed class ExponentialLR : LearningRateSchedule
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="gamma">The multiplicative factor γ per step (finite, &gt; 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">γ is out of range.</exception>
    public ExponentialLR(Optimizer optimizer, double gamma)
        : base(optimizer)
    {
        RequirePositive(gamma, nameof(gamma), nameof(ExponentialLR));
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The multiplicative factor γ.</summary>
    public double Gamma { get; }

    private protected override double ChainedRate(int group, double current) => LastEpoch == 0 ? current : current * Gamma;

    private protected override double ClosedFormRate(int group, double current) => BaseLearningRates[group] * Math.Pow(Gamma, LastEpoch);
}
