using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace AutoGrad;

/// <summary>How <see cref="LBFGS"/> chooses how far to go along each search direction.</summary>
public enum LineSearch
{
    /// <summary>No line search: a fixed step of the learning rate (PyTorch's <c>line_search_fn=None</c>).</summary>
    None,

    /// <summary>
    /// A line search for a step satisfying the strong Wolfe conditions, bracketing and zooming with cubic
    /// interpolation (PyTorch's <c>line_search_fn="strong_wolfe"</c>).
    /// </summary>
    StrongWolfe,
}

/// <summary>Why an <see cref="LBFGS"/> step stopped.</summary>
public enum LBFGSStopReason
{
    /// <summary>The largest gradient component is at most <see cref="LBFGSOptions.GradientTolerance"/> (at the start of the step or after an iteration).</summary>
    GradientTolerance,

    /// <summary>The directional derivative g·d exceeds −<see cref="LBFGSOptions.ChangeTolerance"/>: the search direction no longer goes downhill.</summary>
    DirectionalDerivativeTolerance,

    /// <summary>The last iteration moved no parameter by more than <see cref="LBFGSOptions.ChangeTolerance"/>.</summary>
    ParameterChangeTolerance,

    /// <summary>The last iteration changed the loss by less than <see cref="LBFGSOptions.ChangeTolerance"/>.</summary>
    LossChangeTolerance,

    /// <summary>The step ran <see cref="LBFGSOptions.MaxIterations"/> iterations.</summary>
    MaxIterations,

    /// <summary>The step evaluated the closure at least <see cref="LBFGSOptions.MaxEvaluations"/> times.</summary>
    MaxEvaluations,

    /// <summary>The strong-Wolfe line search found no point with a lower loss; the step stopped at its best point.</summary>
    LineSearchFailed,

    /// <summary>An evaluation gave a non-finite loss or gradient (or the line search a non-finite step length); the step stopped at its best point.</summary>
    NonFinite,
}

/// <summary>What the last <see cref="LBFGS"/> step did.</summary>
/// <param name="Iterations">Inner iterations (search directions tried) in this step.</param>
/// <param name="FunctionEvaluations">Closure evaluations in this step, the first one included (unless the step reused the previous step's last evaluation, which only a <see cref="Minimize"/> run over a deterministic loss does).</param>
/// <param name="StopReason">Why the step stopped.</param>
/// <param name="Problem">What went wrong, for <see cref="LBFGSStopReason.NonFinite"/> and <see cref="LBFGSStopReason.LineSearchFailed"/>; otherwise null.</param>
/// <param name="TotalIterations">Inner iterations over all steps (PyTorch's <c>state["n_iter"]</c>).</param>
/// <param name="TotalFunctionEvaluations">Closure evaluations over all steps (PyTorch's <c>state["func_evals"]</c>, less the evaluations reused in a <see cref="Minimize"/> run).</param>
public sealed record LBFGSStepInfo(
    int Iterations,
    int FunctionEvaluations,
    LBFGSStopReason StopReason,
    string? Problem,
    long TotalIterations,
    long TotalFunctionEvaluations);

/// <summary>Hyperparameters of <see cref="LBFGS"/> (PyTorch's defaults).</summary>
public sealed record LBFGSOptions : OptimizerOptions
{
    /// <summary>Creates the defaults: learning rate 1.</summary>
    public LBFGSOptions() => LearningRate = 1;

    /// <summary>The most inner iterations per <see cref="LBFGS.Step"/> (PyTorch's <c>max_iter</c>, default 20).</summary>
    public int MaxIterations { get; set; } = 20;

    /// <summary>
    /// The most closure evaluations per step (PyTorch's <c>max_eval</c>); null (the default) means
    /// <see cref="MaxIterations"/>·5/4, rounded down, evaluated when the step runs.
    /// </summary>
    public int? MaxEvaluations { get; set; }

    /// <summary>Stop when the largest gradient component is at most this (PyTorch's <c>tolerance_grad</c>, default 1e-7).</summary>
    public double GradientTolerance { get; set; } = 1e-7;

    /// <summary>Stop when the loss, the parameters or the directional derivative change by less than this (PyTorch's <c>tolerance_change</c>, default 1e-9).</summary>
    public double ChangeTolerance { get; set; } = 1e-9;

    /// <summary>How many curvature pairs (s, y) the inverse-Hessian approximation remembers (PyTorch's <c>history_size</c>, default 100).</summary>
    public int HistorySize { get; set; } = 100;

    /// <summary>The line search (PyTorch's <c>line_search_fn</c>; default none: a fixed step of the learning rate).</summary>
    public LineSearch LineSearch { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        RequirePositive(LearningRate, nameof(LearningRate));
        RequireAtLeastOne(MaxIterations, nameof(MaxIterations));
        if (MaxEvaluations is { } maxEvaluations)
        {
            RequireAtLeastOne(maxEvaluations, nameof(MaxEvaluations));
        }

        RequireNonNegative(GradientTolerance, nameof(GradientTolerance));
        RequireNonNegative(ChangeTolerance, nameof(ChangeTolerance));
        RequireAtLeastOne(HistorySize, nameof(HistorySize));
        if (!Enum.IsDefined(LineSearch))
        {
            throw new ArgumentOutOfRangeException(nameof(LineSearch), LineSearch, $"LineSearch must be LineSearch.None or LineSearch.StrongWolfe; got {(int)LineSearch}.");
        }
    }

    /// <summary><see cref="MaxEvaluations"/>, or its default <see cref="MaxIterations"/>·5/4.</summary>
    internal int EffectiveMaxEvaluations => MaxEvaluations ?? (int)Math.Min(int.MaxValue, (long)MaxIterations * 5 / 4);

