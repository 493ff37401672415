namespace AutoGrad;

/// <summary>
/// The optimizer a <see cref="Minimize"/> run uses when <c>With</c> is not called: the one place to change the default.
/// </summary>
internal static class DefaultOptimizer
{
    /// <summary>Creates the default optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The problem's parameters.</param>
    /// <param name="stochastic">Whether the run is over data (batches give noisy gradients) rather than a deterministic objective.</param>
    /// <returns>
    /// L-BFGS with the strong-Wolfe line search for a deterministic objective (fast, no learning rate to tune); Adam with
    /// learning rate 1e-3 for a run over data, where batch gradients are noisy and a line search would chase the noise.
    /// </returns>
    public static Optimizer Create(IReadOnlyList<IVariable> parameters, bool stochastic) =>
        stochastic ? new Adam(parameters, learningRate: 1e-3) : new LBFGS(parameters, lineSearch: LineSearch.StrongWolfe);
}
