using System.Numerics;

namespace AutoGrad;

/// <summary>
/// A minimization of a deterministic loss: a function of one parameter vector (<see cref="Minimize.Function(Func{Variable{double}, Variable{double}}, double[])"/>)
/// or a loss over existing parameters (<see cref="Minimize.Parameters(IEnumerable{IVariable}, Func{Variable{double}})"/>).
/// Every iteration evaluates the whole loss. Configure it fluently, then call <see cref="MinimizationBuilder{TSelf, T}.Run"/>.
/// </summary>
/// <typeparam name="T">The element type of the loss: <see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>Unless <c>Until(maxIterations: …)</c> says otherwise, a run stops after at most 1000 iterations.</remarks>
public sealed class Minimization<T> : MinimizationBuilder<Minimization<T>, T>
    where T : IFloatingPointIeee754<T>
{
    private readonly Func<Variable<T>> _loss;

    internal Minimization(IReadOnlyList<IVariable> parameters, Func<Variable<T>> loss, string lossName)
        : base(parameters)
    {
        _loss = loss;
        LossName = lossName;
    }

    private protected override int? DefaultMaxIterations => 1000;

    private protected override int IterationsPerEpoch => 0;

    private protected override string LossName { get; }

    private protected override Variable<T> Loss() => _loss();

    private protected override Variable<T> FinalLoss() => _loss();
}