    private static void RequireAtLeastOne(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be an integer ≥ 1; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}

/// <summary>
/// Limited-memory BFGS: a quasi-Newton method that builds an inverse-Hessian approximation from the last few steps and
/// gradients, optionally with a strong-Wolfe line search. Each <see cref="Step"/> runs up to
/// <see cref="LBFGSOptions.MaxIterations"/> iterations and so needs a closure that re-evaluates the loss.
/// </summary>
/// <remarks>
/// <para>
/// PyTorch's <c>torch.optim.LBFGS</c> (1.13), decision for decision, on all parameters flattened into one vector x
/// with gradient g. One group only, as in PyTorch. Per step: evaluate the closure; stop if max|g| ≤ tol_grad. Then,
/// for k = 1 … max_iter (k counting this step's iterations, n counting all iterations ever):
/// <code>
/// n = 1:  d ← −g;  history ← ∅;  H ← 1
/// n &gt; 1: y ← g − g_prev;  s ← t·d;  if y·s &gt; 1e-10: push (s, y, ρ = 1/(y·s)) (dropping the oldest beyond
///         history_size);  H ← (y·s)/(y·y)
///         q ← −g;  for i newest → oldest: αᵢ ← ρᵢ·(sᵢ·q);  q ← q − αᵢ·yᵢ
///         d ← H·q;  for i oldest → newest: βᵢ ← ρᵢ·(yᵢ·d);  d ← d + (αᵢ − βᵢ)·sᵢ
/// g_prev ← g;  loss_prev ← loss
/// t ← min(1, 1/Σ|g|)·lr when n = 1, else lr
/// stop if g·d &gt; −tol_change
/// strong Wolfe: (loss, g, t) ← line search from t along d (c₁ = 1e-4, c₂ = 0.9, bracket tolerance 1e-9, at most
///               25 evaluations);  x ← x + t·d
/// fixed step:   x ← x + t·d;  unless k = max_iter, re-evaluate loss and g
/// stop if k = max_iter, evaluations ≥ max_eval, max|g| ≤ tol_grad, max|t·d| ≤ tol_change, or |loss − loss_prev| &lt; tol_change
/// </code>
/// The history, d, t, H, g_prev, loss_prev and the counters persist from step to step and are saved by
/// <see cref="Optimizer.SaveState"/>. The arithmetic follows PyTorch's order (axpy updates fused, as PyTorch's CPU
/// kernels fuse them; dot products summed in order), so double-precision trajectories agree with PyTorch's.
/// </para>
/// <para>
/// Robustness, beyond PyTorch (which would carry NaN on): when an evaluation gives a non-finite loss or gradient,
/// when the line search's interpolation gives a non-finite step length, or when the line search ends without a
/// point lower than where it started, the step stops at the lowest point it evaluated (parameters, and gradients
/// set to that point's gradient) and reports why in <see cref="LastStepInfo"/> and in
/// <see cref="StepReport.SkipReason"/>. <see cref="StepReport.Skipped"/> is true only when the parameters end where
/// the step began. When the first evaluation of a step is already non-finite (a fixed step at the end of the previous
/// step, which PyTorch does not evaluate, left the region where the loss is finite), the parameters go back to the
/// previous step's lowest point. The next step then forms no curvature pair from the failed move. In the cases
/// PyTorch handles without NaN, trajectories are PyTorch's; <see cref="Optimizer.SkipNonFiniteGradients"/> does not
/// apply (L-BFGS always guards).
/// </para>
/// <para>
/// Inside a <see cref="Minimize"/> run the optimizer is adapted for the length of the run (see
/// <see cref="MinimizationBuilder{TSelf, T}.With"/>): over a deterministic loss each step is one iteration that starts
/// from the previous step's last evaluation, and the curvature and line-search thresholds are relative to the problem's
/// scale, so trajectories there are not PyTorch's. Outside a run, and after it, everything above holds.
/// </para>
/// <para>
/// Parameters may be <see cref="double"/> or <see cref="float"/>: the algorithm works in double throughout, and
/// each point is rounded to the parameters' type when it is written into them. As in PyTorch, after a normal step the
/// parameters' gradients are those of the last closure evaluation (with the line search, possibly a trial point
/// other than the one accepted; with fixed steps, the point before the last step).
/// </para>
/// </remarks>
public sealed class LBFGS : Optimizer<LBFGSOptions>
{
    /// <summary>PyTorch's threshold on y·s below which a curvature pair is not stored.</summary>
    private const double CurvatureThreshold = 1e-10;

    /// <summary>PyTorch's bracket tolerance of the strong-Wolfe line search (its <c>tolerance_change</c> default, which the optimizer does not pass on).</summary>
    private const double LineSearchTolerance = 1e-9;

    private readonly StrongWolfeLineSearch _lineSearch = new();
    private readonly StrongWolfeLineSearch.Evaluation _trial;
    private readonly List<double[]> _oldDirs = [];
    private readonly List<double[]> _oldSteps = [];
    private readonly List<double> _ro = [];
    private readonly List<double[]> _spare = [];

    // Algorithm-wide state: PyTorch keeps it as the state of the first parameter.
    private long _totalIterations;
    private long _totalEvaluations;
    private double[]? _d;
    private double _t;
    private double _hDiag = 1;
    private double[]? _prevFlatGrad;
    private double _prevLoss;
    private double[]? _bestX;
    private double[]? _bestG;
    private double _bestLoss;

    // Work areas, reused from step to step.
    private int _n = -1;
    private double[] _flatGrad = [];
    private double[] _xStart = [];
    private double[] _xInit = [];
    private double[] _al = [];
    private Func<double>? _closure;
    private string? _trialProblem;

    // The parameters' machine epsilon (the float one when any parameter is a float), used when not PyTorchExact.
    private double _epsilon = double.BitIncrement(1.0) - 1.0;

    // The last point a step ended at whose loss and gradient are known (see ReuseLastEvaluation).
    private bool _reuseLastEvaluation;
    private bool _lastValid;
    private double[] _lastX = [];
    private double[] _lastG = [];
    private double _lastLoss;

    /// <summary>Creates L-BFGS; pass the parameters now or add their (single) group later.</summary>
    /// <param name="parameters">The parameters, or null.</param>
    /// <param name="learningRate">Step length scale lr &gt; 0 (default 1, PyTorch's).</param>
    /// <param name="maxIterations">Most inner iterations per step, ≥ 1 (default 20).</param>
    /// <param name="maxEvaluations">Most closure evaluations per step, ≥ 1; null for maxIterations·5/4.</param>
    /// <param name="gradientTolerance">Stop when max|g| ≤ this, ≥ 0 (default 1e-7).</param>
    /// <param name="changeTolerance">Stop when the loss, the parameters or the directional derivative change by less than this, ≥ 0 (default 1e-9).</param>
    /// <param name="historySize">Curvature pairs remembered, ≥ 1 (default 100).</param>
    /// <param name="lineSearch">The line search (default none: fixed steps).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public LBFGS(
        IEnumerable<IVariable>? parameters = null,
        double learningRate = 1,
        int maxIterations = 20,
        int? maxEvaluations = null,
        double gradientTolerance = 1e-7,
        double changeTolerance = 1e-9,
        int historySize = 100,
        LineSearch lineSearch = LineSearch.None)
        : base(parameters, new LBFGSOptions
        {
            LearningRate = learningRate,
            MaxIterations = maxIterations,
            MaxEvaluations = maxEvaluations,
            GradientTolerance = gradientTolerance,
            ChangeTolerance = changeTolerance,
            HistorySize = historySize,
            LineSearch = lineSearch,
        })
    {
        _trial = EvaluateTrial;
    }

