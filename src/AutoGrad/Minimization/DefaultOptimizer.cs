namespace AutoGrad;

/// <summary>
/// The optimizer a <see cref="Minimize"/> run uses when <c>With</c> is not called: the one place to change the default.
/// </summary>
internal static class DefaultOptimizer
{
    /// <summary>Creates the default optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The problem's parameters.</param>
    /// <param name="stochastic">Whether the run is over data (batches give noisy gradients) rather than a deterministic objective.</param>
    /// <returns>SGD with learning rate 1e-3 and momentum 0.9, for either kind of run.</returns>
    public static Optimizer Create(IReadOnlyList<IVariable> parameters, bool stochastic)
    {
        _ = stochastic;
        return new SGD(parameters, learningRate: 1e-3, momentum: 0.9);
    }
}
