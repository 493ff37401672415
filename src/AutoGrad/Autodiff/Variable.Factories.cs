using System.Numerics;

namespace AutoGrad;

/// <summary>
/// Factories and free functions for <see cref="Variable{T}"/>; the element type is inferred from the
/// arguments, so <c>Variable.Parameter([1.0, 2.0])</c> is a <c>Variable&lt;double&gt;</c>.
/// </summary>
public static partial class Variable
{
    /// <summary>A scalar parameter: a leaf that requires gradients.</summary>
    /// <param name="value">The value.</param>
    /// <returns>A rank-0 variable.</returns>
    public static Variable<T> Parameter<T>(T value)
        where T : IFloatingPointIeee754<T> => new([value], Shape.Scalar, requiresGrad: true);

    /// <summary>A parameter (a leaf that requires gradients) holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The values, row-major.</param>
    /// <param name="shape">The shape; by default a vector of <c>values.Length</c> elements.</param>
    /// <returns>The parameter.</returns>
    /// <exception cref="ArgumentException">The values do not fill the shape.</exception>
    public static Variable<T> Parameter<T>(T[] values, Shape? shape = null)
        where T : IFloatingPointIeee754<T> => FromArray(values, shape, requiresGrad: true);

    /// <summary>A parameter holding a copy of a matrix.</summary>
    /// <param name="values">The values; the shape is [rows, columns].</param>
    /// <returns>The parameter.</returns>
    public static Variable<T> Parameter<T>(T[,] values)
        where T : IFloatingPointIeee754<T> => FromArray2D(values, requiresGrad: true);

    /// <summary>A scalar constant: no gradient flows to it.</summary>
    /// <param name="value">The value.</param>
    /// <returns>A rank-0 variable.</returns>
    public static Variable<T> Constant<T>(T value)
        where T : IFloatingPointIeee754<T> => new([value], Shape.Scalar, requiresGrad: false);

    /// <summary>A constant (no gradient flows to it) holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The values, row-major.</param>
    /// <param name="shape">The shape; by default a vector of <c>values.Length</c> elements.</param>
    /// <returns>The constant.</returns>
    /// <exception cref="ArgumentException">The values do not fill the shape.</exception>
    public static Variable<T> Constant<T>(T[] values, Shape? shape = null)
        where T : IFloatingPointIeee754<T> => FromArray(values, shape, requiresGrad: false);

    /// <summary>A constant holding a copy of a matrix.</summary>
    /// <param name="values">The values; the shape is [rows, columns].</param>
    /// <returns>The constant.</returns>
    public static Variable<T> Constant<T>(T[,] values)
        where T : IFloatingPointIeee754<T> => FromArray2D(values, requiresGrad: false);

    /// <summary>A variable of zeros.</summary>
    /// <param name="shape">The shape, e.g. <c>[2, 3]</c>.</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    public static Variable<T> Zeros<T>(Shape shape, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T> => new(new T[shape.ElementCount], shape, requiresGrad);

    /// <summary>A variable of ones.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    public static Variable<T> Ones<T>(Shape shape, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T> => Full(shape, T.One, requiresGrad);

    /// <summary>A variable with every element equal to <paramref name="value"/>.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="value">The value.</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    public static Variable<T> Full<T>(Shape shape, T value, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T>
    {
        var data = new T[shape.ElementCount];
        data.AsSpan().Fill(value);
        return new Variable<T>(data, shape, requiresGrad);
    }

    /// <summary>Values drawn uniformly from [low, high) with a seeded generator, so the same seed gives the same values.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="low">The inclusive lower bound.</param>
    /// <param name="high">The exclusive upper bound.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    public static Variable<T> Uniform<T>(Shape shape, T low, T high, int seed, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T> => Uniform(shape, low, high, new Random(seed), requiresGrad);