    /// <inheritdoc/>
    public override string Name => "LBFGS";

    /// <summary>What the last step did: iterations, evaluations and why it stopped; null before the first step.</summary>
    public LBFGSStepInfo? LastStepInfo { get; private set; }

    /// <summary>
    /// Whether a step that starts where the previous step ended, at a point whose loss and gradient that step already
    /// evaluated (the point its line search accepted), takes them from there instead of calling the closure again.
    /// Off by default, as in PyTorch, whose closure may change from step to step (a new batch); a <see cref="Minimize"/>
    /// run over a deterministic loss turns it on for its length, which saves one evaluation per iteration with the
    /// line search. Only the closure calls change: the step's evaluation budget (<see cref="LBFGSOptions.MaxEvaluations"/>)
    /// counts the reused evaluation, so every decision, and so the trajectory, is the same as without it;
    /// <see cref="LBFGSStepInfo.FunctionEvaluations"/> counts the calls made. The remembered point is used only when the
    /// parameters still hold it, bit for bit. Setting this property forgets the remembered point.
    /// </summary>
    internal bool ReuseLastEvaluation
    {
        get => _reuseLastEvaluation;
        set
        {
            _reuseLastEvaluation = value;
            _lastValid = false;
        }
    }

    /// <summary>
    /// Whether the step follows PyTorch exactly (the default): its thresholds and its arithmetic, so that trajectories
    /// agree with PyTorch's to the last bits. A <see cref="Minimize"/> run turns it off for its length, which
    /// <list type="bullet">
    /// <item>replaces the two absolute thresholds PyTorch inherits from minFunc by scale-free ones: a curvature pair is
    /// stored when y·s &gt; ε·‖y‖·‖s‖ (rather than y·s &gt; 1e-10), and the line search stops narrowing its bracket
    /// when the step's change across it, |Δt|·max|d|, is below ε·max|x| (rather than 1e-9), ε being the parameters'
    /// machine epsilon (2⁻⁵² for double; 2⁻²³ when any parameter is a float);</item>
    /// <item>computes the dot products of the two-loop recursion with SIMD (a different summation order), which is most
    /// of an iteration's own cost: 4·n·m operations for m stored pairs.</item>
    /// </list>
    /// </summary>
    /// <remarks>
    /// Near a minimum, y·s shrinks with the square of the step: on Rosenbrock in 100 dimensions it falls below 1e-10 once
    /// the loss is about 1e-12, after which PyTorch stores no more pairs, its steps lose their scaling, the unit step
    /// stops being accepted, and the line search, whose bracket times max|d| (about 1e-9 there) is already under 1e-9,
    /// gives up without a lower point: a run stalls at a gradient norm of about 4e-7. For a problem whose parameters
    /// are small (of the order of 1e-10) the line search gives up at its first iteration.
    /// </remarks>
    internal bool PyTorchExact { get; set; } = true;

    /// <summary>Whether the last step took its first point's loss and gradient from the previous step (see <see cref="ReuseLastEvaluation"/>).</summary>
    internal bool LastStepReusedEvaluation { get; private set; }

    private IReadOnlyList<IVariable> Params => ParameterGroups[0].Parameters;

    /// <summary>Adds the group of parameters; L-BFGS works on one group only, as in PyTorch.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="options">The hyperparameters, or null for the defaults.</param>
    /// <returns>The group.</returns>
    /// <exception cref="InvalidOperationException">The optimizer already has its group.</exception>
    public override ParameterGroup AddParameterGroup(IEnumerable<IVariable> parameters, OptimizerOptions? options = null)
    {
        if (ParameterGroups.Count > 0)
        {
            throw new InvalidOperationException($"{Name} supports a single parameter group (as PyTorch's L-BFGS): it works on all parameters flattened into one vector. Put every parameter in one group, or use one L-BFGS per group.");
        }

        return base.AddParameterGroup(parameters, options);
    }

    /// <summary>Runs up to <see cref="LBFGSOptions.MaxIterations"/> L-BFGS iterations.</summary>
    /// <param name="closure">
    /// Required: zeroes the gradients, computes the loss, calls <c>Backward()</c> and returns the loss. It is called
    /// with recording on, at the current point and at every trial point.
    /// </param>
    /// <returns>The report; its loss is the first evaluation's (PyTorch returns it too). See <see cref="LastStepInfo"/> for the details.</returns>
    /// <exception cref="ArgumentException">No closure was given.</exception>
    /// <exception cref="InvalidOperationException">The optimizer has no parameters.</exception>
    public override StepReport Step(Func<double>? closure = null)
    {
        if (closure is null)
        {
            throw new ArgumentException($"{Name}.Step needs a closure that re-evaluates the model, since L-BFGS evaluates several points per step: opt.Step(() => {{ opt.ZeroGrad(); var loss = Loss(); loss.Backward(); return loss.ToScalar(); }}).", nameof(closure));
        }

        if (ParameterGroups.Count == 0)
        {
            throw new InvalidOperationException($"{Name} has no parameters: pass them to the constructor or to AddParameterGroup.");
        }

        var options = (LBFGSOptions)ParameterGroups[0].Options;
        options.Validate();
        EnsureBuffers();
        _closure = closure;
        try
        {
            return Run(options);
        }
        finally
        {
            _closure = null;
        }
    }

    /// <summary>Not used: L-BFGS updates all parameters together in <see cref="Step"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="options">Unused.</param>
    /// <param name="state">Unused.</param>
    /// <param name="value">Unused.</param>
    /// <param name="grad">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    protected override void Update<T>(LBFGSOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        throw new NotSupportedException($"{Name} updates all parameters together in Step(closure).");

