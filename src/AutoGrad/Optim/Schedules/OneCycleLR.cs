namespace AutoGrad;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Along a half cosine: <c>end + (start − end)/2·(1 + cos(π·pct))</c> (PyTorch's <c>'cos'</c>).</summary>
    Cosine,

    /// <summary>In a straight line: <c>start + (end − start)·pct</c> (PyTorch's <c>'linear'</c>).</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (PyTorch's <c>OneCycleLR</c>; Smith &amp; Topin, "Super-Convergence"): the rate climbs from
/// maxLearningRate/divFactor to maxLearningRate, then anneals far below the start, while the momentum moves the
/// opposite way between maxMomentum and baseMomentum. Step it after every batch.
/// </summary>
/// <remarks>
/// <para>
/// With N total steps, initial = max/divFactor and min = initial/finalDivFactor, the phases end at these steps (each
/// starts where the previous ended, the first at 0):
/// </para>
/// <code>
/// two phases (default):  [pctStart·N − 1: initial → max, maxMomentum → baseMomentum]
///                        [N − 1:           max → min,     baseMomentum → maxMomentum]
/// threePhase:            [pctStart·N − 1: initial → max, maxMomentum → baseMomentum]
///                        [2·pctStart·N − 2: max → initial, baseMomentum → maxMomentum]
///                        [N − 1:           initial → min, maxMomentum]
/// </code>
/// <para>
/// At step t within a phase from step a to step b, pct = (t − a)/(b − a), and the rate (and momentum) is the anneal of
/// the phase's start and end values at pct (<see cref="AnnealStrategy"/>). The schedule may be stepped N times (the
/// last step extrapolates slightly past the last phase, as in PyTorch); one more step throws. Constructing it
/// overwrites each group's <see cref="ParameterGroup.InitialLearningRate"/> with the initial rate and, when cycling
/// momentum, sets the group's momentum (β₁ for the Adam family) to maxMomentum.
/// </para>
/// </remarks>
public sealed class OneCycleLR : LearningRateSchedule
{
    private readonly (double EndStep, int StartLr, int EndLr, int StartMomentum, int EndMomentum)[] _phases;

    // Per group: [initial, max, min] rates and [max, base] momenta, indexed by the phase table above.
    private readonly double[][] _rates;
    private readonly double[][] _momenta;

    /// <summary>Attaches the schedule to <paramref name="optimizer"/> and sets every group's rate (and momentum) for step 0.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="maxLearningRate">The peak rate, for all groups or per group (finite, &gt; 0).</param>
    /// <param name="totalSteps">The number of steps in the cycle (≥ 1); when null, epochs × stepsPerEpoch.</param>
    /// <param name="epochs">With <paramref name="stepsPerEpoch"/>, gives the total when <paramref name="totalSteps"/> is null (≥ 1).</param>
    /// <param name="stepsPerEpoch">Steps (batches) per epoch (≥ 1).</param>
    /// <param name="pctStart">The fraction of the cycle spent raising the rate, in [0, 1] (default 0.3).</param>
    /// <param name="annealStrategy">Cosine (default) or linear annealing.</param>
    /// <param name="cycleMomentum">Cycle the momentum inversely to the rate (default true); the optimizer's options must implement <see cref="IMomentumOptions"/>.</param>
    /// <param name="baseMomentum">The momentum at the peak rate, for all groups or per group (finite, ≥ 0; default 0.85).</param>
    /// <param name="maxMomentum">The momentum at the start and end, for all groups or per group (finite, ≥ 0; default 0.95).</param>
    /// <param name="divFactor">initial rate = max/divFactor (finite, &gt; 0; default 25).</param>
    /// <param name="finalDivFactor">minimum rate = initial/finalDivFactor (finite, &gt; 0; default 1e4).</param>
    /// <param name="threePhase">Use three phases: up, back down to the initial rate symmetrically, then down to the minimum (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="ArgumentException">Neither totalSteps nor epochs and stepsPerEpoch are given; a per-group list has the wrong length; or momentum is cycled but the optimizer has none.</exception>
    /// <exception cref="InvalidOperationException">The first phase has zero length (pctStart·totalSteps = 1), so the step-0 rate is 0/0 (PyTorch raises ZeroDivisionError).</exception>
    public OneCycleLR(
        Optimizer optimizer,
        PerGroup maxLearningRate,
        int? totalSteps = null,
        int? epochs = null,
        int? stepsPerEpoch = null,
        double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cosine,
        bool cycleMomentum = true,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null,
        double divFactor = 25,
        double finalDivFactor = 1e4,
        bool threePhase = false)
        : base(optimizer)
    {
        const string name = nameof(OneCycleLR);
        if (totalSteps is { } total)
        {
            RequireAtLeast(total, 1, nameof(totalSteps), name);
            TotalSteps = total;
        }
        else if (epochs is { } e && stepsPerEpoch is { } s)
        {
            RequireAtLeast(e, 1, nameof(epochs), name);
            RequireAtLeast(s, 1, nameof(stepsPerEpoch), name);
            TotalSteps = checked(e * s);
        }
        else
        {
            throw new ArgumentException($"{name}: give {nameof(totalSteps)}, or both {nameof(epochs)} and {nameof(stepsPerEpoch)} (got {nameof(epochs)} = {epochs?.ToString() ?? "null"}, {nameof(stepsPerEpoch)} = {stepsPerEpoch?.ToString() ?? "null"}).", epochs is null ? nameof(epochs) : nameof(stepsPerEpoch));
        }

        if (!(pctStart >= 0 && pctStart <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, $"{name}: {nameof(pctStart)} must be in [0, 1]; got {Format(pctStart)}.");
        }

        if (annealStrategy is not (AnnealStrategy.Cosine or AnnealStrategy.Linear))
        {
            throw new ArgumentOutOfRangeException(nameof(annealStrategy), annealStrategy, $"{name}: {nameof(annealStrategy)} must be Cosine or Linear; got {annealStrategy}.");
        }

        RequirePositive(divFactor, nameof(divFactor), name);
        RequirePositive(finalDivFactor, nameof(finalDivFactor), name);
        var groups = optimizer.ParameterGroups;
        var maxRates = maxLearningRate.Resolve(groups.Count, nameof(maxLearningRate), name, RequirePositive);
        var maxMomenta = (maxMomentum ?? 0.95).Resolve(groups.Count, nameof(maxMomentum), name, RequireNonNegative);
        var baseMomenta = (baseMomentum ?? 0.85).Resolve(groups.Count, nameof(baseMomentum), name, RequireNonNegative);
        if (cycleMomentum)
        {
            foreach (var group in groups)
            {
                if (group.Options is not IMomentumOptions)
                {
                    throw new ArgumentException($"{name}: cycleMomentum needs an optimizer with a momentum coefficient ({nameof(IMomentumOptions)}: SGD's momentum, β₁ of the Adam family); {optimizer.Name}'s {group.Options.GetType().Name} has none. Pass cycleMomentum: false.", nameof(cycleMomentum));
                }
            }
        }

        PctStart = pctStart;
        AnnealStrategy = annealStrategy;
        CycleMomentum = cycleMomentum;
        ThreePhase = threePhase;
        const int Initial = 0, Max = 1, Min = 2, MaxMomentum = 0, BaseMomentum = 1;
        _phases = threePhase
            ?
            [
                ((pctStart * TotalSteps) - 1, Initial, Max, MaxMomentum, BaseMomentum),
                ((2 * pctStart * TotalSteps) - 2, Max, Initial, BaseMomentum, MaxMomentum),
                (TotalSteps - 1, Initial, Min, MaxMomentum, MaxMomentum),
            ]
            :
            [
                ((pctStart * TotalSteps) - 1, Initial, Max, MaxMomentum, BaseMomentum),
                (TotalSteps - 1, Max, Min, BaseMomentum, MaxMomentum),
            ];

        Locate(0);   // a zero-length first phase fails here, before any group is changed
        _rates = new double[groups.Count][];
        _momenta = new double[groups.Count][];
        for (var g = 0; g < groups.Count; g++)
        {
            var initial = maxRates[g] / divFactor;
            _rates[g] = [initial, maxRates[g], initial / finalDivFactor];
            _momenta[g] = [maxMomenta[g], baseMomenta[g]];
            groups[g].InitialLearningRate = initial;
            SetBaseRate(g, initial);
            if (cycleMomentum)
            {
                ((IMomentumOptions)groups[g].Options).Momentum = maxMomenta[g];
            }
        }

        Initialize();
    }

    /// <summary>The number of steps in the cycle.</summary>
    public int TotalSteps { get; }

    /// <summary>The fraction of the cycle spent raising the rate.</summary>
    public double PctStart { get; }

    /// <summary>How the rate (and momentum) moves within a phase.</summary>
    public AnnealStrategy AnnealStrategy { get; }

    /// <summary>Whether the momentum is cycled.</summary>
    public bool CycleMomentum { get; }

    /// <summary>Whether the cycle has three phases.</summary>
    public bool ThreePhase { get; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The schedule has already been stepped <see cref="TotalSteps"/> times.</exception>
    public override void Step()
    {
        if (LastEpoch + 1 > TotalSteps)
        {
            throw new InvalidOperationException($"{nameof(OneCycleLR)}: Step() called {LastEpoch + 1} times, but the cycle has {nameof(TotalSteps)} = {TotalSteps}. Create the schedule with more steps (totalSteps, or epochs × stepsPerEpoch).");
        }

        base.Step();
    }

    private protected override double ChainedRate(int group, double current)
    {
        var (phase, pct) = Locate(LastEpoch);
        if (CycleMomentum)
        {
            var m = _momenta[group];
            ((IMomentumOptions)Optimizer.ParameterGroups[group].Options).Momentum = Anneal(m[phase.StartMomentum], m[phase.EndMomentum], pct);
        }

        var r = _rates[group];
        return Anneal(r[phase.StartLr], r[phase.EndLr], pct);
    }

    /// <summary>The phase that <paramref name="step"/> falls in and how far through it the step is.</summary>
    private ((double EndStep, int StartLr, int EndLr, int StartMomentum, int EndMomentum) Phase, double Pct) Locate(int step)
    {
        double start = 0;
        for (var i = 0; i < _phases.Length; i++)
        {
            var phase = _phases[i];
            if (step <= phase.EndStep || i == _phases.Length - 1)
            {
                if (phase.EndStep - start == 0)
                {
                    throw new InvalidOperationException($"{nameof(OneCycleLR)}: phase {i + 1} of the cycle has zero length (it ends at step {Format(phase.EndStep)}), so the rate at step {step} is undefined (PyTorch divides by zero); change pctStart or totalSteps.");
                }

                return (phase, (step - start) / (phase.EndStep - start));
            }

            start = phase.EndStep;
        }

        throw new InvalidOperationException("unreachable: the last phase always applies.");
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == AnnealStrategy.Cosine
        ? end + ((start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1))
        : ((end - start) * pct) + start;
}
