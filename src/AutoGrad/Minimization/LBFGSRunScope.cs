namespace AutoGrad;

/// <summary>
/// For the length of a <see cref="Minimize"/> run, adapts an <see cref="LBFGS"/> optimizer to the run: the run's
/// stopping rules rather than L-BFGS's own tolerances decide when to stop, its thresholds follow the problem's scale,
/// and over a deterministic loss one iteration of the run is one L-BFGS iteration. The optimizer's settings are
/// restored afterwards.
/// </summary>
/// <remarks>
/// <para>
/// Tolerances. PyTorch's L-BFGS returns from a step without moving once its largest gradient component is at most
/// <see cref="LBFGSOptions.GradientTolerance"/> (1e-7), and stops moving for good once its directional derivative or loss
/// change falls below <see cref="LBFGSOptions.ChangeTolerance"/> (1e-9): on Rosenbrock that is 1e-6 to 4e-5 away from
/// the minimum, short of a run asking for a gradient norm of 1e-8. During the run the gradient tolerance is lowered to
/// the gradient-norm rule divided by √n (so a gradient L-BFGS refuses to step from already satisfies the rule) and the
/// change tolerance to 0.
/// </para>
/// <para>
/// Iterations. A PyTorch L-BFGS step runs up to <see cref="LBFGSOptions.MaxIterations"/> (20) iterations, each with at
/// least one evaluation, so a run whose iteration is one step would evaluate the loss about 20 times per iteration,
/// check its stopping rules only every 20 L-BFGS iterations and do 20 times the iterations its limit says. Over a
/// deterministic loss (<see cref="Minimize.Function(Func{Variable{double}, Variable{double}}, double[])"/>,
/// <see cref="Minimize.Parameters(IEnumerable{IVariable}, Func{Variable{double}})"/>) a step therefore runs one
/// iteration (and <see cref="LBFGSOptions.MaxEvaluations"/>, a per-step budget, does not apply), and
/// <see cref="LBFGS.ReuseLastEvaluation"/> is on: the step starts from the loss and gradient the previous step's line
/// search already computed at the point it accepted, instead of evaluating that point again. A run over data keeps
/// PyTorch's steps: each batch gets one full L-BFGS step, as in PyTorch's training loop.
/// </para>
/// <para>
/// Thresholds. PyTorch's curvature threshold (y·s &gt; 1e-10) and line-search bracket tolerance (1e-9) are absolute, so
/// near a minimum, or on a problem whose parameters are small, L-BFGS stops learning curvature and its line search
/// gives up: the run stalls short of its rules. During any run <see cref="LBFGS.PyTorchExact"/> is off, which makes
/// both relative to the problem's scale (and computes the two-loop recursion's dot products with SIMD).
/// </para>
/// </remarks>
internal readonly struct LBFGSRunScope : IDisposable
{
    private readonly LBFGS? _lbfgs;
    private readonly Saved[]? _saved;

    private LBFGSRunScope(LBFGS lbfgs, Saved[] saved)
    {
        _lbfgs = lbfgs;
        _saved = saved;
    }

    /// <summary>Adapts <paramref name="optimizer"/> when it is an <see cref="LBFGS"/>; otherwise does nothing.</summary>
    /// <param name="optimizer">The run's optimizer.</param>
    /// <param name="gradientNorm">The run's gradient-norm rule, if any.</param>
    /// <param name="elements">The number of parameter elements.</param>
    /// <param name="deterministic">Whether every iteration evaluates the same loss (not a run over data).</param>
    /// <returns>The scope; dispose it to restore the settings.</returns>
    public static LBFGSRunScope Enter(Optimizer optimizer, double? gradientNorm, int elements, bool deterministic)
    {
        if (optimizer is not LBFGS lbfgs)
        {
            return default;
        }

        var groups = lbfgs.ParameterGroups;
        var saved = new Saved[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            var options = (LBFGSOptions)groups[g].Options;
            saved[g] = new Saved(options.GradientTolerance, options.ChangeTolerance, options.MaxIterations, options.MaxEvaluations);
            if (gradientNorm is { } rule)
            {
                options.GradientTolerance = Math.Min(options.GradientTolerance, rule / Math.Sqrt(Math.Max(1, elements)));
            }

            options.ChangeTolerance = 0;
            if (deterministic)
            {
                options.MaxIterations = 1;
                options.MaxEvaluations = null;
            }
        }

        lbfgs.ReuseLastEvaluation = deterministic;
        lbfgs.PyTorchExact = false;
        return new LBFGSRunScope(lbfgs, saved);
    }

    public void Dispose()
    {
        if (_lbfgs is null || _saved is null)
        {
            return;
        }

        _lbfgs.ReuseLastEvaluation = false;
        _lbfgs.PyTorchExact = true;
        var groups = _lbfgs.ParameterGroups;
        for (var g = 0; g < groups.Count; g++)
        {
            var options = (LBFGSOptions)groups[g].Options;
            var s = _saved[g];
            options.GradientTolerance = s.GradientTolerance;
            options.ChangeTolerance = s.ChangeTolerance;
            options.MaxIterations = s.MaxIterations;
            options.MaxEvaluations = s.MaxEvaluations;
        }
    }

    private readonly record struct Saved(double GradientTolerance, double ChangeTolerance, int MaxIterations, int? MaxEvaluations);
}