    private StepReport Run(LBFGSOptions o)
    {
        var lr = o.LearningRate;
        var maxIter = o.MaxIterations;
        var maxEval = o.EffectiveMaxEvaluations;
        var tolGrad = o.GradientTolerance;
        var tolChange = o.ChangeTolerance;

        Gather(_xStart);
        var reused = _reuseLastEvaluation && _lastValid && MemoryMarshal.AsBytes(_xStart.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(_lastX.AsSpan()));
        _lastValid = false;
        LastStepReusedEvaluation = reused;
        double loss;
        if (reused)
        {
            loss = _lastLoss;
            _lastG.CopyTo(_flatGrad, 0);
        }
        else
        {
            loss = Evaluate(_flatGrad);
            _totalEvaluations++;
        }

        var origLoss = loss;
        var gradientNorm = Math.Sqrt(Dot(_flatGrad, _flatGrad));

        // The evaluation budget counts a reused first evaluation, so that reusing changes no decision, only the calls.
        var currentEvals = 1;
        var nIter = 0;
        var reason = LBFGSStopReason.MaxIterations;
        string? problem = null;

        // Whether loss and _flatGrad are those of the point the parameters hold (false after an unevaluated fixed step).
        var evaluatedHere = true;

        if (!IsFinite(loss, _flatGrad))
        {
            problem = $"{Name}: the closure gave {Describe(loss, _flatGrad)} at the point where the step began; ";
            if (_bestX is not null)
            {
                problem += $"the parameters went back to the previous step's lowest point (loss {Format(_bestLoss)}).";
                RestoreBest();
            }
            else
            {
                problem += "nothing was changed.";
            }

            return Finish(LBFGSStopReason.NonFinite, problem);
        }

        RecordBest(_xStart, _flatGrad, loss);
        if (MaxAbs(_flatGrad) <= tolGrad)
        {
            return Finish(LBFGSStopReason.GradientTolerance, null);
        }

        while (nIter < maxIter)
        {
            nIter++;
            _totalIterations++;
            ComputeDirection(o.HistorySize);
            _flatGrad.CopyTo(_prevFlatGrad!, 0);
            _prevLoss = loss;

            // PyTorch: min(1., 1. / |g|₁) * lr on the very first iteration, lr afterwards.
            _t = _totalIterations == 1 ? PyMin(1.0, 1.0 / SumAbs(_flatGrad)) * lr : lr;
            var gtd = Dot(_flatGrad, _d!);
            if (gtd > -tolChange)
            {
                reason = LBFGSStopReason.DirectionalDerivativeTolerance;
                break;
            }

            var optimal = false;
            int lsEvals;
            if (o.LineSearch == LineSearch.StrongWolfe)
            {
                Gather(_xInit);
                var bracketTolerance = PyTorchExact ? LineSearchTolerance : _epsilon * MaxAbs(_xInit);
                var search = _lineSearch.Search(_trial, _d!, _t, loss, _flatGrad, gtd, _flatGrad, toleranceChange: bracketTolerance);
                lsEvals = search.Evaluations;
                currentEvals += lsEvals;
                _totalEvaluations += lsEvals;
                if (search.Status is StrongWolfeLineSearch.Status.NonFiniteValue or StrongWolfeLineSearch.Status.NonFiniteStep)
                {
                    var what = search.Status == StrongWolfeLineSearch.Status.NonFiniteValue
                        ? $"the line search evaluated {_trialProblem}"
                        : $"the line search's interpolation gave the step length {Format(search.T)}";
                    reason = LBFGSStopReason.NonFinite;
                    problem = Fail($"{Name}: iteration {nIter} of the step: {what}");
                    break;
                }

                loss = search.Loss;
                _t = search.T;
                AddScaled(_t, _d!);
                if (!(loss < _prevLoss))
                {
                    reason = LBFGSStopReason.LineSearchFailed;
                    problem = Fail($"{Name}: iteration {nIter} of the step: the strong-Wolfe line search found no point lower than the loss {Format(_prevLoss)} along the search direction (it ended at t = {Format(_t)} after {lsEvals} evaluations)");
                    break;
                }

                optimal = MaxAbs(_flatGrad) <= tolGrad;
            }
            else
            {
                AddScaled(_t, _d!);
                lsEvals = 0;
                evaluatedHere = false;
                if (nIter != maxIter)
                {
                    // As PyTorch: the last iteration's point is not evaluated (the next step does that).
                    loss = Evaluate(_flatGrad);
                    lsEvals = 1;
                    currentEvals++;
                    _totalEvaluations++;
                    if (!IsFinite(loss, _flatGrad))
                    {
                        reason = LBFGSStopReason.NonFinite;
                        problem = Fail($"{Name}: iteration {nIter} of the step: the fixed step of length {Format(_t)} reached {Describe(loss, _flatGrad)} (use LineSearch.StrongWolfe or a smaller learning rate)");
                        break;
                    }

                    UpdateBest(loss, _flatGrad);
                    evaluatedHere = true;
                    optimal = MaxAbs(_flatGrad) <= tolGrad;
                }
            }

            if (nIter == maxIter)
            {
                reason = LBFGSStopReason.MaxIterations;
                break;
            }

            if (currentEvals >= maxEval)
            {
                reason = LBFGSStopReason.MaxEvaluations;
                break;
            }

            if (optimal)
            {
                reason = LBFGSStopReason.GradientTolerance;
                break;
            }

            if (MaxAbsScaled(_d!, _t) <= tolChange)
            {
                reason = LBFGSStopReason.ParameterChangeTolerance;
                break;
            }

            if (Math.Abs(loss - _prevLoss) < tolChange)
            {
                reason = LBFGSStopReason.LossChangeTolerance;
                break;
            }
        }

        return Finish(reason, problem);

        StepReport Finish(LBFGSStopReason stopReason, string? what)
        {
            if (_reuseLastEvaluation)
            {
                // After a failure the parameters hold the lowest point evaluated (when there was one).
                if (what is not null && _bestX is not null)
                {
                    RememberLast(_bestLoss, _bestG!);
                }
                else if (what is null && evaluatedHere)
                {
                    RememberLast(loss, _flatGrad);
                }
            }

            LastStepInfo = new LBFGSStepInfo(nIter, reused ? currentEvals - 1 : currentEvals, stopReason, what, _totalIterations, _totalEvaluations);
            var (updateNorm, moved) = Displacement();
            var skipped = what is not null && !moved;
            if (!skipped)
            {
                StepCount++;
            }

            return LastReport = new StepReport(StepCount, origLoss, gradientNorm, updateNorm, LearningRates, skipped, what);
        }
    }

    /// <summary>Remembers the parameters' current point, with its loss and gradient, for the next step to reuse.</summary>
    private void RememberLast(double loss, double[] gradient)
    {
        if (_lastX.Length != _n)
        {
            _lastX = new double[_n];
            _lastG = new double[_n];
        }

        Gather(_lastX);
        gradient.CopyTo(_lastG, 0);
        _lastLoss = loss;
        _lastValid = true;
    }

