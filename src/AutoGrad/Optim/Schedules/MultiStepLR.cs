namespace AutoGrad;

/// <summary>Multiplies the learning rate by γ at each milestone step (PyTorch's <c>MultiStepLR</c>).</summary>
/// <remarks>
/// <code>
/// lr_t = lr_{t−1}·γ^k   where k is how many times t appears among the milestones (usually 0 or 1)
/// </code>
/// which, when nothing else changes the rate, is the closed form <c>lr_t = base·γ^(number of milestones ≤ t)</c>.
/// A milestone listed twice multiplies by γ² there, as PyTorch's <c>Counter</c> does.
/// </remarks>
public sealed class MultiStepLR : LearningRateSchedule
{
    private readonly int[] _milestones;
    private readonly Dictionary<int, int> _counts = [];

    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="milestones">The steps at which to decay, in non-decreasing order, each ≥ 0.</param>
    /// <param name="gamma">The multiplicative factor γ (finite, &gt; 0; default 0.1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A milestone or γ is out of range, or the milestones are out of order.</exception>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = milestones.ToArray();
        for (var i = 0; i < _milestones.Length; i++)
        {
            if (_milestones[i] < 0 || (i > 0 && _milestones[i] < _milestones[i - 1]))
            {
                throw new ArgumentOutOfRangeException(nameof(milestones), _milestones[i], $"{nameof(MultiStepLR)}: {nameof(milestones)} must be steps ≥ 0 in non-decreasing order; got [{string.Join(", ", _milestones)}].");
            }

            _counts[_milestones[i]] = _counts.GetValueOrDefault(_milestones[i]) + 1;
        }

        RequirePositive(gamma, nameof(gamma), nameof(MultiStepLR));
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The steps at which the rate decays.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>The multiplicative factor γ.</summary>
    public double Gamma { get; }

    private protected override double ChainedRate(int group, double current) =>
        _counts.TryGetValue(LastEpoch, out var k) ? current * Math.Pow(Gamma, k) : current;

    private protected override double ClosedFormRate(int group, double current) =>
        BaseLearningRates[group] * Math.Pow(Gamma, _milestones.Count(m => m <= LastEpoch));
}
