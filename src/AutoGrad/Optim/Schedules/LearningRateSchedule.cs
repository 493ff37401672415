using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoGrad;

/// <summary>
/// Changes the learning rate of every parameter group of an <see cref="Optimizer"/> as training proceeds, the way
/// PyTorch's <c>torch.optim.lr_scheduler</c> does, so a recipe ported from PyTorch produces the same rates.
/// </summary>
/// <remarks>
/// <para>
/// A schedule is attached to its optimizer when it is constructed, and construction already applies the rate of step
/// 0 (as PyTorch's <c>_initial_step</c> does): after <c>new CosineAnnealingLR(optimizer, tMax: 100)</c> the groups hold
/// the rates of the first step. Call <see cref="Step()"/> once after every <see cref="Optimizer.Step"/>:
/// <code>
/// var sgd = new SGD(parameters, learningRate: 0.1, momentum: 0.9);
/// var schedule = new StepLR(sgd, stepSize: 30);
/// for (var epoch = 0; epoch &lt; 100; epoch++)
/// {
///     sgd.ZeroGrad();
///     Loss().Backward();
///     sgd.Step();
///     schedule.Step();
/// }
/// </code>
/// </para>
/// <para>
/// The base rate of a group (PyTorch's <c>initial_lr</c>) is its <see cref="ParameterGroup.InitialLearningRate"/>,
/// the learning rate the group was created with (<see cref="OneCycleLR"/> overwrites it with max/divFactor, as
/// PyTorch does). Schedules that PyTorch defines recursively ("chainable": StepLR, MultiStepLR, ExponentialLR,
/// CosineAnnealingLR, LinearLR) compute the next rate from the group's current rate, so several schedules on one
/// optimizer compose, and a rate changed by hand carries on from the new value. The arithmetic follows PyTorch
/// 1.13 operation by operation, so the rates agree to the last few bits.
/// </para>
/// <para>
/// Create the schedule after every parameter group has been added; stepping a schedule whose optimizer has gained
/// groups since throws. To resume training, construct the optimizer and the schedule as before, then load the
/// optimizer's state (<see cref="Optimizer.LoadState"/>) and the schedule's (<see cref="LoadState"/>).
/// </para>
/// </remarks>
public abstract class LearningRateSchedule
{
    private readonly double[] _baseRates;
    private readonly double[] _lastRates;
    private readonly double[] _pending;

    private protected LearningRateSchedule(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.ParameterGroups.Count == 0)
        {
            throw new ArgumentException($"{GetType().Name}: the {optimizer.Name} optimizer has no parameter groups; add them before creating the schedule.", nameof(optimizer));
        }