    /// <summary>The L-BFGS direction d from the gradient and the history (PyTorch's two-loop recursion, in its order; SIMD dot products when not <see cref="PyTorchExact"/>).</summary>
    private void ComputeDirection(int historySize)
    {
        var g = _flatGrad;
        var d = _d ??= new double[_n];
        _prevFlatGrad ??= new double[_n];
        if (_totalIterations == 1)
        {
            for (var i = 0; i < _n; i++)
            {
                d[i] = -g[i];
            }

            Recycle(0);
            _hDiag = 1;
            return;
        }

        var y = Spare();
        var s = Spare();
        for (var i = 0; i < _n; i++)
        {
            y[i] = g[i] - _prevFlatGrad[i];
            s[i] = d[i] * _t;
        }

        var ys = Dot(y, s);
        var yy = Dot(y, y);
        if (ys > (PyTorchExact ? CurvatureThreshold : _epsilon * Math.Sqrt(yy) * Math.Sqrt(Dot(s, s))))
        {
            // PyTorch drops the oldest pair when the history is exactly full; dropping down to size - 1 also
            // handles a history size lowered between steps.
            Recycle(historySize - 1);
            _oldDirs.Add(y);
            _oldSteps.Add(s);
            _ro.Add(1.0 / ys);
            _hDiag = ys / yy;
        }
        else
        {
            _spare.Add(y);
            _spare.Add(s);
        }

        var count = _oldDirs.Count;
        if (_al.Length < count)
        {
            _al = new double[Math.Max(count, historySize)];
        }

        for (var i = 0; i < _n; i++)
        {
            d[i] = -g[i];
        }

        var exact = PyTorchExact;
        for (var k = count - 1; k >= 0; k--)
        {
            _al[k] = (exact ? Dot(_oldSteps[k], d) : TensorPrimitives.Dot<double>(_oldSteps[k], d)) * _ro[k];
            AddScaled(d, -_al[k], _oldDirs[k]);
        }

        for (var i = 0; i < _n; i++)
        {
            d[i] *= _hDiag;
        }

        for (var k = 0; k < count; k++)
        {
            var be = (exact ? Dot(_oldDirs[k], d) : TensorPrimitives.Dot<double>(_oldDirs[k], d)) * _ro[k];
            AddScaled(d, _al[k] - be, _oldSteps[k]);
        }
    }

    /// <summary>Drops the oldest curvature pairs until at most <paramref name="keep"/> remain, keeping their buffers for reuse.</summary>
    private void Recycle(int keep)
    {
        while (_oldDirs.Count > Math.Max(keep, 0))
        {
            _spare.Add(_oldDirs[0]);
            _spare.Add(_oldSteps[0]);
            _oldDirs.RemoveAt(0);
            _oldSteps.RemoveAt(0);
            _ro.RemoveAt(0);
        }
    }

    private double[] Spare()
    {
        if (_spare.Count == 0)
        {
            return new double[_n];
        }

        var last = _spare[^1];
        _spare.RemoveAt(_spare.Count - 1);
        return last;
    }

    /// <summary>The line search's objective: the loss and gradient at x_init + t·d, leaving the parameters at x_init.</summary>
    private bool EvaluateTrial(double t, double[] gradient, out double loss)
    {
        SetTrial(_xInit, t, _d!);
        loss = Evaluate(gradient);
        var finite = IsFinite(loss, gradient);
        if (finite)
        {
            UpdateBest(loss, gradient);
        }
        else
        {
            _trialProblem = $"{Describe(loss, gradient)} at step length t = {Format(t)}";
        }

        Scatter(_xInit);
        return finite;
    }

    private double Evaluate(double[] gradient)
    {
        double loss;
        using (GradMode.Set(enabled: true))
        {
            loss = _closure!();
        }

        GatherGrad(gradient);
        return loss;
    }

    private void RecordBest(double[] x, double[] g, double loss)
    {
        _bestX ??= new double[_n];
        _bestG ??= new double[_n];
        x.CopyTo(_bestX, 0);
        g.CopyTo(_bestG, 0);
        _bestLoss = loss;
    }

    /// <summary>Remembers the current parameters as the lowest point when <paramref name="loss"/> is lower.</summary>
    private void UpdateBest(double loss, double[] gradient)
    {
        if (loss < _bestLoss)
        {
            Gather(_bestX!);
            gradient.CopyTo(_bestG!, 0);
            _bestLoss = loss;
        }
    }

    /// <summary>Stops a step at its lowest point: parameters and gradients there, and no curvature pair from this move.</summary>
    private string Fail(string what)
    {
        RestoreBest();
        return $"{what}; the step stopped at its lowest point (loss {Format(_bestLoss)}).";
    }

    private void RestoreBest()
    {
        Scatter(_bestX!);
        WriteGrad(_bestG!);
        if (_prevFlatGrad is not null)
        {
            // With t = 0, the next step's s = t·d is zero and y·s = 0 ≤ 1e-10: the pair is not stored.
            _bestG!.CopyTo(_prevFlatGrad, 0);
            _prevLoss = _bestLoss;
            _t = 0;
        }
    }

    private (double Norm, bool Moved) Displacement()
    {
        Gather(_xInit);
        var sum = 0.0;
        var moved = false;
        for (var i = 0; i < _n; i++)
        {
            var delta = _xInit[i] - _xStart[i];
            sum += delta * delta;
            moved |= _xInit[i] != _xStart[i];
        }

        return (Math.Sqrt(sum), moved);
    }

    private void EnsureBuffers()
    {
        var n = 0;
        var anyFloat = false;
        var parameters = Params;
        for (var k = 0; k < parameters.Count; k++)
        {
            n += parameters[k].Length;
            anyFloat |= parameters[k] is Variable<float>;
        }

        _epsilon = anyFloat ? float.BitIncrement(1f) - 1f : double.BitIncrement(1.0) - 1.0;
        if (n == _n)
        {
            return;
        }

        _n = n;
        _lastValid = false;
        _flatGrad = new double[n];
        _xStart = new double[n];
        _xInit = new double[n];
    }

    /// <summary>Copies the parameters into <paramref name="x"/>.</summary>
    private void Gather(double[] x)
    {
        var offset = 0;
        var parameters = Params;
        for (var k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            switch (p)
            {
                case Variable<double> v:
                    v.Values.CopyTo(x.AsSpan(offset));
                    break;
                case Variable<float> v:
                    Widen(v.Values, x.AsSpan(offset));
                    break;
            }

            offset += p.Length;
        }
    }

