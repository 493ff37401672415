using System.Text.Json.Nodes;

namespace AutoGrad;

/// <summary>
/// Runs schedules one after another, switching at milestone steps (PyTorch's <c>SequentialLR</c>), for example a
/// linear warm-up followed by cosine annealing.
/// </summary>
/// <remarks>
/// <para>
/// Schedule i runs from milestone i−1 (0 for the first) until milestone i. Construction resets every group to its
/// <see cref="ParameterGroup.InitialLearningRate"/> (undoing the rates the member schedules set when they were
/// constructed) and starts the first schedule; at each milestone the next schedule restarts from its step 0 in
/// closed form (base rate·factor at step 0), as PyTorch's <c>scheduler.step(0)</c> does. Step only this schedule,
/// never its members.
/// </para>
/// <code>
/// var warmup = new LinearLR(sgd, startFactor: 0.1, totalIters: 10);
/// var cosine = new CosineAnnealingLR(sgd, tMax: 90);
/// var schedule = new SequentialLR(sgd, [warmup, cosine], milestones: [10]);
/// </code>
/// </remarks>
public sealed class SequentialLR : LearningRateSchedule
{
    private readonly LearningRateSchedule[] _schedules;
    private readonly int[] _milestones;

    /// <summary>Chains <paramref name="schedules"/>, already constructed on <paramref name="optimizer"/>, and starts the first.</summary>
    /// <param name="optimizer">The optimizer every schedule belongs to.</param>
    /// <param name="schedules">The schedules, in order (not <see cref="ReduceLROnPlateau"/> or another <see cref="SequentialLR"/>; each once).</param>
    /// <param name="milestones">The steps at which to switch to the next schedule: one fewer than the schedules, strictly increasing, each ≥ 1.</param>
    /// <exception cref="ArgumentException">A schedule belongs to another optimizer, needs a metric, is a SequentialLR, or appears twice; or the milestones do not match the schedules.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The milestones are not strictly increasing steps ≥ 1.</exception>
    public SequentialLR(Optimizer optimizer, IEnumerable<LearningRateSchedule> schedules, IEnumerable<int> milestones)
        : base(optimizer)
    {
        const string name = nameof(SequentialLR);
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(milestones);
        _schedules = schedules.ToArray();
        _milestones = milestones.ToArray();
        if (_schedules.Length == 0)
        {
            throw new ArgumentException($"{name}: give at least one schedule.", nameof(schedules));
        }

        for (var i = 0; i < _schedules.Length; i++)
        {
            var s = _schedules[i] ?? throw new ArgumentException($"{name}: schedule {i} is null.", nameof(schedules));
            if (!ReferenceEquals(s.Optimizer, optimizer))
            {
                throw new ArgumentException($"{name}: schedule {i} ({s.GetType().Name}) belongs to another optimizer; every schedule must be constructed on the optimizer passed here.", nameof(schedules));
            }

            if (s.UsesMetric || s is SequentialLR)
            {
                throw new ArgumentException($"{name}: schedule {i} is a {s.GetType().Name}, which cannot be restarted at a milestone; use StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR or OneCycleLR.", nameof(schedules));
            }

            if (Array.IndexOf(_schedules, s) != i)
            {
                throw new ArgumentException($"{name}: schedule {i} ({s.GetType().Name}) also appears at position {Array.IndexOf(_schedules, s)}; each schedule may appear once.", nameof(schedules));
            }
        }

        if (_milestones.Length != _schedules.Length - 1)
        {
            throw new ArgumentException($"{name}: {_schedules.Length} schedules need {_schedules.Length - 1} milestones; got {_milestones.Length}.", nameof(milestones));
        }

        for (var i = 0; i < _milestones.Length; i++)
        {
            if (_milestones[i] < 1 || (i > 0 && _milestones[i] <= _milestones[i - 1]))
            {
                throw new ArgumentOutOfRangeException(nameof(milestones), _milestones[i], $"{name}: {nameof(milestones)} must be strictly increasing steps ≥ 1; got [{string.Join(", ", _milestones)}].");
            }
        }

        LastEpoch = 0;
        foreach (var group in optimizer.ParameterGroups)
        {
            group.LearningRate = group.InitialLearningRate;
        }

        foreach (var s in _schedules)
        {
            s.LastEpoch--;
        }

        _schedules[0].Step();
        RecordRates();
    }

    /// <summary>The member schedules, in order.</summary>
    public IReadOnlyList<LearningRateSchedule> Schedules => _schedules;

    /// <summary>The steps at which the next schedule takes over.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>The index of the schedule in charge at <see cref="LearningRateSchedule.LastEpoch"/>.</summary>
    public int Current => _milestones.Count(m => m <= LastEpoch);

    /// <inheritdoc/>
    public override void Step()
    {
        EnsureGroupsUnchanged();
        LastEpoch++;
        var index = Current;
        if (index > 0 && _milestones[index - 1] == LastEpoch)
        {
            _schedules[index].Restart();
        }
        else
        {
            _schedules[index].Step();
        }

        RecordRates();
    }

    /// <summary>Rates are set by the member schedules.</summary>
    private protected override double ChainedRate(int group, double current) => current;

    private protected override void SaveExtra(JsonObject extra) =>
        extra["schedules"] = new JsonArray(_schedules.Select(s => (JsonNode)s.StateNode()).ToArray());

    private protected override Action LoadExtra(JsonObject extra)
    {
        var states = extra["schedules"]!.AsArray();
        if (states.Count != _schedules.Length)
        {
            throw new InvalidDataException($"{nameof(SequentialLR)}: the state holds {states.Count} schedules; this one has {_schedules.Length}.");
        }

        var apply = _schedules.Select((s, i) => s.ParseState(states[i]!)).ToArray();
        return () =>
        {
            foreach (var a in apply)
            {
                a();
            }
        };
    }
}
