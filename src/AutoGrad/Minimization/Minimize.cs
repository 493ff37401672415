using System.Numerics;

namespace AutoGrad;

/// <summary>
/// The front door for "minimize this C# function": pick the problem here, then configure and run it fluently.
/// </summary>
/// <example>
/// <code>
/// static Variable&lt;double&gt; Rosenbrock(Variable&lt;double&gt; x) =&gt; (1 - x[0]).Square() + 100 * (x[1] - x[0].Square()).Square();
///
/// var result = Minimize.Function(x =&gt; Rosenbrock(x), start: new[] { -1.2, 1.0 })
///     .With(new SGD(learningRate: 1e-3, momentum: 0.9))
///     .Until(gradientNorm: 1e-8, maxIterations: 1000)
///     .Run();
/// // result.Minimizer, result.Value, result.Iterations, result.StopReason, result.StopDetail, result.History
/// </code>
/// </example>
/// <remarks>
/// Three kinds of problem: a function of one parameter vector (<see cref="Function(Func{Variable{double}, Variable{double}}, double[])"/>),
/// a loss over parameters that already exist, such as a model's (<see cref="Parameters(IEnumerable{IVariable}, Func{Variable{double}})"/>),
/// and a loss over batches of a dataset, for full-batch, stochastic and mini-batch gradient descent
/// (<see cref="OverData{TSample}(IReadOnlyList{TSample}, Func{IReadOnlyList{TSample}, Variable{double}}, IEnumerable{IVariable})"/>).
/// Each has a <see cref="double"/> and a <see cref="float"/> form. What a run does, step by step, is described on
/// <see cref="MinimizationBuilder{TSelf, T}"/>.
/// </remarks>
public static class Minimize
{
    /// <summary>Minimizes a function of a vector, starting at <paramref name="start"/>.</summary>
    /// <param name="objective">The function: given the parameter vector x (shape [n]), returns a scalar.</param>
    /// <param name="start">The starting point, n finite values (copied).</param>
    /// <returns>A builder: add <c>With</c>, <c>Until</c>, … and call <c>Run</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="start"/> is empty or holds a non-finite value.</exception>
    public static Minimization<double> Function(Func<Variable<double>, Variable<double>> objective, double[] start) => FunctionOf(objective, start);

    /// <summary>Minimizes a function of a <see cref="float"/> vector, starting at <paramref name="start"/>.</summary>
    /// <param name="objective">The function: given the parameter vector x (shape [n]), returns a scalar.</param>
    /// <param name="start">The starting point, n finite values (copied).</param>
    /// <returns>A builder: add <c>With</c>, <c>Until</c>, … and call <c>Run</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="start"/> is empty or holds a non-finite value.</exception>
    public static Minimization<float> Function(Func<Variable<float>, Variable<float>> objective, float[] start) => FunctionOf(objective, start);

    /// <summary>Minimizes a loss over existing parameters (a model's weights), updating them in place.</summary>
    /// <param name="parameters">The parameters to optimize: leaf variables that require gradients (<c>Variable.Parameter</c>), of type double or float.</param>
    /// <param name="loss">Computes the loss from the parameters' current values; returns a scalar.</param>
    /// <returns>A builder: add <c>With</c>, <c>Until</c>, … and call <c>Run</c>.</returns>
    /// <exception cref="ArgumentException">No parameters, or one is null, not a parameter, of another element type, or repeated.</exception>
    public static Minimization<double> Parameters(IEnumerable<IVariable> parameters, Func<Variable<double>> loss) =>
        ParametersOf(parameters, loss, nameof(Parameters));

    /// <summary>Minimizes a <see cref="float"/> loss over existing parameters, updating them in place.</summary>
    /// <param name="parameters">The parameters to optimize: leaf variables that require gradients, of type double or float.</param>
    /// <param name="loss">Computes the loss from the parameters' current values; returns a scalar.</param>
    /// <returns>A builder: add <c>With</c>, <c>Until</c>, … and call <c>Run</c>.</returns>
    /// <exception cref="ArgumentException">No parameters, or one is null, not a parameter, of another element type, or repeated.</exception>
    public static Minimization<float> Parameters(IEnumerable<IVariable> parameters, Func<Variable<float>> loss) =>
        ParametersOf(parameters, loss, nameof(Parameters));

