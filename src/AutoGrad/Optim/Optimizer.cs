using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoGrad;

/// <summary>
/// The bookkeeping every optimizer shares: parameter groups with their own hyperparameters, per-parameter state,
/// <see cref="ZeroGrad"/>, the step loop with its <see cref="StepReport"/>, and exact state save/load. An algorithm
/// supplies only its update rule, an allocation-free function over one parameter's values and gradient.
/// </summary>
/// <remarks>
/// <para>
/// Parameters are leaf variables that require gradients, of element type <see cref="double"/> or <see cref="float"/>
/// (both may be mixed in one optimizer). A parameter whose <see cref="IVariable.Grad"/> is null is skipped by a
/// step, as in PyTorch. Steps run without recording, and update the parameters' values in place.
/// </para>
/// <para>
/// Use: compute the loss, call <c>Backward()</c>, call <see cref="Step"/>, then <see cref="ZeroGrad"/> before the next
/// loss. Algorithms that re-evaluate the loss (L-BFGS) take a closure that zeroes the gradients, computes the loss,
/// calls <c>Backward()</c> and returns the loss.
/// </para>
/// </remarks>
public abstract class Optimizer
{
    private static readonly JsonSerializerOptions s_json = new() { IncludeFields = true };

    private readonly List<ParameterGroup> _groups = [];
    private readonly Dictionary<IVariable, ParameterState> _state = new(ReferenceEqualityComparer.Instance);

    // The last snapshot LearningRates handed out: immutable, shared by every report until a rate changes.
    private IReadOnlyList<double> _learningRates = Array.AsReadOnly(Array.Empty<double>());

    // Copies of a parameter's values before an update, for algorithms that do not measure their own change
    // (see UpdateAndMeasure): one buffer per element type, as long as the longest parameter, reused.
    private double[] _beforeDouble = [];
    private float[] _beforeFloat = [];

    /// <summary>Creates an optimizer with the hyperparameters new groups start from.</summary>
    /// <param name="defaults">The defaults; validated here.</param>
    protected Optimizer(OptimizerOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        defaults.Validate();
        DefaultOptions = defaults;
    }

    /// <summary>The algorithm's name, as in PyTorch (used in messages and saved state).</summary>
    public abstract string Name { get; }

    /// <summary>The hyperparameters new groups start from.</summary>
    public OptimizerOptions DefaultOptions { get; }

    /// <summary>The parameter groups, in the order they were added.</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups => _groups;

    /// <summary>Every parameter of every group.</summary>
    public IEnumerable<IVariable> Parameters => _groups.SelectMany(g => g.Parameters);

    /// <summary>The number of steps taken (skipped steps are not counted).</summary>
    public long StepCount { get; protected set; }

    /// <summary>
    /// When a gradient holds NaN or ±∞, skip the whole update and say so in the report instead of writing non-finite
    /// values into the parameters. Off by default (PyTorch applies the update).
    /// </summary>
    public bool SkipNonFiniteGradients { get; set; }

    /// <summary>The report of the last step, or null before the first.</summary>
    public StepReport? LastReport { get; protected set; }

    /// <summary>The current learning rate of every group.</summary>
    /// <remarks>
    /// A read-only snapshot: it does not change when a rate changes later, so a <see cref="StepReport"/> keeps the
    /// rates its step used. The same snapshot is returned until a group's rate changes (or a group is added), so
    /// reading it allocates nothing in steady state.
    /// </remarks>
    public IReadOnlyList<double> LearningRates
    {
        get
        {
            var rates = _learningRates;
            var same = rates.Count == _groups.Count;
            for (var g = 0; same && g < _groups.Count; g++)
            {
                // Bitwise, so that NaN matches itself and −0 does not match +0.
                same = BitConverter.DoubleToInt64Bits(rates[g]) == BitConverter.DoubleToInt64Bits(_groups[g].LearningRate);
            }

            if (!same)
            {
                var fresh = new double[_groups.Count];
                for (var g = 0; g < fresh.Length; g++)
                {
                    fresh[g] = _groups[g].LearningRate;
                }

                _learningRates = rates = Array.AsReadOnly(fresh);
            }

            return rates;
        }
    }