    /// <summary>Copies the gradients into <paramref name="g"/> (zeros for a parameter without one, as PyTorch).</summary>
    private void GatherGrad(double[] g)
    {
        var offset = 0;
        var parameters = Params;
        for (var k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            var target = g.AsSpan(offset, p.Length);
            switch (p)
            {
                case Variable<double> { Grad: { } grad }:
                    grad.Values.CopyTo(target);
                    break;
                case Variable<float> { Grad: { } grad }:
                    Widen(grad.Values, target);
                    break;
                default:
                    target.Clear();
                    break;
            }

            offset += p.Length;
        }
    }

    /// <summary>Writes <paramref name="x"/> into the parameters.</summary>
    private void Scatter(double[] x) => SetTrial(x, 0, null);

    /// <summary>Sets the parameters to x + t·d (fused, as PyTorch's <c>add_(d, alpha=t)</c>); x alone when d is null.</summary>
    private void SetTrial(double[] x, double t, double[]? d)
    {
        var offset = 0;
        var parameters = Params;
        for (var k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            switch (p)
            {
                case Variable<double> v:
                    Write(v.Data, x, t, d, offset);
                    break;
                case Variable<float> v:
                    Write(v.Data, x, t, d, offset);
                    break;
            }

            offset += p.Length;
        }
    }

    /// <summary>Moves the parameters by t·d in place (PyTorch's <c>_add_grad</c>).</summary>
    private void AddScaled(double t, double[] d)
    {
        var offset = 0;
        var parameters = Params;
        for (var k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            switch (p)
            {
                case Variable<double> v:
                    AddScaled(v.Data, t, d, offset);
                    break;
                case Variable<float> v:
                    AddScaled(v.Data, t, d, offset);
                    break;
            }

            offset += p.Length;
        }
    }

    /// <summary>Sets every parameter's gradient to its slice of <paramref name="g"/>.</summary>
    private void WriteGrad(double[] g)
    {
        var offset = 0;
        var parameters = Params;
        for (var k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k];
            switch (p)
            {
                case Variable<double> v:
                    WriteGrad(v, g, offset);
                    break;
                case Variable<float> v:
                    WriteGrad(v, g, offset);
                    break;
            }

            offset += p.Length;
        }
    }

    private static void Widen<T>(ReadOnlySpan<T> source, Span<double> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = double.CreateTruncating(source[i]);
        }
    }

    private static void Write<T>(T[] values, double[] x, double t, double[]? d, int offset)
        where T : IFloatingPointIeee754<T>
    {
        for (var i = 0; i < values.Length; i++)
        {
            var xi = x[offset + i];
            values[i] = T.CreateTruncating(d is null ? xi : Math.FusedMultiplyAdd(t, d[offset + i], xi));
        }
    }

    private static void AddScaled<T>(T[] values, double t, double[] d, int offset)
        where T : IFloatingPointIeee754<T>
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateTruncating(Math.FusedMultiplyAdd(t, d[offset + i], double.CreateTruncating(values[i])));
        }
    }

    private static void WriteGrad<T>(Variable<T> parameter, double[] g, int offset)
        where T : IFloatingPointIeee754<T>
    {
        var values = new T[parameter.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateTruncating(g[offset + i]);
        }

        parameter.ZeroGrad();
        parameter.AccumulateGrad(new Variable<T>(values, parameter.Shape, requiresGrad: false), createGraph: false);
    }

    /// <summary>y ← y + alpha·x, fused (PyTorch's <c>add_(x, alpha=alpha)</c>); each element is rounded once, so SIMD gives the same bits.</summary>
    private static void AddScaled(double[] y, double alpha, double[] x) => TensorPrimitives.FusedMultiplyAdd(x, alpha, y, y);

    /// <summary>Σ xᵢ·yᵢ in order, unfused (PyTorch's <c>dot</c> on this build).</summary>
    internal static double Dot(double[] x, double[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    private static double SumAbs(double[] x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += Math.Abs(v);
        }

        return sum;
    }

    /// <summary>max |xᵢ|, NaN when any is NaN (as torch's max).</summary>
    internal static double MaxAbs(double[] x) => MaxAbsScaled(x, 1);

    private static double MaxAbsScaled(double[] x, double scale)
    {
        var max = 0.0;
        foreach (var v in x)
        {
            var a = Math.Abs(v * scale);
            if (double.IsNaN(a))
            {
                return a;
            }

            max = Math.Max(max, a);
        }

        return max;
    }

    private static bool IsFinite(double loss, double[] g)
    {
        if (!double.IsFinite(loss))
        {
            return false;
        }

        foreach (var v in g)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(double loss, double[] g)
    {
        var finiteGradient = IsFinite(0, g);
        return double.IsFinite(loss)
            ? $"a non-finite gradient (loss {Format(loss)})"
            : $"the loss {Format(loss)}{(finiteGradient ? "" : " and a non-finite gradient")}";
    }

    /// <summary>Python's min(a, b): b only when b &lt; a.</summary>
    internal static double PyMin(double a, double b) => b < a ? b : a;

    /// <summary>Python's max(a, b): b only when b &gt; a.</summary>
    internal static double PyMax(double a, double b) => b > a ? b : a;

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    protected override JsonNode? SaveExtraState()
    {
        var history = new JsonArray();
        for (var k = 0; k < _oldDirs.Count; k++)
        {
            history.Add(new JsonObject
            {
                ["y"] = Encode(_oldDirs[k]),
                ["s"] = Encode(_oldSteps[k]),
                ["ro"] = Bits(_ro[k]),
            });
        }

        return new JsonObject
        {
            ["nIter"] = _totalIterations,
            ["funcEvals"] = _totalEvaluations,
            ["d"] = _d is null ? null : Encode(_d),
            ["t"] = Bits(_t),
            ["hDiag"] = Bits(_hDiag),
            ["prevFlatGrad"] = _prevFlatGrad is null ? null : Encode(_prevFlatGrad),
            ["prevLoss"] = Bits(_prevLoss),
            ["bestX"] = _bestX is null ? null : Encode(_bestX),
            ["bestG"] = _bestG is null ? null : Encode(_bestG),
            ["bestLoss"] = Bits(_bestLoss),
            ["history"] = history,
        };
    }

    /// <inheritdoc/>
    protected override void LoadExtraState(JsonNode? node)
    {
        if (node is null)
        {
            throw new InvalidDataException($"{Name}: the state has no L-BFGS history ('extra' is missing).");
        }

        var n = 0;
        foreach (var p in ParameterGroups.SelectMany(g => g.Parameters))
        {
            n += p.Length;
        }

        try
        {
            // Parse everything before changing anything.
            var dirs = new List<double[]>();
            var steps = new List<double[]>();
            var ro = new List<double>();
            foreach (var pair in node["history"]!.AsArray())
            {
                dirs.Add(Decode(pair!["y"], n, "y")!);
                steps.Add(Decode(pair["s"], n, "s")!);
                ro.Add(FromBits(pair["ro"]));
            }

            var totalIterations = (long)node["nIter"]!;
            var totalEvaluations = (long)node["funcEvals"]!;
            var d = Decode(node["d"], n, "d");
            var prev = Decode(node["prevFlatGrad"], n, "prevFlatGrad");
            var bestX = Decode(node["bestX"], n, "bestX");
            var bestG = Decode(node["bestG"], n, "bestG");
            if (totalIterations < 0 || totalEvaluations < 0 || (totalIterations > 0 && (d is null || prev is null)) || ((bestX is null) != (bestG is null)))
            {
                throw new InvalidDataException($"{Name}: the L-BFGS state is inconsistent (iterations {totalIterations}, evaluations {totalEvaluations}, direction {(d is null ? "missing" : "present")}, previous gradient {(prev is null ? "missing" : "present")}).");
            }

            var t = FromBits(node["t"]);
            var hDiag = FromBits(node["hDiag"]);
            var prevLoss = FromBits(node["prevLoss"]);
            var bestLoss = FromBits(node["bestLoss"]);

            _lastValid = false;
            _totalIterations = totalIterations;
            _totalEvaluations = totalEvaluations;
            _d = d;
            _t = t;
            _hDiag = hDiag;
            _prevFlatGrad = prev;
            _prevLoss = prevLoss;
            _bestX = bestX;
            _bestG = bestG;
            _bestLoss = bestLoss;
            _oldDirs.Clear();
            _oldSteps.Clear();
            _ro.Clear();
            _spare.Clear();
            _oldDirs.AddRange(dirs);
            _oldSteps.AddRange(steps);
            _ro.AddRange(ro);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{Name}: the L-BFGS state is malformed: {e.Message}", e);
        }
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static double FromBits(JsonNode? node) => BitConverter.Int64BitsToDouble((long)node!);

    private static string Encode(double[] values) => Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()));

    private double[]? Decode(JsonNode? node, int length, string what)
    {
        if (node is null)
        {
            return null;
        }

        var bytes = Convert.FromBase64String((string)node!);
        if (bytes.Length != length * sizeof(double))
        {
            throw new InvalidDataException($"{Name}: the L-BFGS vector '{what}' holds {bytes.Length / sizeof(double)} values; the parameters have {length}.");
        }

        return MemoryMarshal.Cast<byte, double>(bytes).ToArray();
    }
}