    /// <summary>Minimizes a loss over a dataset by (full-batch, stochastic or mini-batch) gradient descent.</summary>
    /// <typeparam name="TSample">The type of one sample.</typeparam>
    /// <param name="data">The samples (at least one).</param>
    /// <param name="batchLoss">
    /// The loss of a batch of samples as a scalar, usually their mean loss. The batch is valid during the call; it is
    /// the dataset itself for a full, unshuffled batch.
    /// </param>
    /// <param name="parameters">The parameters to optimize: leaf variables that require gradients.</param>
    /// <returns>A builder: add <c>BatchSize</c>, <c>Shuffle</c>, <c>Epochs</c>, <c>With</c>, <c>Until</c>, … and call <c>Run</c>.</returns>
    /// <exception cref="ArgumentException">The data is empty, or a parameter is invalid.</exception>
    public static DataMinimization<TSample, double> OverData<TSample>(IReadOnlyList<TSample> data, Func<IReadOnlyList<TSample>, Variable<double>> batchLoss, IEnumerable<IVariable> parameters) =>
        DataOf(data, batchLoss, parameters);

    /// <summary>Minimizes a <see cref="float"/> loss over a dataset by (full-batch, stochastic or mini-batch) gradient descent.</summary>
    /// <typeparam name="TSample">The type of one sample.</typeparam>
    /// <param name="data">The samples (at least one).</param>
    /// <param name="batchLoss">The loss of a batch of samples as a scalar; the batch is valid during the call.</param>
    /// <param name="parameters">The parameters to optimize: leaf variables that require gradients.</param>
    /// <returns>A builder: add <c>BatchSize</c>, <c>Shuffle</c>, <c>Epochs</c>, <c>With</c>, <c>Until</c>, … and call <c>Run</c>.</returns>
    /// <exception cref="ArgumentException">The data is empty, or a parameter is invalid.</exception>
    public static DataMinimization<TSample, float> OverData<TSample>(IReadOnlyList<TSample> data, Func<IReadOnlyList<TSample>, Variable<float>> batchLoss, IEnumerable<IVariable> parameters) =>
        DataOf(data, batchLoss, parameters);

    private static Minimization<T> FunctionOf<T>(Func<Variable<T>, Variable<T>> objective, T[] start)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(start);
        if (start.Length == 0)
        {
            throw new ArgumentException("Minimize.Function: the starting point is empty; give one value per coordinate of the parameter vector.", nameof(start));
        }

        for (var i = 0; i < start.Length; i++)
        {
            if (!T.IsFinite(start[i]))
            {
                throw new ArgumentException($"Minimize.Function: start[{i}] is {start[i]}; every coordinate of the starting point must be finite.", nameof(start));
            }
        }

        var x = Variable.Parameter(start);
        return new Minimization<T>([x], () => objective(x), "the objective");
    }

    private static Minimization<T> ParametersOf<T>(IEnumerable<IVariable> parameters, Func<Variable<T>> loss, string method)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(loss);
        return new Minimization<T>(CheckParameters(parameters, method), loss, "the loss");
    }

    private static DataMinimization<TSample, T> DataOf<TSample, T>(IReadOnlyList<TSample> data, Func<IReadOnlyList<TSample>, Variable<T>> batchLoss, IEnumerable<IVariable> parameters)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batchLoss);
        if (data.Count == 0)
        {
            throw new ArgumentException("Minimize.OverData: the dataset is empty; give at least one sample.", nameof(data));
        }

        return new DataMinimization<TSample, T>(data, batchLoss, CheckParameters(parameters, nameof(OverData)));
    }

    private static IVariable[] CheckParameters(IEnumerable<IVariable> parameters, string method)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"Minimize.{method}: no parameters were given; pass the variables to optimize (created with Variable.Parameter).", nameof(parameters));
        }

        var seen = new HashSet<IVariable>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < list.Length; i++)
        {
            var p = list[i] ?? throw new ArgumentException($"Minimize.{method}: parameter {i} is null.", nameof(parameters));
            if (p.ElementType != typeof(double) && p.ElementType != typeof(float))
            {
                throw new ArgumentException($"Minimize.{method}: parameter {i} (shape {p.Shape}) has element type {p.ElementType.Name}; parameters must be double or float.", nameof(parameters));
            }

            if (!p.IsLeaf || !p.RequiresGrad)
            {
                throw new ArgumentException($"Minimize.{method}: parameter {i} (shape {p.Shape}) is {(p.IsLeaf ? "a constant" : "a computed result")}, not a parameter; pass leaf variables that require gradients (Variable.Parameter(...)).", nameof(parameters));
            }

            if (!seen.Add(p))
            {
                throw new ArgumentException($"Minimize.{method}: parameter {i} (shape {p.Shape}) appears more than once.", nameof(parameters));
            }
        }

        return list;
    }
}
