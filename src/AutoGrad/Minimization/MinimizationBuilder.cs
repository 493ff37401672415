using System.Diagnostics;
using System.Globalization;
using System.Numerics;

namespace AutoGrad;

/// <summary>
/// The configuration and the loop shared by every <see cref="Minimize"/> run: the optimizer, the stopping rules,
/// history, progress, a learning-rate schedule hook and cancellation. Obtain one from <see cref="Minimize"/>.
/// </summary>
/// <typeparam name="TSelf">The concrete builder, so every fluent call returns it.</typeparam>
/// <typeparam name="T">The element type of the loss: <see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// <para>
/// <b>One iteration is one optimizer step.</b> The driver always passes <see cref="Optimizer.Step"/> a closure that
/// zeroes the gradients, evaluates the loss, calls <c>Backward()</c> and returns the loss, so every optimizer works,
/// including those that evaluate several points per step (L-BFGS). The iteration's <see cref="IterationInfo.Loss"/>
/// and <see cref="IterationInfo.GradientNorm"/> are those at the point where the step started: of the step's first
/// evaluation, or, for <see cref="LBFGS"/> over a deterministic loss, of the evaluation the previous step's line
/// search made there (see <see cref="With"/>). Each evaluation's graph is released by its <c>Backward()</c>, and the
/// driver keeps no reference to it, so a long run holds only the parameters, the optimizer's state and the history.
/// </para>
/// <para>
/// <b>Each evaluation runs in a <see cref="StepScope"/>.</b> The loss function's intermediates come from the thread's
/// buffer pool and end with the evaluation: a variable the loss function stores somewhere for later throws when used
/// after the evaluation (copy values out with <c>ToScalar()</c> or <c>ToArray()</c> instead). Scalar operations inside
/// the loss go on the scalar tape, so a loss that itself takes a gradient with <c>createGraph: true</c> through
/// scalar operations is not supported inside <c>Minimize</c>.
/// </para>
/// <para>
/// <b>Stopping.</b> Rules combine; after each iteration they are checked in this order, and the first that holds is
/// reported: gradient norm, absolute loss change, relative loss change, the user predicate, the iteration limit,
/// the epoch limit, the wall-time limit. Cancellation is checked before each iteration. A non-finite loss stops the
/// run as <see cref="StopReason.Diverged"/> and restores the last point whose loss was finite.
/// </para>
/// <para>
/// <b>The result.</b> After the last iteration the parameters hold the point the last step reached; the loss is
/// evaluated there once more (without recording) to give <see cref="MinimizationResult{T}.Value"/>. If that value is
/// not finite, the last step is undone and the run is reported as diverged.
/// </para>
/// </remarks>
public abstract class MinimizationBuilder<TSelf, T>
    where TSelf : MinimizationBuilder<TSelf, T>
    where T : IFloatingPointIeee754<T>
{
    private readonly IReadOnlyList<IVariable> _parameters;
    private Optimizer? _optimizer;
    private int? _maxIterations;
    private double? _gradientNorm;
    private double? _absoluteLossChange;
    private double? _relativeLossChange;
    private int? _lossChangeWindow;
    private TimeSpan? _wallTime;
    private Func<IterationInfo, bool>? _predicate;
    private IProgress<IterationInfo>? _progress;
    private int _progressEvery = 1;
    private Action<ScheduleContext>? _schedule;
    private Func<Optimizer, LearningRateSchedule>? _scheduleFactory;
    private ScheduleInterval _scheduleInterval;
    private bool _keepHistory = true;
    private bool _ran;

    private protected MinimizationBuilder(IReadOnlyList<IVariable> parameters) => _parameters = parameters;

    /// <summary>The iteration limit when <c>Until</c> sets none (null: no limit).</summary>
    private protected abstract int? DefaultMaxIterations { get; }

    /// <summary>Iterations per epoch for a run over data; 0 for a run without epochs.</summary>
    private protected abstract int IterationsPerEpoch { get; }

    /// <summary>The epoch limit of a run over data (null: none).</summary>
    private protected virtual int? MaxEpochs => null;

    /// <summary>What the loss is called in messages ("the objective", "the batch loss").</summary>
    private protected abstract string LossName { get; }

    /// <summary>Sets up the next iteration: a run over data picks its batch here.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="position">The iteration's position within its epoch, from 0.</param>
    private protected virtual void BeginIteration(int epoch, int position)
    {
    }

    /// <summary>Evaluates the loss of the current iteration (recording, so that it can be differentiated).</summary>
    /// <returns>The loss.</returns>
    private protected abstract Variable<T> Loss();

    /// <summary>Evaluates the loss reported as the result's value (for data: over the whole dataset).</summary>
    /// <returns>The loss.</returns>
    private protected abstract Variable<T> FinalLoss();

    private TSelf Self => (TSelf)this;

    /// <summary>Uses <paramref name="optimizer"/> instead of the default.</summary>
    /// <param name="optimizer">
    /// Any optimizer. Create it without parameters (<c>new SGD(learningRate: 0.01)</c>) and the driver adds the
    /// problem's parameters as one group; or, for <see cref="Minimize.Parameters(IEnumerable{IVariable}, Func{Variable{double}})"/>
    /// and <c>OverData</c>, create it over the parameters yourself (for per-group hyperparameters): it must then
    /// include every parameter of the problem.
    /// </param>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// Without <c>With</c>, a run over a deterministic objective (<c>Function</c>, <c>Parameters</c>) uses
    /// <see cref="LBFGS"/> with the strong-Wolfe line search, and a run over data uses <see cref="Adam"/> with
    /// learning rate 1e-3, whose per-parameter scaling copes with noisy batch gradients.
    /// For the length of a run, an <see cref="LBFGS"/> optimizer's own gradient tolerance is lowered to the
    /// gradient-norm rule (per element) and its change tolerance to 0, so the run's stopping rules, not PyTorch's
    /// default L-BFGS tolerances, decide when to stop, and its curvature and line-search thresholds are made relative to
    /// the problem's scale (PyTorch's are absolute: 1e-10 and 1e-9). Over a deterministic loss (<c>Function</c>,
    /// <c>Parameters</c>) one iteration of the run is also one L-BFGS iteration: <see cref="LBFGSOptions.MaxIterations"/>
    /// is 1 (and <see cref="LBFGSOptions.MaxEvaluations"/> does not apply), and an iteration starts from the loss and
    /// gradient its predecessor's line search already evaluated at the point it accepted, so with the strong-Wolfe line
    /// search an iteration costs its line search's evaluations (usually one) and with fixed steps exactly one. A run
    /// over data keeps PyTorch's steps, up to <see cref="LBFGSOptions.MaxIterations"/> L-BFGS iterations per batch.
    /// The optimizer's settings are restored when the run ends.
    /// </remarks>
    public TSelf With(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ThrowIfRan();
        _optimizer = optimizer;
        return Self;
    }

    /// <summary>Sets stopping rules; only the arguments given change, so calls combine.</summary>
    /// <param name="gradientNorm">Stop when the global L2 norm of the gradient is ≤ this (≥ 0). For a run over data it is the batch's gradient.</param>
    /// <param name="maxIterations">Stop after this many iterations (≥ 1). Function and parameter runs default to 1000; runs over data have no default iteration limit.</param>
    /// <param name="absoluteLossChange">Stop when the loss varies by ≤ this over the window: max − min of the last <c>window + 1</c> losses (≥ 0).</param>
    /// <param name="relativeLossChange">Stop when max − min of the last <c>window + 1</c> losses is ≤ this × the largest of their absolute values (≥ 0).</param>
    /// <param name="lossChangeWindow">
    /// The window of the loss-change rules (≥ 1, default 1: consecutive losses). Runs over data compare epochs' mean
    /// losses, checked at the end of each epoch, because a single batch's loss is noisy; other runs compare iterations.
    /// </param>
    /// <param name="wallTime">Stop once this much wall time has passed (&gt; 0), checked after each iteration.</param>
    /// <param name="stopWhen">Stop when this returns true for an iteration.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">No rule was given.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A tolerance or limit is out of range.</exception>
    public TSelf Until(
        double? gradientNorm = null,
        int? maxIterations = null,
        double? absoluteLossChange = null,
        double? relativeLossChange = null,
        int? lossChangeWindow = null,
        TimeSpan? wallTime = null,
        Func<IterationInfo, bool>? stopWhen = null)
    {
        ThrowIfRan();
        if (gradientNorm is null && maxIterations is null && absoluteLossChange is null && relativeLossChange is null && lossChangeWindow is null && wallTime is null && stopWhen is null)
        {
            throw new ArgumentException("Until: give at least one stopping rule, e.g. Until(gradientNorm: 1e-8, maxIterations: 1000).");
        }

        RequireTolerance(gradientNorm, nameof(gradientNorm));
        RequireTolerance(absoluteLossChange, nameof(absoluteLossChange));
        RequireTolerance(relativeLossChange, nameof(relativeLossChange));
        if (maxIterations is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, $"Until: maxIterations must be ≥ 1; got {maxIterations}.");
        }

        if (lossChangeWindow is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(lossChangeWindow), lossChangeWindow, $"Until: lossChangeWindow must be ≥ 1 (the number of iterations, or epochs, the loss change is measured over); got {lossChangeWindow}.");
        }

        if (wallTime is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(wallTime), wallTime, $"Until: wallTime must be positive; got {t}.");
        }

        _gradientNorm = gradientNorm ?? _gradientNorm;
        _maxIterations = maxIterations ?? _maxIterations;
        _absoluteLossChange = absoluteLossChange ?? _absoluteLossChange;
        _relativeLossChange = relativeLossChange ?? _relativeLossChange;
        _lossChangeWindow = lossChangeWindow ?? _lossChangeWindow;
        _wallTime = wallTime ?? _wallTime;
        _predicate = stopWhen ?? _predicate;
        return Self;
    }

    /// <summary>Reports every <paramref name="every"/>-th iteration to <paramref name="progress"/>, and the last one.</summary>
    /// <param name="progress">
    /// Receives the iteration's <see cref="IterationInfo"/> on the thread that runs the minimization, before the next
    /// iteration starts (so cancelling a token from it stops the run at once). Note that <see cref="Progress{T}"/>
    /// posts to a synchronization context or the thread pool, so its handler runs later and asynchronously.
    /// </param>
    /// <param name="every">Report iterations whose number is a multiple of this (≥ 1); the final iteration is always reported.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="every"/> is less than 1.</exception>
    public TSelf ReportProgress(IProgress<IterationInfo> progress, int every = 1)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        ThrowIfRan();
        _progress = progress;
        _progressEvery = every;
        return Self;
    }

    /// <summary>Calls <paramref name="schedule"/> after every optimizer step (as PyTorch's <c>scheduler.step()</c> follows <c>optimizer.step()</c>).</summary>
    /// <param name="schedule">
    /// Updates the learning rates, e.g. <c>c =&gt; c.Optimizer.ParameterGroups[0].LearningRate *= 0.99</c>; it receives
    /// the optimizer, the iteration and the step's loss (the metric of a reduce-on-plateau schedule). History rows
    /// show the rate each step used, before the hook changed it.
    /// </param>
    /// <returns>This builder.</returns>
    public TSelf WithSchedule(Action<ScheduleContext> schedule) => SetSchedule(schedule, ScheduleInterval.Iteration);

    /// <summary>
    /// Uses a learning-rate schedule, built over the run's optimizer when the run starts and stepped after every
    /// optimizer step (with the step's loss as the metric of a <see cref="ReduceLROnPlateau"/>).
    /// </summary>
    /// <param name="create">Builds the schedule over the optimizer it receives, e.g. <c>o =&gt; new CosineAnnealingLR(o, 500)</c>.</param>
    /// <returns>This builder.</returns>
    public TSelf WithSchedule(Func<Optimizer, LearningRateSchedule> create) => SetScheduleFactory(create, ScheduleInterval.Iteration);

    /// <summary>Whether to keep a row per iteration in <see cref="MinimizationResult{T}.History"/> (on by default).</summary>
    /// <param name="keep">False to keep none (the epoch history of a run over data is kept regardless).</param>
    /// <returns>This builder.</returns>
    public TSelf KeepHistory(bool keep = true)
    {
        ThrowIfRan();
        _keepHistory = keep;
        return Self;
    }

    /// <summary>Runs the minimization until a stopping rule fires. A builder runs once.</summary>
    /// <param name="cancellationToken">
    /// Checked before each iteration; when cancelled, the run stops with <see cref="StopReason.Cancelled"/> and returns
    /// the point reached (it does not throw).
    /// </param>
    /// <returns>The point reached, its loss, the history and why the run stopped.</returns>
    /// <exception cref="InvalidOperationException">
    /// The builder already ran; the optimizer already has parameters that do not include the problem's; or the loss is
    /// not a scalar or does not depend on the parameters.
    /// </exception>
    public MinimizationResult<T> Run(CancellationToken cancellationToken = default)
    {
        ThrowIfRan();
        _ran = true;
        var started = Stopwatch.GetTimestamp();
        var optimizer = _optimizer ?? DefaultOptimizer.Create(_parameters, stochastic: IterationsPerEpoch > 0);
        Attach(optimizer);
        using var lbfgsSettings = LBFGSRunScope.Enter(optimizer, _gradientNorm, _parameters.Sum(p => p.Length), deterministic: IterationsPerEpoch == 0);
        var scheduleHook = _schedule;
        if (_scheduleFactory is not null)
        {
            // Built now, before the first step: a schedule's constructor sets the groups' starting rates (PyTorch's too).
            var schedule = _scheduleFactory(optimizer) ?? throw new InvalidOperationException("WithSchedule: the factory returned null.");
            if (!ReferenceEquals(schedule.Optimizer, optimizer))
            {
                throw new InvalidOperationException("WithSchedule: the factory must build the schedule over the optimizer it is given.");
            }

            scheduleHook = c =>
            {
                if (schedule.UsesMetric)
                {
                    schedule.Step(c.Loss);
                }
                else
                {
                    schedule.Step();
                }
            };
        }

        var parameters = _parameters;
        var snapshot = new ParameterSnapshot(parameters);
        var history = new List<IterationInfo>();
        var epochHistory = new List<EpochInfo>();
        var window = new LossWindow(_lossChangeWindow ?? 1);
        var maxIterations = _maxIterations ?? DefaultMaxIterations;
        var perEpoch = IterationsPerEpoch;
        var maxEpochs = MaxEpochs ?? (perEpoch > 0 && _maxIterations is null ? 1 : null);
        var needInfo = _keepHistory || _progress is not null || _predicate is not null;

        // The closure the optimizer calls: it records the first evaluation of each step.
        var stepEvaluations = 0;
        var firstLoss = double.NaN;
        var firstGradientNorm = double.NaN;
        var evaluations = 0;
        double Closure()
        {
            // Record even when the optimizer calls this from inside a no-grad scope (as PyTorch's L-BFGS does).
            using var recording = GradMode.Set(enabled: true);

            // Each evaluation is a step scope: its intermediates come from the thread's pool and end with it (the
            // driver keeps only the loss value and the parameters' gradients, which outlive the scope).
            using var scope = Variable.StepScope();
            optimizer.ZeroGrad();
            var loss = Loss();
            CheckLoss(loss);
            loss.Backward();
            var value = double.CreateTruncating(loss.Data[0]);
            if (stepEvaluations++ == 0)
            {
                firstLoss = value;
                firstGradientNorm = GlobalGradientNorm(parameters);
            }

            evaluations++;
            return value;
        }

        Func<double> closure = Closure;
        StopReason? reason = null;
        var detail = "";
        var iteration = 0;
        var epochsDone = 0;
        var epochLossSum = 0.0;
        IterationInfo? last = null;
        var lastReported = false;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                reason = StopReason.Cancelled;
                detail = $"cancelled after {iteration} iteration{(iteration == 1 ? "" : "s")}";
                Report(last, final: true);
                break;
            }

            var epoch = perEpoch > 0 ? iteration / perEpoch : 0;
            var position = perEpoch > 0 ? iteration % perEpoch : 0;
            BeginIteration(epoch, position);
            iteration++;
            snapshot.Capture();
            stepEvaluations = 0;
            var report = optimizer.Step(closure);
            if (optimizer is LBFGS { LastStepReusedEvaluation: true } && report.Loss is { } reusedLoss)
            {
                // L-BFGS started where its previous step ended and took the loss and gradient evaluated there then; the
                // closure calls of this step, if any, were trial points of its line search.
                firstLoss = reusedLoss;
                firstGradientNorm = report.GradientNorm;
            }
            else if (stepEvaluations == 0)
            {
                throw new InvalidOperationException($"Minimize: {optimizer.Name}.Step did not call the closure it was given, so the driver cannot see the loss; an optimizer used with Minimize must evaluate the closure at least once per step.");
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var epochNumber = perEpoch > 0 ? epoch + 1 : 0;
            last = needInfo
                ? new IterationInfo(iteration, epochNumber, firstLoss, firstGradientNorm, report.UpdateNorm, report.LearningRates, elapsed, stepEvaluations, report.Skipped)
                : null;
            if (last is not null && _keepHistory)
            {
                history.Add(last);
            }

            lastReported = false;
            if (!double.IsFinite(firstLoss))
            {
                reason = StopReason.Diverged;
                detail = snapshot.HasLastFinite
                    ? Invariant($"{LossName} was {firstLoss} at iteration {iteration}; the parameters were restored to the last point with a finite loss (where iteration {iteration - 1} started)")
                    : Invariant($"{LossName} was {firstLoss} at the starting point");
                snapshot.RestoreLastFinite();
                Report(last, final: true);
                break;
            }

            snapshot.CommitFinite();
            var epochEnd = perEpoch > 0 && position == perEpoch - 1;
            var epochMean = double.NaN;
            if (perEpoch > 0)
            {
                epochLossSum += firstLoss;
                if (epochEnd)
                {
                    epochMean = epochLossSum / perEpoch;
                    epochLossSum = 0;
                    epochsDone++;
                    epochHistory.Add(new EpochInfo(epochNumber, iteration, epochMean, elapsed, report.LearningRates));
                    window.Add(epochMean);
                }
            }
            else
            {
                window.Add(firstLoss);
            }

            if (scheduleHook is not null)
            {
                if (_scheduleInterval == ScheduleInterval.Iteration || perEpoch == 0)
                {
                    scheduleHook(new ScheduleContext(optimizer, iteration, epochNumber, firstLoss));
                }
                else if (epochEnd)
                {
                    scheduleHook(new ScheduleContext(optimizer, iteration, epochNumber, epochMean));
                }
            }

            var windowChecked = perEpoch == 0 || epochEnd;
            var unit = perEpoch > 0 ? "epoch" : "iteration";
            if (_gradientNorm is { } g && firstGradientNorm <= g)
            {
                reason = StopReason.GradientNorm;
                detail = Invariant($"gradient norm {firstGradientNorm:G3} ≤ {g:G3} at iteration {iteration}");
            }
            else if (_absoluteLossChange is { } a && windowChecked && window.Spread() is { } spread && spread <= a)
            {
                reason = StopReason.AbsoluteLossChange;
                detail = Invariant($"the {(perEpoch > 0 ? "epoch mean " : "")}loss changed by {spread:G3} ≤ {a:G3} over the last {window.Size} {unit}{(window.Size == 1 ? "" : "s")} (to iteration {iteration})");
            }
            else if (_relativeLossChange is { } r && windowChecked && window.Spread() is { } rspread && rspread <= r * window.MaxAbs())
            {
                reason = StopReason.RelativeLossChange;
                var relative = rspread == 0 ? 0 : rspread / window.MaxAbs();
                detail = Invariant($"the {(perEpoch > 0 ? "epoch mean " : "")}loss changed by {relative:G3} relative ≤ {r:G3} over the last {window.Size} {unit}{(window.Size == 1 ? "" : "s")} (to iteration {iteration})");
            }
            else if (_predicate is not null && _predicate(last!))
            {
                reason = StopReason.Predicate;
                detail = Invariant($"the stopping predicate returned true at iteration {iteration}");
            }
            else if (iteration >= maxIterations)
            {
                reason = StopReason.MaxIterations;
                detail = Invariant($"reached the iteration limit ({maxIterations})");
            }
            else if (epochEnd && epochNumber >= maxEpochs)
            {
                reason = StopReason.MaxEpochs;
                detail = Invariant($"completed {epochNumber} epoch{(epochNumber == 1 ? "" : "s")} (the limit)");
            }
            else if (_wallTime is { } w && elapsed >= w)
            {
                reason = StopReason.WallTime;
                detail = Invariant($"wall time {elapsed.TotalSeconds:G4} s reached the limit of {w.TotalSeconds:G4} s at iteration {iteration}");
            }
            else if (perEpoch == 0 && report.UpdateNorm == 0)
            {
                // A deterministic objective: the next step would do exactly the same, whether this one moved nothing or
                // was skipped (L-BFGS after a failed line search, a skipped non-finite gradient). Over data, a batch may
                // simply have a zero gradient, so data runs go on.
                reason = StopReason.Stalled;
                var why = optimizer is LBFGS lbfgs && lbfgs.LastStepInfo is { } info ? Invariant($" (L-BFGS: {info.StopReason})") : "";
                var skip = report.Skipped && report.SkipReason is { } skipReason ? ". " + skipReason : "";
                detail = Invariant($"{optimizer.Name} left every parameter unchanged at iteration {iteration}{why}, with gradient norm {firstGradientNorm:G3}; the run's stopping rules were not met there{skip}");
            }

            if (reason is not null)
            {
                Report(last, final: true);
                break;
            }

            Report(last, final: false);
        }

        var value = EvaluateFinal();
        if (!double.IsFinite(value) && reason != StopReason.Diverged && iteration > 0)
        {
            // The last step produced a point whose loss is not finite: undo it.
            detail = Invariant($"{LossName} was {value} at the point the last step (iteration {iteration}) reached; that step was undone, restoring the point where it started (the run had otherwise stopped because: {detail})");
            reason = StopReason.Diverged;
            snapshot.RestoreLastFinite();
            value = EvaluateFinal();
            if (!lastReported)
            {
                Report(last, final: true);
            }
        }

        return new MinimizationResult<T>(
            Concatenate(parameters),
            value,
            iteration,
            epochsDone,
            evaluations,
            reason!.Value,
            detail,
            history,
            epochHistory,
            Stopwatch.GetElapsedTime(started),
            optimizer);

        void Report(IterationInfo? info, bool final)
        {
            if (_progress is not null && info is not null && !lastReported && (final || info.Iteration % _progressEvery == 0))
            {
                _progress.Report(info);
                lastReported = true;
            }
        }
    }

    private protected TSelf SetScheduleFactory(Func<Optimizer, LearningRateSchedule> create, ScheduleInterval interval)
    {
        ArgumentNullException.ThrowIfNull(create);
        SetSchedule(static _ => { }, interval);
        _scheduleFactory = create;
        return Self;
    }

    private protected TSelf SetSchedule(Action<ScheduleContext> schedule, ScheduleInterval interval)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!Enum.IsDefined(interval))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "WithSchedule: the interval must be ScheduleInterval.Iteration or ScheduleInterval.Epoch.");
        }

        ThrowIfRan();
        _schedule = schedule;
        _scheduleFactory = null;
        _scheduleInterval = interval;
        return Self;
    }

    private protected void ThrowIfRan()
    {
        if (_ran)
        {
            throw new InvalidOperationException("Minimize: this run was already started; a builder runs once. Start a new one with Minimize.Function, Minimize.Parameters or Minimize.OverData.");
        }
    }

    private double EvaluateFinal()
    {
        using (Variable.StepScope())
        using (Variable.NoGrad())
        {
            var loss = FinalLoss();
            CheckLoss(loss);
            return double.CreateTruncating(loss.Data[0]);
        }
    }

    private void CheckLoss(Variable<T> loss)
    {
        if (loss is null)
        {
            throw new InvalidOperationException($"Minimize: {LossName} returned null; it must return a scalar Variable computed from the parameters.");
        }

        if (loss.Length != 1)
        {
            throw new InvalidOperationException($"Minimize: {LossName} returned a variable of shape {loss.Shape} ({loss.Length} elements); it must return a scalar. Reduce it with Sum() or Mean().");
        }

        if (GradMode.IsEnabled && !loss.RequiresGrad)
        {
            throw new InvalidOperationException($"Minimize: {LossName} does not depend on the parameters (its value does not require gradients). Compute it from the parameters the driver minimizes over, not from constants, Detach()ed values or inside Variable.NoGrad().");
        }
    }

    private void Attach(Optimizer optimizer)
    {
        if (optimizer.ParameterGroups.Count == 0)
        {
            optimizer.AddParameterGroup(_parameters);
            return;
        }

        var owned = new HashSet<IVariable>(optimizer.Parameters, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < _parameters.Count; i++)
        {
            if (!owned.Contains(_parameters[i]))
            {
                throw new InvalidOperationException(
                    $"Minimize: the {optimizer.Name} optimizer already has parameters, and parameter {i} of the problem (shape {_parameters[i].Shape}) is not among them. Create the optimizer without parameters (e.g. new SGD(learningRate: 0.01)) and the driver adds the problem's, or create it over every parameter of the problem.");
            }
        }
    }

    private static double GlobalGradientNorm(IReadOnlyList<IVariable> parameters)
    {
        var sum = 0.0;
        for (var i = 0; i < parameters.Count; i++)
        {
            sum += parameters[i] switch
            {
                Variable<double> d => SumOfSquares(d.CurrentGrad),
                Variable<float> f => SumOfSquares(f.CurrentGrad),
                _ => 0,
            };
        }

        return Math.Sqrt(sum);
    }

    private static double SumOfSquares<TElement>(Variable<TElement>? grad)
        where TElement : IFloatingPointIeee754<TElement>
    {
        if (grad is null)
        {
            return 0;
        }

        var sum = 0.0;
        foreach (var v in grad.Values)
        {
            var d = double.CreateTruncating(v);
            sum += d * d;
        }

        return sum;
    }

    private static T[] Concatenate(IReadOnlyList<IVariable> parameters)
    {
        var result = new T[parameters.Sum(p => p.Length)];
        var offset = 0;
        foreach (var p in parameters)
        {
            switch (p)
            {
                case Variable<T> same:
                    same.Values.CopyTo(result.AsSpan(offset));
                    break;
                case Variable<double> d:
                    for (var i = 0; i < d.Length; i++)
                    {
                        result[offset + i] = T.CreateTruncating(d.Data[i]);
                    }

                    break;
                case Variable<float> f:
                    for (var i = 0; i < f.Length; i++)
                    {
                        result[offset + i] = T.CreateTruncating(f.Data[i]);
                    }

                    break;
            }

            offset += p.Length;
        }

        return result;
    }

    private static void RequireTolerance(double? value, string name)
    {
        if (value is { } v && !(v >= 0 && double.IsFinite(v)))
        {
            throw new ArgumentOutOfRangeException(name, value, $"Until: {name} must be a finite number ≥ 0; got {v.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