/// <summary>
/// PyTorch's strong-Wolfe line search (<c>torch.optim.lbfgs._strong_wolfe</c>, itself ported from Torch7's
/// <c>lswolfe.lua</c>): bracket a step length satisfying the strong Wolfe conditions, extrapolating by cubic
/// interpolation, then zoom into the bracket, again by cubic interpolation, moving a trial away from a bracket end
/// when progress is insufficient. Decisions and arithmetic follow PyTorch's order; the only addition is that a
/// non-finite evaluation or step length ends the search at once (PyTorch would go on with NaN).
/// </summary>
internal sealed class StrongWolfeLineSearch
{
    private double[] _gNew = [];
    private double[] _gPrev = [];
    private readonly double[][] _bracketG = [[], []];

    /// <summary>Evaluates the objective at step length <paramref name="t"/>, writing the gradient; false when the loss or gradient is not finite.</summary>
    internal delegate bool Evaluation(double t, double[] gradient, out double loss);

    /// <summary>How the search ended.</summary>
    internal enum Status
    {
        /// <summary>A step satisfying the strong Wolfe conditions was found.</summary>
        Satisfied,

        /// <summary>The bracket became too narrow or the evaluations ran out: the lowest point of the bracket.</summary>
        Unsatisfied,

        /// <summary>An evaluation was not finite.</summary>
        NonFiniteValue,

        /// <summary>The interpolation gave a non-finite step length.</summary>
        NonFiniteStep,
    }

    /// <summary>The outcome: the loss and step length of the point returned (its gradient is in the output buffer), and the evaluations used.</summary>
    internal readonly record struct Result(double Loss, double T, int Evaluations, Status Status);