    /// <summary>Values drawn uniformly from [low, high) with the given generator.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="low">The inclusive lower bound.</param>
    /// <param name="high">The exclusive upper bound.</param>
    /// <param name="random">The generator (seed it for reproducible values).</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    /// <exception cref="ArgumentException">low is not less than high, or either is not finite.</exception>
    public static Variable<T> Uniform<T>(Shape shape, T low, T high, Random random, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(low < high) || !T.IsFinite(low) || !T.IsFinite(high))
        {
            throw new ArgumentException($"Uniform: need finite low < high; got low = {low}, high = {high}.");
        }

        var data = new T[shape.ElementCount];
        double lo = double.CreateChecked(low), width = double.CreateChecked(high) - lo;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = T.CreateChecked(lo + (width * random.NextDouble()));
        }

        return new Variable<T>(data, shape, requiresGrad);
    }

    /// <summary>Values drawn from a normal distribution with a seeded generator.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="standardDeviation">The standard deviation (non-negative).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    public static Variable<T> Normal<T>(Shape shape, T mean, T standardDeviation, int seed, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T> => Normal(shape, mean, standardDeviation, new Random(seed), requiresGrad);

    /// <summary>Values drawn from a normal distribution (Box–Muller) with the given generator.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="standardDeviation">The standard deviation (non-negative).</param>
    /// <param name="random">The generator (seed it for reproducible values).</param>
    /// <param name="requiresGrad">Whether it is a parameter.</param>
    /// <returns>The variable.</returns>
    /// <exception cref="ArgumentException">The standard deviation is negative or either argument is not finite.</exception>
    public static Variable<T> Normal<T>(Shape shape, T mean, T standardDeviation, Random random, bool requiresGrad = false)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(standardDeviation >= T.Zero) || !T.IsFinite(standardDeviation) || !T.IsFinite(mean))
        {
            throw new ArgumentException($"Normal: need a finite mean and a finite, non-negative standard deviation; got mean = {mean}, standardDeviation = {standardDeviation}.");
        }

        var data = new T[shape.ElementCount];
        double mu = double.CreateChecked(mean), sigma = double.CreateChecked(standardDeviation);
        for (var i = 0; i < data.Length; i += 2)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1));
            data[i] = T.CreateChecked(mu + (sigma * r * Math.Cos(2 * Math.PI * u2)));
            if (i + 1 < data.Length)
            {
                data[i + 1] = T.CreateChecked(mu + (sigma * r * Math.Sin(2 * Math.PI * u2)));
            }
        }

        return new Variable<T>(data, shape, requiresGrad);
    }

    /// <summary>
    /// Starts a scope in which operations on this thread are not recorded: results do not require
    /// gradients and no graph is kept. Dispose it (with <c>using</c>) to restore the previous mode.
    /// </summary>
    /// <returns>The scope.</returns>
    public static GradModeScope NoGrad() => GradMode.Set(enabled: false);

    /// <summary>
    /// Starts a training-step scope on this thread: the results of operations computed inside it live until it is
    /// disposed, and their buffers are then reused by the next scope instead of being allocated again. See
    /// <see cref="AutoGrad.StepScope"/> for what belongs to a scope and how escapes are detected.
    /// </summary>
    /// <param name="recycleVariables">
    /// Also pool the <see cref="Variable{T}"/> objects of the results, so a steady-state step allocates nothing; a result
    /// kept past its scope is then detected only until its object is reused (see <see cref="AutoGrad.StepScope"/>).
    /// </param>
    /// <returns>The scope; dispose it (with <c>using</c>) at the end of the step.</returns>
    public static StepScope StepScope(bool recycleVariables = false) => new(recycleVariables);

    /// <summary>
    /// Selects, element by element, <paramref name="x"/> where <paramref name="condition"/> is non-zero and
    /// <paramref name="y"/> elsewhere, with all three broadcast together.
    /// </summary>
    /// <param name="condition">The condition (non-zero, including NaN, is true); not differentiated.</param>
    /// <param name="x">Values where the condition holds.</param>
    /// <param name="y">Values where it does not.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <remarks>
    /// The gradient goes only to the selected branch. A non-finite derivative in the unselected branch does not
    /// leak into it: <c>Where(x &gt; 0, x.Sqrt(), 0)</c> has gradient 0, not NaN, at x = 0.
    /// </remarks>
    public static Variable<T> Where<T>(Variable<T> condition, Variable<T> x, Variable<T> y)
        where T : IFloatingPointIeee754<T> => Variable<T>.Select(condition, x, y);

    /// <summary>Selects <paramref name="x"/> where the condition is non-zero and the scalar <paramref name="y"/> elsewhere.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="x">Values where the condition holds.</param>
    /// <param name="y">The value elsewhere.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    public static Variable<T> Where<T>(Variable<T> condition, Variable<T> x, T y)
        where T : IFloatingPointIeee754<T> => Variable<T>.Select(condition, x, Constant(y));

    /// <summary>Selects the scalar <paramref name="x"/> where the condition is non-zero and <paramref name="y"/> elsewhere.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="x">The value where the condition holds.</param>
    /// <param name="y">Values elsewhere.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    public static Variable<T> Where<T>(Variable<T> condition, T x, Variable<T> y)
        where T : IFloatingPointIeee754<T> => Variable<T>.Select(condition, Constant(x), y);

    /// <summary>Element-wise maximum of two variables with broadcasting; ties split the gradient equally.</summary>
    /// <param name="x">The first operand.</param>
    /// <param name="y">The second operand.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    public static Variable<T> Maximum<T>(Variable<T> x, Variable<T> y)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Maximum(y);
    }

    /// <summary>Element-wise minimum of two variables with broadcasting; ties split the gradient equally.</summary>
    /// <param name="x">The first operand.</param>
    /// <param name="y">The second operand.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    public static Variable<T> Minimum<T>(Variable<T> x, Variable<T> y)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Minimum(y);
    }

    /// <summary>
    /// Computes the gradients of <paramref name="output"/> with respect to <paramref name="inputs"/> and returns them
    /// without touching any <see cref="Variable{T}.Grad"/> (PyTorch's <c>torch.autograd.grad</c>).
    /// </summary>
    /// <param name="output">The variable to differentiate.</param>
    /// <param name="inputs">The variables to differentiate with respect to (leaves or intermediates).</param>
    /// <param name="seed">The output's gradient; required unless the output has one element.</param>
    /// <param name="retainGraph">Keep the graph for another pass.</param>
    /// <param name="createGraph">Record the computation so the returned gradients can be differentiated again.</param>
    /// <returns>One entry per input: its gradient, or <c>null</c> when the output does not depend on it.</returns>
    public static Variable<T>?[] Gradients<T>(Variable<T> output, IReadOnlyList<Variable<T>> inputs, Variable<T>? seed = null, bool retainGraph = false, bool createGraph = false)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(inputs);
        return Variable<T>.Gradients(output, inputs, seed, retainGraph, createGraph);
    }

    private static Variable<T> FromArray<T>(T[] values, Shape? shape, bool requiresGrad)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = shape ?? new Shape(values.Length);
        if (s.ElementCount != values.Length)
        {
            throw new ArgumentException($"{(requiresGrad ? "Parameter" : "Constant")}: {values.Length} values do not fill shape {s} ({s.ElementCount} elements).", nameof(values));
        }

        return new Variable<T>((T[])values.Clone(), s, requiresGrad);
    }

    private static Variable<T> FromArray2D<T>(T[,] values, bool requiresGrad)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = values.GetLength(0), columns = values.GetLength(1);
        var data = new T[rows * columns];
        var k = 0;
        foreach (var v in values)
        {
            data[k++] = v;
        }

        return new Variable<T>(data, new Shape(rows, columns), requiresGrad);
    }
}
