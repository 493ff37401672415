using System.Text.Json;
using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Optim;

/// <summary>
/// Learning-rate schedules and gradient clipping driving SGD, against PyTorch trajectories
/// (Fixtures/generate_optim_schedules.py → optim_schedules.json): parameters, loss and every group's rate at every step.
/// </summary>
public class ScheduleTests
{
    private const string File = "optim_schedules.json";

    private sealed record Case(
        Func<IEnumerable<IVariable>, Optimizer> Optimizer,
        Func<Optimizer, LearningRateSchedule>? Schedule = null,
        bool Metric = false,
        Func<Variable<double>, double?>? Clip = null);

    private static readonly Dictionary<string, Case> s_cases = BuildCases();

    public static TheoryData<string> Names => OptimizerTrajectories.Names(File);

    public static TheoryData<string> GroupNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var g in MultiGroup())
            {
                data.Add(g.GetProperty("name").GetString()!);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Trajectory_matches_PyTorch(string name)
    {
        var c = s_cases[name];
        LearningRateSchedule? schedule = null;
        OptimizerTrajectories.Check(
            File,
            name,
            p =>
            {
                var optimizer = c.Optimizer(p);
                schedule = c.Schedule?.Invoke(optimizer);
                return optimizer;
            },
            afterStep: c.Schedule is null ? null : (_, loss) =>
            {
                if (c.Metric)
                {
                    schedule!.Step(loss);
                }
                else
                {
                    schedule!.Step();
                }

                Assert.Equal(schedule.Optimizer.LearningRates, schedule.LearningRates);
            },
            beforeStep: c.Clip);
    }

    [Fact]
    public void Every_run_has_a_case() =>
        Assert.Equal(s_cases.Keys.Order(StringComparer.Ordinal), OptimizerTrajectories.Load(File).Select(r => r.Name).Order(StringComparer.Ordinal));

    /// <summary>Two groups with different rates and momenta (0.1/0.9 and 0.01/0.5), per-group options, no training.</summary>
    [Theory]
    [MemberData(nameof(GroupNames))]
    public void Every_group_follows_PyTorch(string name)
    {
        var expected = MultiGroup().Single(g => g.GetProperty("name").GetString() == name);
        var rates = expected.GetProperty("learningRates").EnumerateArray().Select(e => Fixtures.Flatten(e)).ToArray();
        var momenta = expected.GetProperty("momenta").EnumerateArray().Select(e => Fixtures.Flatten(e)).ToArray();
        var metrics = expected.GetProperty("metrics").ValueKind == JsonValueKind.Null ? null : Fixtures.Flatten(expected.GetProperty("metrics"));
        var sgd = new SGD([Variable.Parameter(new[] { 0.0 })], learningRate: 0.1, momentum: 0.9);
        sgd.AddParameterGroup([Variable.Parameter(new[] { 0.0 })], o => o with { LearningRate = 0.01, Momentum = 0.5 });
        LearningRateSchedule schedule = name switch
        {
            "step" => new StepLR(sgd, stepSize: 4, gamma: 0.5),
            "cosine" => new CosineAnnealingLR(sgd, tMax: 12, etaMin: 0.001),
            "one_cycle" => new OneCycleLR(sgd, maxLearningRate: new[] { 1.0, 0.05 }, totalSteps: 30, baseMomentum: new[] { 0.8, 0.6 }, maxMomentum: new[] { 0.95, 0.7 }),
            "plateau" => new ReduceLROnPlateau(sgd, factor: 0.5, patience: 1, minLearningRate: new[] { 0.02, 0.004 }),
            "sequential" => new SequentialLR(sgd, [new LinearLR(sgd, totalIters: 4), new ExponentialLR(sgd, gamma: 0.9)], milestones: [4]),
            _ => throw new ArgumentException(name),
        };

        for (var step = 0; step < rates.Length; step++)
        {
            if (step > 0)
            {
                sgd.Step();
                if (metrics is null)
                {
                    schedule.Step();
                }
                else
                {
                    schedule.Step(metrics[step - 1]);
                }
            }

            for (var g = 0; g < 2; g++)
            {
                var options = (SGDOptions)sgd.ParameterGroups[g].Options;
                Close(rates[step][g], options.LearningRate, $"{name}, step {step}, group {g}: learning rate");
                Close(rates[step][g], schedule.LearningRates[g], $"{name}, step {step}, group {g}: LearningRates");
                Close(momenta[step][g], options.Momentum, $"{name}, step {step}, group {g}: momentum");
            }
        }
    }

    [Fact]
    public void Construction_applies_step_zero_and_Step_counts_epochs()
    {
        var sgd = Sgd(0.3);
        var warmup = new LinearLR(sgd, startFactor: 0.5, totalIters: 2);
        Assert.Equal(0, warmup.LastEpoch);
        Assert.Equal(0.15, sgd.ParameterGroups[0].LearningRate);
        Assert.Equal([0.3], warmup.BaseLearningRates);
        Assert.Equal([0.15], warmup.LearningRates);
        warmup.Step();
        warmup.Step();
        warmup.Step();
        Assert.Equal(3, warmup.LastEpoch);
        Assert.Equal(0.3, sgd.ParameterGroups[0].LearningRate, 15);

        var plateau = new ReduceLROnPlateau(Sgd(0.3));
        Assert.Equal(0, plateau.LastEpoch);
        Assert.Equal([0.3], plateau.LearningRates);
        Assert.True(plateau.UsesMetric);
        Assert.False(warmup.UsesMetric);
    }

    [Fact]
    public void Chainable_schedules_compose_on_one_optimizer()
    {
        // PyTorch's ChainedScheduler idea: both act on the current rate.
        var sgd = Sgd(1.0);
        var step = new StepLR(sgd, stepSize: 2, gamma: 0.5);
        var exponential = new ExponentialLR(sgd, gamma: 0.9);
        for (var i = 0; i < 4; i++)
        {
            step.Step();
            exponential.Step();
        }

        Assert.Equal(0.25 * Math.Pow(0.9, 4), sgd.ParameterGroups[0].LearningRate, 14);
    }

    [Fact]
    public void Metric_free_schedules_ignore_a_metric_and_plateau_requires_one()
    {
        var sgd = Sgd(1.0);
        var exponential = new ExponentialLR(sgd, gamma: 0.5);
        exponential.Step(double.NaN);
        Assert.Equal(0.5, sgd.ParameterGroups[0].LearningRate);

        var plateau = new ReduceLROnPlateau(Sgd(1.0));
        var e = Assert.Throws<InvalidOperationException>(plateau.Step);
        Assert.Contains("Step(metric)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plateau_counts_a_NaN_metric_as_no_improvement()
    {
        var sgd = Sgd(1.0);
        var plateau = new ReduceLROnPlateau(sgd, factor: 0.5, patience: 1);
        plateau.Step(1.0);
        plateau.Step(double.NaN);
        Assert.Equal(1, plateau.BadSteps);
        plateau.Step(double.NaN);
        Assert.Equal(0.5, sgd.ParameterGroups[0].LearningRate);
        Assert.Equal(1.0, plateau.Best);
    }

    [Fact]
    public void One_cycle_runs_out_after_total_steps()
    {
        var sgd = Sgd(0.1, momentum: 0.9);
        var schedule = new OneCycleLR(sgd, maxLearningRate: 0.1, epochs: 2, stepsPerEpoch: 3);
        Assert.Equal(6, schedule.TotalSteps);
        Assert.Equal(0.95, ((SGDOptions)sgd.ParameterGroups[0].Options).Momentum, 15);
        Assert.Equal(0.004, sgd.ParameterGroups[0].InitialLearningRate, 15);
        for (var i = 0; i < 6; i++)
        {
            schedule.Step();
        }

        var e = Assert.Throws<InvalidOperationException>(schedule.Step);
        Assert.Contains("7 times", e.Message, StringComparison.Ordinal);
        Assert.Contains("TotalSteps = 6", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, schedule.LastEpoch);
    }

    [Fact]
    public void One_cycle_rejects_a_zero_length_first_phase_like_PyTorch()
    {
        // pctStart·totalSteps − 1 = 0: PyTorch raises ZeroDivisionError while constructing.
        var sgd = Sgd(0.1, momentum: 0.5);
        var e = Assert.Throws<InvalidOperationException>(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, pctStart: 0.1));
        Assert.Contains("zero length", e.Message, StringComparison.Ordinal);
        Assert.Equal(0.1, sgd.ParameterGroups[0].InitialLearningRate);
        Assert.Equal(0.5, ((SGDOptions)sgd.ParameterGroups[0].Options).Momentum);
    }

    [Fact]
    public void One_cycle_momentum_needs_an_optimizer_with_momentum()
    {
        var plain = new PlainDescent([Variable.Parameter(new[] { 1.0 })]);
        var e = Assert.Throws<ArgumentException>(() => new OneCycleLR(plain, maxLearningRate: 0.1, totalSteps: 10));
        Assert.Equal("cycleMomentum", e.ParamName);
        Assert.Contains("IMomentumOptions", e.Message, StringComparison.Ordinal);
        var schedule = new OneCycleLR(plain, maxLearningRate: 0.1, totalSteps: 10, cycleMomentum: false);
        schedule.Step();
        Assert.True(plain.ParameterGroups[0].LearningRate > 0.004);
    }

    [Fact]
    public void Every_argument_is_validated_with_its_name_and_range()
    {
        var sgd = Sgd(0.1, momentum: 0.9);
        Check(() => new StepLR(sgd, stepSize: 0), "stepSize", "≥ 1");
        Check(() => new StepLR(sgd, stepSize: 3, gamma: 0), "gamma", "> 0");
        Check(() => new MultiStepLR(sgd, [5, 3]), "milestones", "non-decreasing");
        Check(() => new MultiStepLR(sgd, [-1]), "milestones", "≥ 0");
        Check(() => new MultiStepLR(sgd, [1], gamma: double.NaN), "gamma", "> 0");
        Check(() => new ExponentialLR(sgd, gamma: double.PositiveInfinity), "gamma", "finite");
        Check(() => new CosineAnnealingLR(sgd, tMax: 0), "tMax", "≥ 1");
        Check(() => new CosineAnnealingLR(sgd, tMax: 10, etaMin: -1), "etaMin", "≥ 0");
        Check(() => new CosineAnnealingWarmRestarts(sgd, t0: 0), "t0", "≥ 1");
        Check(() => new CosineAnnealingWarmRestarts(sgd, t0: 5, tMult: 0), "tMult", "≥ 1");
        Check(() => new CosineAnnealingWarmRestarts(sgd, t0: 5, etaMin: double.NaN), "etaMin", "≥ 0");
        Check(() => new LinearLR(sgd, startFactor: 0), "startFactor", "(0, 1]");
        Check(() => new LinearLR(sgd, startFactor: 1.5), "startFactor", "(0, 1]");
        Check(() => new LinearLR(sgd, endFactor: -0.1), "endFactor", "[0, 1]");
        Check(() => new LinearLR(sgd, totalIters: 0), "totalIters", "≥ 1");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0, totalSteps: 10), "maxLearningRate", "> 0");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 0), "totalSteps", "≥ 1");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, epochs: 0, stepsPerEpoch: 3), "epochs", "≥ 1");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, epochs: 2, stepsPerEpoch: -3), "stepsPerEpoch", "≥ 1");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, pctStart: 1.1), "pctStart", "[0, 1]");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, annealStrategy: (AnnealStrategy)7), "annealStrategy", "Cosine or Linear");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, baseMomentum: -0.1), "baseMomentum", "≥ 0");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, maxMomentum: double.NaN), "maxMomentum", "≥ 0");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, divFactor: 0), "divFactor", "> 0");
        Check(() => new OneCycleLR(sgd, maxLearningRate: 0.1, totalSteps: 10, finalDivFactor: -1), "finalDivFactor", "> 0");
        Check(() => new ReduceLROnPlateau(sgd, mode: (PlateauMode)2), "mode", "Min or Max");
        Check(() => new ReduceLROnPlateau(sgd, factor: 1), "factor", "[0, 1)");
        Check(() => new ReduceLROnPlateau(sgd, patience: -1), "patience", "≥ 0");
        Check(() => new ReduceLROnPlateau(sgd, threshold: -1e-4), "threshold", "≥ 0");
        Check(() => new ReduceLROnPlateau(sgd, thresholdMode: (ThresholdMode)5), "thresholdMode", "Relative or Absolute");
        Check(() => new ReduceLROnPlateau(sgd, cooldown: -2), "cooldown", "≥ 0");
        Check(() => new ReduceLROnPlateau(sgd, minLearningRate: -1), "minLearningRate", "≥ 0");
        Check(() => new ReduceLROnPlateau(sgd, eps: double.NaN), "eps", "≥ 0");

        var missing = Assert.Throws<ArgumentException>(() => new OneCycleLR(sgd, maxLearningRate: 0.1, epochs: 3));
        Assert.Contains("totalSteps, or both epochs and stepsPerEpoch", missing.Message, StringComparison.Ordinal);
        var perGroup = Assert.Throws<ArgumentException>(() => new OneCycleLR(sgd, maxLearningRate: new[] { 0.1, 0.2 }, totalSteps: 10));
        Assert.Equal("maxLearningRate", perGroup.ParamName);
        Assert.Contains("2 values; the optimizer has 1 parameter groups", perGroup.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new StepLR(null!, 3));
        Assert.Contains("no parameter groups", Assert.Throws<ArgumentException>(() => new StepLR(new SGD(), 3)).Message, StringComparison.Ordinal);

        static void Check(Action create, string parameter, string range)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(create);
            Assert.Equal(parameter, e.ParamName);
            Assert.Contains(range, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sequential_validates_its_schedules_and_milestones()
    {
        var sgd = Sgd(0.1);
        var a = new LinearLR(sgd);
        var b = new ExponentialLR(sgd, gamma: 0.9);
        Assert.Contains("need 1 milestones", Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [a, b], [])).Message, StringComparison.Ordinal);
        Assert.Equal("milestones", Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialLR(sgd, [a, b, new StepLR(sgd, 2)], [5, 5])).ParamName);
        Assert.Equal("milestones", Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialLR(sgd, [a, b], [0])).ParamName);
        Assert.Contains("another optimizer", Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [a, new StepLR(Sgd(0.1), 2)], [3])).Message, StringComparison.Ordinal);
        Assert.Contains("ReduceLROnPlateau", Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [a, new ReduceLROnPlateau(sgd)], [3])).Message, StringComparison.Ordinal);
        Assert.Contains("appear once", Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [a, a], [3])).Message, StringComparison.Ordinal);
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [], [])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_a_group_after_the_schedule_is_reported_at_the_next_step()
    {
        var sgd = Sgd(0.1);
        var schedule = new StepLR(sgd, stepSize: 2);
        sgd.AddParameterGroup([Variable.Parameter(new[] { 1.0 })]);
        var e = Assert.Throws<InvalidOperationException>(schedule.Step);
        Assert.Contains("had 1 parameter groups", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> Resumable => ["warm_restarts", "plateau", "sequential", "one_cycle", "multistep"];

    /// <summary>Save the optimizer and the schedule half way, rebuild both, load, and finish: bit for bit the same run.</summary>
    [Theory]
    [MemberData(nameof(Resumable))]
    public void Saved_state_resumes_bit_for_bit(string kind)
    {
        var (reference, _) = Train(kind, 60, resumeAt: null);
        var (resumed, _) = Train(kind, 60, resumeAt: 23);
        Assert.Equal(reference, resumed);
    }

    [Fact]
    public void Loading_another_kind_of_schedule_is_rejected_and_changes_nothing()
    {
        var sgd = Sgd(0.1);
        var step = new StepLR(sgd, stepSize: 2);
        using var saved = new MemoryStream();
        step.SaveState(saved);
        var exponential = new ExponentialLR(Sgd(0.1), gamma: 0.5);
        saved.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => exponential.LoadState(saved));
        Assert.Contains("StepLR", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, exponential.LastEpoch);
        Assert.Throws<InvalidDataException>(() => exponential.LoadState(new MemoryStream("{"u8.ToArray())));
        Assert.Throws<InvalidDataException>(() => exponential.LoadState(new MemoryStream("{\"schedule\":\"ExponentialLR\"}"u8.ToArray())));
    }

    /// <summary>A sequence of (rate, momentum, x) after every step, optionally saving and reloading at a step.</summary>
    private static (List<double> Trace, Optimizer Optimizer) Train(string kind, int steps, int? resumeAt)
    {
        var (x, sgd, schedule) = Build(kind);
        var trace = new List<double>();
        for (var step = 0; step < steps; step++)
        {
            if (step == resumeAt)
            {
                using var optimizerState = new MemoryStream();
                using var scheduleState = new MemoryStream();
                sgd.SaveState(optimizerState);
                schedule.SaveState(scheduleState);
                var values = x.ToArray();
                (x, sgd, schedule) = Build(kind, values);
                optimizerState.Position = 0;
                scheduleState.Position = 0;
                sgd.LoadState(optimizerState);
                schedule.LoadState(scheduleState);
            }

            sgd.ZeroGrad();
            var loss = OptimizerTrajectories.Rosenbrock(x);
            loss.Backward();
            sgd.Step();
            schedule.Step(loss.ToScalar());
            trace.Add(sgd.ParameterGroups[0].LearningRate);
            trace.Add(((SGDOptions)sgd.ParameterGroups[0].Options).Momentum);
            trace.AddRange(x.ToArray());
        }

        return (trace, sgd);

        static (Variable<double>, SGD, LearningRateSchedule) Build(string kind, double[]? start = null)
        {
            var x = Variable.Parameter(start ?? [-1.2, 1.0]);
            var sgd = new SGD([x], learningRate: 2e-4, momentum: 0.9);
            LearningRateSchedule schedule = kind switch
            {
                "warm_restarts" => new CosineAnnealingWarmRestarts(sgd, t0: 5, tMult: 2),
                "plateau" => new ReduceLROnPlateau(sgd, factor: 0.5, patience: 1, threshold: 0.05, cooldown: 2),
                "sequential" => new SequentialLR(sgd, [new LinearLR(sgd, totalIters: 10), new CosineAnnealingWarmRestarts(sgd, t0: 7), new OneCycleLR(sgd, 4e-4, totalSteps: 40)], [10, 20]),
                "one_cycle" => new OneCycleLR(sgd, 4e-4, totalSteps: 60, threePhase: true),
                "multistep" => new MultiStepLR(sgd, [10, 20, 20, 40], gamma: 0.6),
                _ => throw new ArgumentException(kind),
            };
            return (x, sgd, schedule);
        }
    }

    private static SGD Sgd(double learningRate, double momentum = 0) =>
        new([Variable.Parameter(new[] { 1.0, 2.0 })], learningRate: learningRate, momentum: momentum);

    private static JsonElement[] MultiGroup()
    {
        using var doc = Fixtures.Load(File);
        return doc.RootElement.GetProperty("multiGroup").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 + (1e-9 * Math.Abs(expected)), $"{what}: PyTorch {expected:R}, AutoGrad {actual:R}.");

    private static Dictionary<string, Case> BuildCases()
    {
        var cases = new Dictionary<string, Case>();
        foreach (var (problem, lr, max) in new[] { ("rosenbrock", 1e-4, 4e-4), ("least_squares", 0.05, 0.1) })
        {
            cases[$"step_{problem}"] = new(Make(lr, 0.5), o => new StepLR(o, stepSize: 10, gamma: 0.5));
            cases[$"multistep_{problem}"] = new(Make(lr, 0.5), o => new MultiStepLR(o, [10, 25, 25, 60], gamma: 0.5));
            cases[$"exponential_{problem}"] = new(Make(lr, 0.5), o => new ExponentialLR(o, gamma: 0.97));
            cases[$"cosine_{problem}"] = new(Make(lr, 0.5), o => new CosineAnnealingLR(o, tMax: 30, etaMin: lr / 20));
            cases[$"warm_restarts_{problem}"] = new(Make(lr, 0.5), o => new CosineAnnealingWarmRestarts(o, t0: 10, tMult: 2, etaMin: lr / 20));
            cases[$"linear_warmup_{problem}"] = new(Make(lr, 0.5), o => new LinearLR(o));
            cases[$"one_cycle_{problem}"] = new(Make(lr, 0.9), o => new OneCycleLR(o, maxLearningRate: max, totalSteps: 100));
            cases[$"one_cycle_three_phase_linear_{problem}"] = new(Make(lr, 0.9), o => new OneCycleLR(o, maxLearningRate: max, totalSteps: 100, annealStrategy: AnnealStrategy.Linear, threePhase: true));
            cases[$"plateau_{problem}"] = new(Make(lr, 0.5), o => new ReduceLROnPlateau(o, factor: 0.5, patience: 2, threshold: 0.02), Metric: true);
            cases[$"sequential_warmup_cosine_{problem}"] = new(Make(lr, 0.5), o => new SequentialLR(o, [new LinearLR(o, startFactor: 0.1, totalIters: 10), new CosineAnnealingLR(o, tMax: 90)], milestones: [10]));
            cases[$"clip_norm_{problem}"] = new(Make(10 * lr, 0.5), Clip: x => GradientClipping.ClipByNorm([x], 0.5));
            cases[$"clip_norm_inf_{problem}"] = new(Make(10 * lr, 0.5), Clip: x => GradientClipping.ClipByNorm([x], 0.5, double.PositiveInfinity));
            cases[$"clip_value_{problem}"] = new(Make(10 * lr, 0.5), Clip: x =>
            {
                GradientClipping.ClipByValue([x], 0.3);
                return null;
            });
        }

        cases["step_default_gamma_least_squares"] = new(Make(0.05), o => new StepLR(o, stepSize: 30));
        cases["cosine_default_eta_min_least_squares"] = new(Make(0.05), o => new CosineAnnealingLR(o, tMax: 100));
        cases["cosine_short_period_rosenbrock"] = new(Make(1e-4, 0.5), o => new CosineAnnealingLR(o, tMax: 7, etaMin: 1e-5));
        cases["warm_restarts_mult1_least_squares"] = new(Make(0.05, 0.5), o => new CosineAnnealingWarmRestarts(o, t0: 15));
        cases["linear_decay_least_squares"] = new(Make(0.05, 0.5), o => new LinearLR(o, startFactor: 1.0, endFactor: 0.1, totalIters: 60));
        cases["one_cycle_epochs_linear_least_squares"] = new(Make(0.05, 0.9), o => new OneCycleLR(o, maxLearningRate: 0.08, epochs: 10, stepsPerEpoch: 10, pctStart: 0.25, annealStrategy: AnnealStrategy.Linear, baseMomentum: 0.8, maxMomentum: 0.9, divFactor: 10, finalDivFactor: 100));
        cases["one_cycle_three_phase_cos_rosenbrock"] = new(Make(1e-4, 0.9), o => new OneCycleLR(o, maxLearningRate: 4e-4, totalSteps: 100, pctStart: 0.4, threePhase: true));
        cases["one_cycle_no_momentum_cycle_least_squares"] = new(Make(0.05, 0.7), o => new OneCycleLR(o, maxLearningRate: 0.1, totalSteps: 100, cycleMomentum: false));
        cases["plateau_max_least_squares"] = new(Make(0.05, 0.5), o => new ReduceLROnPlateau(o, mode: PlateauMode.Max, factor: 0.7, patience: 3), Metric: true);
        cases["plateau_abs_cooldown_rosenbrock"] = new(Make(1e-4, 0.5), o => new ReduceLROnPlateau(o, factor: 0.5, patience: 1, threshold: 0.05, thresholdMode: ThresholdMode.Absolute, cooldown: 4), Metric: true);
        cases["plateau_max_abs_min_lr_least_squares"] = new(Make(0.05, 0.5), o => new ReduceLROnPlateau(o, mode: PlateauMode.Max, factor: 0.5, patience: 2, threshold: 0.01, thresholdMode: ThresholdMode.Absolute, minLearningRate: 0.004), Metric: true);
        cases["plateau_eps_least_squares"] = new(Make(0.05, 0.5), o => new ReduceLROnPlateau(o, mode: PlateauMode.Max, factor: 0.5, patience: 0, eps: 0.003), Metric: true);
        cases["plateau_default_least_squares"] = new(Make(0.05, 0.5), o => new ReduceLROnPlateau(o), Metric: true);
        cases["sequential_three_least_squares"] = new(Make(0.05, 0.5), o => new SequentialLR(o, [new LinearLR(o, startFactor: 0.25, totalIters: 8), new StepLR(o, stepSize: 7, gamma: 0.7), new ExponentialLR(o, gamma: 0.98)], milestones: [8, 40]));
        cases["sequential_restarts_one_cycle_least_squares"] = new(Make(0.05, 0.9), o => new SequentialLR(
            o,
            [new ExponentialLR(o, gamma: 0.95), new CosineAnnealingWarmRestarts(o, t0: 6, tMult: 2), new MultiStepLR(o, [3, 9], gamma: 0.5), new OneCycleLR(o, maxLearningRate: 0.1, totalSteps: 30)],
            milestones: [20, 50, 70]));
        cases["clip_norm_one_cycle_rosenbrock"] = new(Make(1e-3, 0.9), o => new OneCycleLR(o, maxLearningRate: 4e-3, totalSteps: 100), Clip: x => GradientClipping.ClipByNorm([x], 2.0));
        cases["clip_norm_p3_least_squares"] = new(Make(0.1, 0.5), Clip: x => GradientClipping.ClipByNorm([x], 0.4, normType: 3));
        cases["clip_norm_p1_rosenbrock"] = new(Make(1e-3, 0.5), Clip: x => GradientClipping.ClipByNorm([x], 1.5, normType: 1));
        return cases;

        static Func<IEnumerable<IVariable>, Optimizer> Make(double learningRate, double momentum = 0) =>
            p => new SGD(p, learningRate: learningRate, momentum: momentum);
    }

    /// <summary>Gradient descent whose options have no momentum (for the cycleMomentum check).</summary>
    private sealed class PlainDescent(IEnumerable<IVariable> parameters) : Optimizer<PlainOptions>(parameters, new PlainOptions { LearningRate = 0.1 })
    {
        public override string Name => "PlainDescent";

        protected override void Update<T>(PlainOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        {
            for (var i = 0; i < value.Length; i++)
            {
                value[i] -= T.CreateChecked(options.LearningRate) * grad[i];
            }
        }
    }

    private sealed record PlainOptions : OptimizerOptions;
}