        Optimizer = optimizer;
        _baseRates = optimizer.ParameterGroups.Select(g => g.InitialLearningRate).ToArray();
        _lastRates = optimizer.ParameterGroups.Select(g => g.LearningRate).ToArray();
        _pending = new double[_baseRates.Length];
        LastEpoch = -1;
    }

    /// <summary>The optimizer whose learning rates this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>
    /// The index of the step whose learning rates are current (PyTorch's <c>last_epoch</c>): 0 once constructed, then
    /// one more after every <see cref="Step()"/>; −1 only inside a <see cref="SequentialLR"/> before the schedule's turn.
    /// </summary>
    public int LastEpoch { get; internal set; }

    /// <summary>The base learning rate of every group (PyTorch's <c>base_lrs</c>), taken from the groups at construction.</summary>
    public IReadOnlyList<double> BaseLearningRates => _baseRates;

    /// <summary>
    /// The learning rate of every group as this schedule last set it (PyTorch's <c>get_last_lr()</c>), readable at any
    /// time; <see cref="Optimizer.LearningRates"/> has the groups' live values.
    /// </summary>
    public IReadOnlyList<double> LearningRates => _lastRates;

    /// <summary>Whether <see cref="Step(double)"/> needs a meaningful metric (<see cref="ReduceLROnPlateau"/>); the others ignore it.</summary>
    public virtual bool UsesMetric => false;

    private protected int GroupCount => _baseRates.Length;

    /// <summary>Advances the schedule by one step and sets every group's learning rate for the next optimizer step.</summary>
    /// <exception cref="InvalidOperationException">Groups were added to the optimizer after the schedule was created, or the schedule has run out (<see cref="OneCycleLR"/>), or it needs a metric (<see cref="ReduceLROnPlateau"/>).</exception>
    public virtual void Step()
    {
        EnsureGroupsUnchanged();
        LastEpoch++;
        ApplyChained();
    }

    /// <summary>
    /// Advances the schedule by one step given the quantity being monitored (for example the loss). Schedules that do
    /// not use a metric ignore it, so a training loop can pass its loss to any schedule.
    /// </summary>
    /// <param name="metric">The monitored quantity.</param>
    /// <exception cref="InvalidOperationException">Groups were added to the optimizer after the schedule was created, or the schedule has run out.</exception>
    public virtual void Step(double metric) => Step();

    /// <summary>Writes the schedule's progress (step index, rates, counters) as JSON; hyperparameters come from the constructor.</summary>
    /// <param name="stream">The destination.</param>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        StateNode().WriteTo(writer);
    }

    /// <summary>
    /// Restores progress written by <see cref="SaveState"/> into this schedule, which must be of the same type over an
    /// optimizer with as many groups. The groups' learning rates are part of the optimizer's state, not the schedule's.
    /// </summary>
    /// <param name="stream">The source.</param>
    /// <exception cref="InvalidDataException">The data is malformed or belongs to another kind of schedule; nothing is changed.</exception>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonNode root;
        try
        {
            root = JsonNode.Parse(stream) ?? throw new InvalidDataException($"{GetType().Name}: the schedule state is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{GetType().Name}: the schedule state is not valid JSON: {e.Message}", e);
        }

        Action apply;
        try
        {
            apply = ParseState(root);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{GetType().Name}: the schedule state is malformed: {e.Message}", e);
        }

        apply();
    }

    /// <summary>The rate of <paramref name="group"/> at <see cref="LastEpoch"/> from its <paramref name="current"/> rate (PyTorch's <c>get_lr</c>).</summary>
    private protected abstract double ChainedRate(int group, double current);

    /// <summary>The rate at <see cref="LastEpoch"/> from the base rate (PyTorch's <c>_get_closed_form_lr</c>); by default the chained rate.</summary>
    private protected virtual double ClosedFormRate(int group, double current) => ChainedRate(group, current);

    /// <summary>Applies the rates of step 0: PyTorch's <c>_initial_step</c>, called at the end of every constructor.</summary>
    private protected void Initialize() => Step();

    /// <summary>PyTorch's <c>step(0)</c>: restarts at step 0 with the closed form (how <see cref="SequentialLR"/> enters a schedule).</summary>
    internal virtual void Restart()
    {
        EnsureGroupsUnchanged();
        LastEpoch = 0;
        var groups = Optimizer.ParameterGroups;
        for (var g = 0; g < _baseRates.Length; g++)
        {
            SetRate(g, ClosedFormRate(g, groups[g].LearningRate));
        }
    }

    /// <summary>Computes every group's rate before setting any (PyTorch computes the list, then assigns it).</summary>
    private protected void ApplyChained()
    {
        var groups = Optimizer.ParameterGroups;
        var rates = _pending;
        for (var g = 0; g < _baseRates.Length; g++)
        {
            rates[g] = ChainedRate(g, groups[g].LearningRate);
        }

        for (var g = 0; g < _baseRates.Length; g++)
        {
            SetRate(g, rates[g]);
        }
    }

    private protected void SetRate(int group, double rate)
    {
        Optimizer.ParameterGroups[group].LearningRate = rate;
        _lastRates[group] = rate;
    }

    private protected void SetBaseRate(int group, double rate) => _baseRates[group] = rate;

    private protected void RecordRates()
    {
        for (var g = 0; g < _lastRates.Length; g++)
        {
            _lastRates[g] = Optimizer.ParameterGroups[g].LearningRate;
        }
    }

    private protected void EnsureGroupsUnchanged()
    {
        if (Optimizer.ParameterGroups.Count != _baseRates.Length)
        {
            throw new InvalidOperationException($"{GetType().Name}: the optimizer had {_baseRates.Length} parameter groups when the schedule was created and has {Optimizer.ParameterGroups.Count} now; create the schedule after adding every group.");
        }
    }

    /// <summary>Schedule-specific counters for <see cref="SaveState"/>.</summary>
    private protected virtual void SaveExtra(JsonObject extra)
    {
    }

    /// <summary>Reads what <see cref="SaveExtra"/> wrote; returns the action that applies it (nothing is changed before).</summary>
    private protected virtual Action LoadExtra(JsonObject extra) => () => { };

    internal JsonObject StateNode()
    {
        var extra = new JsonObject();
        SaveExtra(extra);
        return new JsonObject
        {
            ["schedule"] = GetType().Name,
            ["lastEpoch"] = LastEpoch,
            ["baseLearningRateBits"] = Bits(_baseRates),
            ["lastLearningRateBits"] = Bits(_lastRates),
            ["extra"] = extra,
        };
    }

    internal Action ParseState(JsonNode root)
    {
        var type = (string?)root["schedule"];
        if (type != GetType().Name)
        {
            throw new InvalidDataException($"{GetType().Name}: the state was saved by a {type ?? "(missing)"} schedule.");
        }

        var lastEpoch = (int)root["lastEpoch"]!;
        var baseRates = FromBits(root["baseLearningRateBits"]!.AsArray(), "baseLearningRateBits");
        var lastRates = FromBits(root["lastLearningRateBits"]!.AsArray(), "lastLearningRateBits");
        var extra = LoadExtra(root["extra"]!.AsObject());
        return () =>
        {
            LastEpoch = lastEpoch;
            baseRates.CopyTo(_baseRates, 0);
            lastRates.CopyTo(_lastRates, 0);
            extra();
        };
    }

    private protected static JsonArray Bits(IEnumerable<double> values) => new(values.Select(v => (JsonNode)BitConverter.DoubleToInt64Bits(v)).ToArray());

    private protected double[] FromBits(JsonArray array, string what)
    {
        if (array.Count != _baseRates.Length)
        {
            throw new InvalidDataException($"{GetType().Name}: '{what}' holds {array.Count} values; the optimizer has {_baseRates.Length} groups.");
        }

        return array.Select(v => BitConverter.Int64BitsToDouble((long)v!)).ToArray();
    }

    private protected static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private protected static void RequireFinite(double value, string name, string schedule)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{schedule}: {name} must be a finite number; got {Format(value)}.");
        }
    }

    private protected static void RequireNonNegative(double value, string name, string schedule)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{schedule}: {name} must be a finite number ≥ 0; got {Format(value)}.");
        }
    }

    private protected static void RequirePositive(double value, string name, string schedule)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{schedule}: {name} must be a finite number > 0; got {Format(value)}.");
        }
    }

    private protected static void RequireAtLeast(int value, int minimum, string name, string schedule)
    {
        if (value < minimum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{schedule}: {name} must be an integer ≥ {minimum}; got {value}.");
        }
    }
}