    /// <summary>Searches along <paramref name="d"/> from the point with loss <paramref name="f"/> and gradient <paramref name="g"/>.</summary>
    /// <param name="evaluate">The objective along the line.</param>
    /// <param name="d">The search direction.</param>
    /// <param name="t">The first step length to try.</param>
    /// <param name="f">The loss at t = 0.</param>
    /// <param name="g">The gradient at t = 0 (read only; may be the same array as <paramref name="gradient"/>).</param>
    /// <param name="gtd">g·d.</param>
    /// <param name="gradient">Receives the gradient at the point returned (unchanged when the search is aborted).</param>
    /// <param name="c1">Sufficient-decrease constant.</param>
    /// <param name="c2">Curvature constant.</param>
    /// <param name="toleranceChange">Stop when the bracket, times max|d|, is narrower than this.</param>
    /// <param name="maxSteps">The most evaluations after the first.</param>
    /// <returns>The outcome.</returns>
    internal Result Search(Evaluation evaluate, double[] d, double t, double f, double[] g, double gtd, double[] gradient, double c1 = 1e-4, double c2 = 0.9, double toleranceChange = 1e-9, int maxSteps = 25)
    {
        var n = d.Length;
        if (_gNew.Length != n)
        {
            _gNew = new double[n];
            _gPrev = new double[n];
            _bracketG[0] = new double[n];
            _bracketG[1] = new double[n];
        }

        var dNorm = LBFGS.MaxAbs(d);
        var gNew = _gNew;
        var gPrev = _gPrev;
        var bg = _bracketG;
        try
        {
            if (!evaluate(t, gNew, out var fNew))
            {
                return new Result(double.NaN, t, 1, Status.NonFiniteValue);
            }

            var evaluations = 1;
            var gtdNew = LBFGS.Dot(gNew, d);

            double tPrev = 0, fPrev = f, gtdPrev = gtd;
            g.CopyTo(gPrev, 0);
            var done = false;
            var lsIter = 0;
            Span<double> bracket = stackalloc double[2];
            Span<double> bracketF = stackalloc double[2];
            Span<double> bracketGtd = stackalloc double[2];
            var length = 2;

            // Bracketing: find an interval containing a point that satisfies the conditions.
            while (lsIter < maxSteps)
            {
                if (fNew > (f + (c1 * t * gtd)) || (lsIter > 1 && fNew >= fPrev))
                {
                    Bracket(ref gPrev, ref gNew, bracket, bracketF, bracketGtd, tPrev, fPrev, gtdPrev, t, fNew, gtdNew);
                    break;
                }

                if (Math.Abs(gtdNew) <= -c2 * gtd)
                {
                    length = 1;
                    bracket[0] = t;
                    bracketF[0] = fNew;
                    (bg[0], gNew) = (gNew, bg[0]);
                    done = true;
                    break;
                }

                if (gtdNew >= 0)
                {
                    Bracket(ref gPrev, ref gNew, bracket, bracketF, bracketGtd, tPrev, fPrev, gtdPrev, t, fNew, gtdNew);
                    break;
                }

                // Extrapolate.
                var minStep = t + (0.01 * (t - tPrev));
                var maxStep = t * 10;
                var previous = t;
                t = CubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
                if (!double.IsFinite(t))
                {
                    return new Result(double.NaN, t, evaluations, Status.NonFiniteStep);
                }

                tPrev = previous;
                fPrev = fNew;
                (gPrev, gNew) = (gNew, gPrev);
                gtdPrev = gtdNew;
                if (!evaluate(t, gNew, out fNew))
                {
                    return new Result(double.NaN, t, evaluations + 1, Status.NonFiniteValue);
                }

                evaluations++;
                gtdNew = LBFGS.Dot(gNew, d);
                lsIter++;
            }

            if (lsIter == maxSteps)
            {
                // Out of evaluations while bracketing (PyTorch leaves the bracket's slopes unset: the zoom won't run).
                bracket[0] = 0;
                bracket[1] = t;
                bracketF[0] = f;
                bracketF[1] = fNew;
                g.CopyTo(bg[0], 0);
                (bg[1], gNew) = (gNew, bg[1]);
            }

            // Zoom: shrink the bracket until a point satisfies the conditions.
            var insufficientProgress = false;
            var (low, high) = bracketF[0] <= bracketF[length - 1] ? (0, 1) : (1, 0);
            while (!done && lsIter < maxSteps)
            {
                if (Math.Abs(bracket[1] - bracket[0]) * dNorm < toleranceChange)
                {
                    break;
                }

                t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);

                // A trial too close to a bracket end twice in a row, or outside the bracket, moves to 0.1 of the
                // bracket's width from the nearer end.
                var top = LBFGS.PyMax(bracket[0], bracket[1]);
                var bottom = LBFGS.PyMin(bracket[0], bracket[1]);
                var eps = 0.1 * (top - bottom);
                if (LBFGS.PyMin(top - t, t - bottom) < eps)
                {
                    if (insufficientProgress || t >= top || t <= bottom)
                    {
                        t = Math.Abs(t - top) < Math.Abs(t - bottom) ? top - eps : bottom + eps;
                        insufficientProgress = false;
                    }
                    else
                    {
                        insufficientProgress = true;
                    }
                }
                else
                {
                    insufficientProgress = false;
                }

                if (!double.IsFinite(t))
                {
                    return new Result(double.NaN, t, evaluations, Status.NonFiniteStep);
                }

                if (!evaluate(t, gNew, out fNew))
                {
                    return new Result(double.NaN, t, evaluations + 1, Status.NonFiniteValue);
                }

                evaluations++;
                gtdNew = LBFGS.Dot(gNew, d);
                lsIter++;

                if (fNew > (f + (c1 * t * gtd)) || fNew >= bracketF[low])
                {
                    // Not sufficiently lower, or not below the low end: the trial becomes the high end.
                    bracket[high] = t;
                    bracketF[high] = fNew;
                    (bg[high], gNew) = (gNew, bg[high]);
                    bracketGtd[high] = gtdNew;
                    (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
                }
                else
                {
                    if (Math.Abs(gtdNew) <= -c2 * gtd)
                    {
                        done = true;
                    }
                    else if (gtdNew * (bracket[high] - bracket[low]) >= 0)
                    {
                        // The old low end becomes the high end.
                        bracket[high] = bracket[low];
                        bracketF[high] = bracketF[low];
                        bg[low].CopyTo(bg[high], 0);
                        bracketGtd[high] = bracketGtd[low];
                    }

                    bracket[low] = t;
                    bracketF[low] = fNew;
                    (bg[low], gNew) = (gNew, bg[low]);
                    bracketGtd[low] = gtdNew;
                }
            }

            bg[low].CopyTo(gradient, 0);
            return new Result(bracketF[low], bracket[low], evaluations, done ? Status.Satisfied : Status.Unsatisfied);
        }
        finally
        {
            _gNew = gNew;
            _gPrev = gPrev;
        }
    }

    /// <summary>The bracket [t_prev, t] with its losses, gradients and slopes.</summary>
    private void Bracket(ref double[] gPrev, ref double[] gNew, Span<double> bracket, Span<double> bracketF, Span<double> bracketGtd, double tPrev, double fPrev, double gtdPrev, double t, double fNew, double gtdNew)
    {
        bracket[0] = tPrev;
        bracket[1] = t;
        bracketF[0] = fPrev;
        bracketF[1] = fNew;
        bracketGtd[0] = gtdPrev;
        bracketGtd[1] = gtdNew;
        (_bracketG[0], gPrev) = (gPrev, _bracketG[0]);
        (_bracketG[1], gNew) = (gNew, _bracketG[1]);
    }

    /// <summary>
    /// The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to the bounds (by default
    /// the interval between x1 and x2); their midpoint when the cubic has no minimum.
    /// </summary>
    /// <remarks>
    /// <code>
    /// d1 = g1 + g2 − 3(f1 − f2)/(x1 − x2);   d2 = √(d1² − g1·g2)
    /// x = x2 − (x2 − x1)·(g2 + d2 − d1)/(g2 − g1 + 2·d2)   (x1 ≤ x2; symmetric otherwise)
    /// </code>
    /// </remarks>
    internal static double CubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double? lowerBound = null, double? upperBound = null)
    {
        var (xmin, xmax) = lowerBound is { } lo && upperBound is { } hi ? (lo, hi) : x1 <= x2 ? (x1, x2) : (x2, x1);
        var d1 = g1 + g2 - (3 * (f1 - f2) / (x1 - x2));
        var d2Square = (d1 * d1) - (g1 * g2);
        if (d2Square >= 0)
        {
            var d2 = Math.Sqrt(d2Square);
            var minPos = x1 <= x2
                ? x2 - ((x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + (2 * d2))))
                : x1 - ((x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + (2 * d2))));
            return LBFGS.PyMin(LBFGS.PyMax(minPos, xmin), xmax);
        }

        return (xmin + xmax) / 2;
    }
}