    /// <summary>The state of one parameter (created empty on first use).</summary>
    /// <param name="parameter">A parameter of this optimizer.</param>
    /// <returns>Its state.</returns>
    /// <exception cref="ArgumentException">The variable is not one of this optimizer's parameters.</exception>
    public ParameterState State(IVariable parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!_state.TryGetValue(parameter, out var state))
        {
            throw new ArgumentException($"{Name}: this variable (shape {parameter.Shape}) is not one of the optimizer's parameters.", nameof(parameter));
        }

        return state;
    }

    /// <summary>Adds a group of parameters with the given hyperparameters.</summary>
    /// <param name="parameters">Leaf variables that require gradients, not already in a group.</param>
    /// <param name="options">The group's hyperparameters (copied), or null for a copy of <see cref="DefaultOptions"/>.</param>
    /// <returns>The new group.</returns>
    /// <exception cref="ArgumentException">A parameter is not a leaf, does not require gradients, has an unsupported element type, or is already in a group; or the options are of another optimizer's type.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is invalid.</exception>
    public virtual ParameterGroup AddParameterGroup(IEnumerable<IVariable> parameters, OptimizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var copy = (options ?? DefaultOptions) with { };
        if (copy.GetType() != DefaultOptions.GetType())
        {
            throw new ArgumentException($"{Name}: a group's options must be {DefaultOptions.GetType().Name}; got {copy.GetType().Name}.", nameof(options));
        }

        copy.Validate();
        var list = parameters.ToList();
        var seen = new HashSet<IVariable>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < list.Count; i++)
        {
            var p = list[i] ?? throw new ArgumentException($"{Name}: parameter {i} of the new group is null.", nameof(parameters));
            var where = $"{Name}: parameter {i} of the new group (shape {p.Shape})";
            if (p.ElementType != typeof(double) && p.ElementType != typeof(float))
            {
                throw new ArgumentException($"{where} has element type {p.ElementType.Name}; optimizers support double and float.", nameof(parameters));
            }

            if (!p.IsLeaf || !p.RequiresGrad)
            {
                throw new ArgumentException($"{where} is not a parameter: optimizers update leaf variables that require gradients (Variable.Parameter(...)), not {(p.IsLeaf ? "constants" : "computed results")}.", nameof(parameters));
            }

            if (_state.ContainsKey(p) || !seen.Add(p))
            {
                throw new ArgumentException($"{where} appears in more than one place; each parameter may belong to one group once.", nameof(parameters));
            }
        }

        foreach (var p in list)
        {
            _state[p] = new ParameterState();
        }

        var group = new ParameterGroup(list, copy);
        _groups.Add(group);
        return group;
    }

    /// <summary>Clears the gradient of every parameter.</summary>
    /// <param name="setToNull">Set gradients to null (the default, as in PyTorch) rather than to zeros.</param>
    public void ZeroGrad(bool setToNull = true)
    {
        // Index loops: no enumerator is allocated, as a training step calls this every time.
        for (var g = 0; g < _groups.Count; g++)
        {
            var parameters = _groups[g].Parameters;
            for (var i = 0; i < parameters.Count; i++)
            {
                parameters[i].ZeroGrad(setToNull);
            }
        }
    }

    /// <summary>Updates every parameter that has a gradient, once.</summary>
    /// <param name="closure">
    /// Optional: re-evaluates the model (zero the gradients, compute the loss, call <c>Backward()</c>, return the loss).
    /// It runs before the update, and its loss appears in the report. Required by algorithms that evaluate several
    /// points per step.
    /// </param>
    /// <returns>What the step did.</returns>
    public virtual StepReport Step(Func<double>? closure = null)
    {
        double? loss = null;
        if (closure is not null)
        {
            using var recording = GradMode.Set(enabled: true);
            loss = closure();
        }

        // With skipping on, the gradients must be checked before anything is written; otherwise the update loops
        // sum the squared gradients as they read them, which saves a pass.
        var gradientSquares = 0.0;
        if (SkipNonFiniteGradients)
        {
            (gradientSquares, var problem) = GradientSquares();
            if (problem is not null)
            {
                return LastReport = new StepReport(StepCount, loss, Math.Sqrt(gradientSquares), 0, LearningRates, true, problem);
            }
        }

        var measured = new StepSquares();
        using (Variable.NoGrad())
        {
            for (var g = 0; g < _groups.Count; g++)
            {
                var group = _groups[g];
                var parameters = group.Parameters;
                for (var i = 0; i < parameters.Count; i++)
                {
                    switch (parameters[i])
                    {
                        case Variable<double> d when d.CurrentGrad is not null:
                            measured += UpdateOne(group, d);
                            break;
                        case Variable<float> f when f.CurrentGrad is not null:
                            measured += UpdateOne(group, f);
                            break;
                    }
                }
            }
        }

        if (!SkipNonFiniteGradients)
        {
            gradientSquares = measured.Gradient;
        }

        StepCount++;
        return LastReport = new StepReport(StepCount, loss, Math.Sqrt(gradientSquares), Math.Sqrt(measured.Change), LearningRates, false, null);
    }

    /// <summary>The update rule: changes <paramref name="value"/> in place given the gradient.</summary>
    /// <typeparam name="T">The parameter's element type.</typeparam>
    /// <param name="options">The parameter's group's hyperparameters.</param>
    /// <param name="state">The parameter's state; <see cref="ParameterState.Step"/> already counts this update.</param>
    /// <param name="value">The parameter's values.</param>
    /// <param name="grad">Its gradient.</param>
    protected abstract void Update<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>;

    /// <summary>
    /// The update rule, also measuring it for the <see cref="StepReport"/>: Σg² over the gradient as given, and
    /// Σ(θ_new − θ_old)² over the change, each element converted to double before it is squared (the change is taken
    /// in <typeparamref name="T"/>).
    /// </summary>
    /// <remarks>
    /// This default sums the gradient's squares, copies the values into a reused buffer, calls <see cref="Update{T}"/>
    /// and compares. An algorithm whose update is one fused loop overrides it to accumulate both sums as it reads and
    /// writes each element, which saves the copy and two passes. Both must write the same values.
    /// </remarks>
    private protected virtual StepSquares UpdateAndMeasure<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var gradient = StepNorms.SumOfSquares(grad);
        var before = Before<T>(value.Length);
        value.CopyTo(before);
        Update(options, state, value, grad);
        return new StepSquares(gradient, StepNorms.SquaredDistance<T>(value, before));
    }

    private Span<T> Before<T>(int length)
    {
        if (typeof(T) == typeof(double))
        {
            if (_beforeDouble.Length < length)
            {
                _beforeDouble = new double[length];
            }

            return ((T[])(object)_beforeDouble).AsSpan(0, length);
        }

        if (_beforeFloat.Length < length)
        {
            _beforeFloat = new float[length];
        }

        return ((T[])(object)_beforeFloat).AsSpan(0, length);
    }

    private StepSquares UpdateOne<T>(ParameterGroup group, Variable<T> parameter)
        where T : IFloatingPointIeee754<T>
    {
        var state = _state[parameter];
        state.Step++;
        return UpdateAndMeasure(group.Options, state, parameter.Data, parameter.CurrentGrad!.Values);
    }

    /// <summary>The sum of the squares of all gradients, and a description of the first non-finite one.</summary>
    private (double Squares, string? Problem) GradientSquares()
    {
        var sum = 0.0;
        string? problem = null;
        for (var g = 0; g < _groups.Count; g++)
        {
            var parameters = _groups[g].Parameters;
            for (var i = 0; i < parameters.Count; i++)
            {
                var (squares, finite) = parameters[i] switch
                {
                    Variable<double> d => SumOfSquares(d.CurrentGrad),
                    Variable<float> f => SumOfSquares(f.CurrentGrad),
                    _ => (0.0, true),
                };
                sum += squares;
                if (!finite && problem is null)
                {
                    problem = $"{Name}: the gradient of parameter {i} of group {g} (shape {parameters[i].Shape}) is not finite; the step was skipped.";
                }
            }
        }

        return (sum, problem);
    }

    private static (double Squares, bool Finite) SumOfSquares<T>(Variable<T>? grad)
        where T : IFloatingPointIeee754<T>
    {
        if (grad is null)
        {
            return (0, true);
        }

        // A finite sum of squares means every element is finite; an infinite one may also come from huge finite
        // doubles (1e200² overflows), so only then look at the elements.
        var sum = StepNorms.SumOfSquares(grad.Values);
        return (sum, double.IsFinite(sum) || StepNorms.AllFinite(grad.Values));
    }

    /// <summary>
    /// Writes the full state as JSON: every group's hyperparameters, step counts, and every state buffer (as the exact
    /// bytes of its values), so <see cref="LoadState"/> resumes training bit for bit.
    /// </summary>
    /// <param name="stream">The destination.</param>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var groups = new JsonArray();
        foreach (var group in _groups)
        {
            var parameters = new JsonArray();
            foreach (var p in group.Parameters)
            {
                var state = _state[p];
                var buffers = new JsonObject();
                foreach (var name in state.BufferNames)
                {
                    buffers[name] = Convert.ToBase64String(Bytes(state.RawBuffer(name)));
                }

                var scalars = new JsonObject();
                foreach (var name in state.ScalarNames)
                {
                    scalars[name] = BitConverter.DoubleToInt64Bits(state.Scalar(name));
                }

                parameters.Add(new JsonObject
                {
                    ["shape"] = p.Shape.ToString(),
                    ["type"] = p.ElementType.Name,
                    ["step"] = state.Step,
                    ["buffers"] = buffers,
                    ["scalars"] = scalars,
                });
            }

            groups.Add(new JsonObject
            {
                ["options"] = JsonSerializer.SerializeToNode(group.Options, group.Options.GetType(), s_json),
                ["initialLearningRateBits"] = BitConverter.DoubleToInt64Bits(group.InitialLearningRate),
                ["learningRateBits"] = BitConverter.DoubleToInt64Bits(group.LearningRate),
                ["parameters"] = parameters,
            });
        }

        var root = new JsonObject
        {
            ["optimizer"] = Name,
            ["stepCount"] = StepCount,
            ["extra"] = SaveExtraState(),
            ["groups"] = groups,
        };
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        root.WriteTo(writer);
    }

    /// <summary>
    /// Restores state written by <see cref="SaveState"/> into this optimizer, which must have the same algorithm and the
    /// same groups of parameters (count, shapes and element types). Parameter values are not part of the state.
    /// </summary>
    /// <param name="stream">The source.</param>
    /// <exception cref="InvalidDataException">The data is malformed or does not match this optimizer; nothing is changed.</exception>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonNode root;
        try
        {
            root = JsonNode.Parse(stream) ?? throw new InvalidDataException($"{Name}: the optimizer state is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Name}: the optimizer state is not valid JSON: {e.Message}", e);
        }

        // Parse everything first, so a mismatch part way leaves this optimizer untouched.
        var loaded = new List<(OptimizerOptions Options, double Initial, double Current, List<ParameterState> States)>();
        long stepCount;
        JsonNode? extra;
        try
        {
            var name = (string?)root["optimizer"];
            if (name != Name)
            {
                throw new InvalidDataException($"{Name}: the state was saved by {name ?? "an unknown optimizer"}, not {Name}.");
            }

            stepCount = (long)root["stepCount"]!;
            extra = root["extra"];
            var groups = root["groups"]!.AsArray();
            if (groups.Count != _groups.Count)
            {
                throw new InvalidDataException($"{Name}: the state has {groups.Count} parameter groups; this optimizer has {_groups.Count}.");
            }

            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g]!;
                var options = (OptimizerOptions)(group["options"].Deserialize(DefaultOptions.GetType(), s_json) ?? throw new InvalidDataException($"{Name}: group {g} has no options."));
                options.Validate();
                var parameters = group["parameters"]!.AsArray();
                var mine = _groups[g].Parameters;
                if (parameters.Count != mine.Count)
                {
                    throw new InvalidDataException($"{Name}: group {g} of the state has {parameters.Count} parameters; this optimizer's has {mine.Count}.");
                }

                var states = new List<ParameterState>();
                for (var i = 0; i < parameters.Count; i++)
                {
                    var p = parameters[i]!;
                    if ((string?)p["shape"] != mine[i].Shape.ToString() || (string?)p["type"] != mine[i].ElementType.Name)
                    {
                        throw new InvalidDataException($"{Name}: parameter {i} of group {g} has shape {p["shape"]} ({p["type"]}) in the state but shape {mine[i].Shape} ({mine[i].ElementType.Name}) here.");
                    }

                    var state = new ParameterState { Step = (long)p["step"]! };
                    foreach (var (key, value) in p["buffers"]!.AsObject())
                    {
                        var bytes = Convert.FromBase64String((string)value!);
                        state.SetRawBuffer(key, FromBytes(bytes, mine[i].ElementType, mine[i].Length, $"{Name}: buffer '{key}' of parameter {i} of group {g}"));
                    }

                    foreach (var (key, value) in p["scalars"]!.AsObject())
                    {
                        state.SetScalar(key, BitConverter.Int64BitsToDouble((long)value!));
                    }

                    states.Add(state);
                }

                loaded.Add((options, BitConverter.Int64BitsToDouble((long)group["initialLearningRateBits"]!), BitConverter.Int64BitsToDouble((long)group["learningRateBits"]!), states));
            }
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"{Name}: the optimizer state is malformed: {e.Message}", e);
        }

        LoadExtraState(extra);
        StepCount = stepCount;
        for (var g = 0; g < loaded.Count; g++)
        {
            var group = _groups[g];
            group.Options = loaded[g].Options;
            group.InitialLearningRate = loaded[g].Initial;
            group.LearningRate = loaded[g].Current;
            for (var i = 0; i < group.Parameters.Count; i++)
            {
                _state[group.Parameters[i]] = loaded[g].States[i];
            }
        }
    }

    /// <summary>Algorithm-wide state beyond the per-parameter state (L-BFGS's history), as JSON; null when there is none.</summary>
    /// <returns>The JSON node, or null.</returns>
    protected virtual JsonNode? SaveExtraState() => null;

    /// <summary>Restores what <see cref="SaveExtraState"/> wrote.</summary>
    /// <param name="node">The JSON node, or null.</param>
    protected virtual void LoadExtraState(JsonNode? node)
    {
    }

    private static byte[] Bytes(Array buffer) => buffer switch
    {
        double[] d => System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.AsSpan()).ToArray(),
        float[] f => System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.AsSpan()).ToArray(),
        _ => throw new InvalidOperationException($"Unsupported buffer type {buffer.GetType().Name}."),
    };

    private static Array FromBytes(byte[] bytes, Type type, int length, string what)
    {
        var size = type == typeof(double) ? sizeof(double) : sizeof(float);
        if (bytes.Length != length * size)
        {
            throw new InvalidDataException($"{what} holds {bytes.Length / size} values; the parameter has {length}.");
        }

        if (type == typeof(double))
        {
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray();
        }

        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}

