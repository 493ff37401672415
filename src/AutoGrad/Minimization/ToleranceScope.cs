namespace AutoGrad;

/// <summary>
/// For the length of a <see cref="Minimize"/> run, lets the run's stopping rules rather than L-BFGS's own tolerances
/// decide when to stop, and restores the optimizer's settings afterwards.
/// </summary>
/// <remarks>
/// PyTorch's L-BFGS returns from a step without moving once its largest gradient component is at most
/// <see cref="LBFGSOptions.GradientTolerance"/> (1e-7), and stops moving for good once its directional derivative or loss
/// change falls below <see cref="LBFGSOptions.ChangeTolerance"/> (1e-9): on Rosenbrock that is 1e-6 to 4e-5 away from
/// the minimum, short of a run asking for a gradient norm of 1e-8. During the run the gradient tolerance is lowered to
/// the gradient-norm rule divided by √n (so a gradient L-BFGS refuses to step from already satisfies the rule) and the
/// change tolerance to 0.
/// </remarks>
internal readonly struct ToleranceScope : IDisposable
{
    private readonly LBFGS? _lbfgs;
    private readonly (double Gradient, double Change)[]? _saved;

    private ToleranceScope(LBFGS lbfgs, (double, double)[] saved)
    {
        _lbfgs = lbfgs;
        _saved = saved;
    }

    public static ToleranceScope Align(Optimizer optimizer, double? gradientNorm, int elements)
    {
        if (optimizer is not LBFGS lbfgs)
        {
            return default;
        }

        var groups = lbfgs.ParameterGroups;
        var saved = new (double, double)[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            var options = (LBFGSOptions)groups[g].Options;
            saved[g] = (options.GradientTolerance, options.ChangeTolerance);
            if (gradientNorm is { } rule)
            {
                options.GradientTolerance = Math.Min(options.GradientTolerance, rule / Math.Sqrt(Math.Max(1, elements)));
            }

            options.ChangeTolerance = 0;
        }

        return new ToleranceScope(lbfgs, saved);
    }

    public void Dispose()
    {
        if (_lbfgs is null || _saved is null)
        {
            return;
        }

        var groups = _lbfgs.ParameterGroups;
        for (var g = 0; g < groups.Count; g++)
        {
            var options = (LBFGSOptions)groups[g].Options;
            (options.GradientTolerance, options.ChangeTolerance) = _saved[g];
        }
    }
}
