using System.Text.Json.Nodes;

namespace AutoGrad;

/// <summary>Anneals the learning rate from its base value to η_min along a half cosine over T_max steps (PyTorch's <c>CosineAnnealingLR</c>).</summary>
/// <remarks>
/// <para>When nothing else changes the rate it follows</para>
/// <code>
/// lr_t = η_min + (base − η_min)·(1 + cos(π·t / T_max)) / 2
/// </code>
/// <para>
/// and, past T_max, climbs back up and down again with period 2·T_max (no restart: see
/// <see cref="CosineAnnealingWarmRestarts"/>). As in PyTorch the rate is computed recursively from the current rate:
/// </para>
/// <code>
/// lr_t = lr_{t−1} + (base − η_min)·(1 − cos(π / T_max)) / 2                          if (t − 1 − T_max) mod 2T_max = 0
/// lr_t = (1 + cos(π·t / T_max)) / (1 + cos(π·(t − 1) / T_max))·(lr_{t−1} − η_min) + η_min   otherwise (t &gt; 0)
/// </code>
/// </remarks>
public sealed class CosineAnnealingLR : LearningRateSchedule
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="tMax">The number of steps from the base rate down to η_min (≥ 1).</param>
    /// <param name="etaMin">The minimum rate η_min (finite, ≥ 0; default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        RequireAtLeast(tMax, 1, nameof(tMax), nameof(CosineAnnealingLR));
        RequireNonNegative(etaMin, nameof(etaMin), nameof(CosineAnnealingLR));
        TMax = tMax;
        EtaMin = etaMin;
        Initialize();
    }

    /// <summary>The half period T_max, in steps.</summary>
    public int TMax { get; }

    /// <summary>The minimum rate η_min.</summary>
    public double EtaMin { get; }

    private protected override double ChainedRate(int group, double current)
    {
        var t = LastEpoch;
        if (t == 0)
        {
            return current;
        }

        // (t − 1 − T_max) mod 2T_max = 0 is the step just after a minimum, where the recursive ratio would be 0/0.
        if ((t - 1L - TMax) % (2L * TMax) == 0)
        {
            return current + ((BaseLearningRates[group] - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2);
        }

        return ((1 + Math.Cos(Math.PI * t / TMax)) / (1 + Math.Cos(Math.PI * (t - 1) / TMax)) * (current - EtaMin)) + EtaMin;
    }

    private protected override double ClosedFormRate(int group, double current) =>
        EtaMin + ((BaseLearningRates[group] - EtaMin) * (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / 2);
}

/// <summary>
/// Cosine annealing with warm restarts (SGDR; PyTorch's <c>CosineAnnealingWarmRestarts</c>): the rate falls from its
/// base value towards η_min along a half cosine over T_i steps, then jumps back to the base value; each period is
/// T_mult times the previous one.
/// </summary>
/// <remarks>
/// <code>
/// lr_t = η_min + (base − η_min)·(1 + cos(π·T_cur / T_i)) / 2
/// T_cur ← T_cur + 1 each step;  when T_cur ≥ T_i:  T_cur ← T_cur − T_i,  T_i ← T_i·T_mult   (T_0 at the start)
/// </code>
/// </remarks>
public sealed class CosineAnnealingWarmRestarts : LearningRateSchedule
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer, with all its groups added.</param>
    /// <param name="t0">The length T_0 of the first period, in steps (≥ 1).</param>
    /// <param name="tMult">The factor T_mult by which each period is longer than the previous one (≥ 1; default 1).</param>
    /// <param name="etaMin">The minimum rate η_min (finite, ≥ 0; default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0)
        : base(optimizer)
    {
        RequireAtLeast(t0, 1, nameof(t0), nameof(CosineAnnealingWarmRestarts));
        RequireAtLeast(tMult, 1, nameof(tMult), nameof(CosineAnnealingWarmRestarts));
        RequireNonNegative(etaMin, nameof(etaMin), nameof(CosineAnnealingWarmRestarts));
        T0 = t0;
        TMult = tMult;
        EtaMin = etaMin;
        TI = t0;
        Initialize();
    }

    /// <summary>The length T_0 of the first period.</summary>
    public int T0 { get; }

    /// <summary>The growth factor T_mult of the periods.</summary>
    public int TMult { get; }

    /// <summary>The minimum rate η_min.</summary>
    public double EtaMin { get; }

    /// <summary>The steps since the last restart, T_cur.</summary>
    public long TCur { get; private set; }

    /// <summary>The length T_i of the current period.</summary>
    public long TI { get; private set; }

    /// <inheritdoc/>
    public override void Step()
    {
        EnsureGroupsUnchanged();
        if (LastEpoch < 0)
        {
            Restart();
            return;
        }

        LastEpoch++;
        TCur++;
        if (TCur >= TI)
        {
            TCur -= TI;
            TI *= TMult;
        }

        ApplyChained();
    }

    internal override void Restart()
    {
        EnsureGroupsUnchanged();
        LastEpoch = 0;
        TI = T0;
        TCur = 0;
        ApplyChained();
    }

    private protected override double ChainedRate(int group, double current) =>
        EtaMin + ((BaseLearningRates[group] - EtaMin) * (1 + Math.Cos(Math.PI * TCur / TI)) / 2);

    private protected override void SaveExtra(JsonObject extra)
    {
        extra["tCur"] = TCur;
        extra["tI"] = TI;
    }

    private protected override Action LoadExtra(JsonObject extra)
    {
        var tCur = (long)extra["tCur"]!;
        var tI = (long)extra["tI"]!;
        return () =>
        {
            TCur = tCur;
            TI = tI;
        };
    }
}