/// <summary>An optimizer whose groups' hyperparameters are of type <typeparamref name="TOptions"/>.</summary>
/// <typeparam name="TOptions">The algorithm's options record.</typeparam>
public abstract class Optimizer<TOptions> : Optimizer
    where TOptions : OptimizerOptions
{
    /// <summary>Creates the optimizer and, when <paramref name="parameters"/> is given, its first group.</summary>
    /// <param name="parameters">The first group's parameters, or null to add groups later.</param>
    /// <param name="defaults">The hyperparameters new groups start from.</param>
    protected Optimizer(IEnumerable<IVariable>? parameters, TOptions defaults)
        : base(defaults)
    {
        if (parameters is not null)
        {
            AddParameterGroup(parameters);
        }
    }

    /// <summary>The hyperparameters new groups start from.</summary>
    public TOptions Defaults => (TOptions)DefaultOptions;

    /// <summary>Adds a group whose hyperparameters are the defaults changed by <paramref name="configure"/>.</summary>
    /// <param name="parameters">The group's parameters.</param>
    /// <param name="configure">For example <c>o =&gt; o with { LearningRate = 1e-4 }</c>.</param>
    /// <returns>The new group.</returns>
    public ParameterGroup AddParameterGroup(IEnumerable<IVariable> parameters, Func<TOptions, TOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddParameterGroup(parameters, configure(Defaults with { }));
    }

    /// <inheritdoc/>
    protected sealed override void Update<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Update((TOptions)options, state, value, grad);

    /// <summary>The update rule with the algorithm's own options type.</summary>
    /// <typeparam name="T">The parameter's element type.</typeparam>
    /// <param name="options">The group's hyperparameters.</param>
    /// <param name="state">The parameter's state (its step count already includes this update).</param>
    /// <param name="value">The parameter's values, updated in place.</param>
    /// <param name="grad">The gradient.</param>
    protected abstract void Update<T>(TOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>;
}
