namespace AutoGrad;

/// <summary>
/// Checks the gradients that AutoGrad computes for a function against central finite differences, the way
/// PyTorch's <c>torch.autograd.gradcheck</c> (and, optionally, <c>gradgradcheck</c>) does.
/// </summary>
/// <remarks>
/// <para>
/// The function receives one variable per input and may return a variable of any shape. Every input is treated
/// as differentiable: each evaluation builds fresh <see cref="Variable.Parameter{T}(T[], Shape?)"/> leaves holding
/// copies of the caller's values, so the caller's variables are never mutated and their
/// <see cref="Variable{T}.Grad"/> is never read or written. The function must be deterministic.
/// </para>
/// <para>
/// <b>Full mode.</b> With <c>f</c> the function, <c>x_i</c> the inputs and <c>e_j</c> the j-th unit vector,
/// the numeric Jacobian column of element j of input i is <c>(f(x_i + h·e_j) − f(x_i − h·e_j)) / (2h)</c>,
/// evaluated without recording (<see cref="Variable.NoGrad"/>). The analytic Jacobian row of output element k
/// is the gradient of every input for a one-hot seed at k, from
/// <see cref="Variable.Gradients{T}(Variable{T}, IReadOnlyList{Variable{T}}, Variable{T}?, bool, bool)"/>. An input
/// the output does not depend on (a <c>null</c> gradient), or an output that does not require gradients, counts
/// as zeros. Cost: <c>2·n</c> forward evaluations and <c>m</c> backward passes, for n input elements in all and
/// m output elements.
/// </para>
/// <para>
/// <b>Fast mode.</b> Seeded random unit vectors u over the outputs and v_i over each input; the analytic value
/// <c>⟨∂(uᵀf)/∂x_i, v_i⟩</c> (one backward pass with seed u) is compared with
/// <c>(uᵀf(x_i + h·v_i) − uᵀf(x_i − h·v_i)) / (2h)</c>. Cost: <c>2·(number of inputs)</c> forward evaluations and
/// one backward pass.
/// </para>
/// <para>
/// <b>Pass rule.</b> Each compared value passes when <c>|analytic − numeric| ≤ atol + rtol·|numeric|</c> and both
/// are finite (<see cref="GradCheckOptions.AbsoluteTolerance"/>, <see cref="GradCheckOptions.RelativeTolerance"/>).
/// The reported relative error is <c>|analytic − numeric| / max(|analytic|, |numeric|)</c> (0 when both are 0).
/// </para>
/// <para>
/// <b>Second order</b> (<see cref="GradCheckOptions.CheckSecondOrder"/>). With w a fixed seeded weight over the
/// outputs (random sign, magnitude in [0.5, 1.5]), for every input j the function
/// <c>g_j(x) = ∂(wᵀf(x))/∂x_j</c>, computed with <c>createGraph: true</c>, is checked in the same mode with respect
/// to every input. The analytic side is therefore the backward pass of the recorded backward graph. Each
/// evaluation of g_j costs one forward and one backward pass of f.
/// </para>
/// </remarks>
public static class GradCheck
{
    /// <summary>Checks the gradients of <paramref name="function"/> at <paramref name="inputs"/> with the default <see cref="GradCheckOptions"/>.</summary>
    /// <param name="function">The function to check; it may return a variable of any shape.</param>
    /// <param name="inputs">The point at which to check (only the values and shapes are used).</param>
    /// <returns>The report; see <see cref="GradCheckReport.Passed"/> and <see cref="GradCheckReport.ThrowIfFailed"/>.</returns>
    /// <exception cref="ArgumentException">The function is null, there are no inputs, an input is null, or the function returns null or changes its output shape.</exception>
    public static GradCheckReport Run(Func<Variable<double>[], Variable<double>> function, params Variable<double>[] inputs) =>
        Run(function, inputs, new GradCheckOptions());

    /// <summary>Checks the gradients of <paramref name="function"/> at <paramref name="inputs"/>.</summary>
    /// <param name="function">The function to check; it may return a variable of any shape.</param>
    /// <param name="inputs">The point at which to check (only the values and shapes are used).</param>
    /// <param name="options">The mode, step, tolerances and seed.</param>
    /// <returns>The report; see <see cref="GradCheckReport.Passed"/> and <see cref="GradCheckReport.ThrowIfFailed"/>.</returns>
    /// <exception cref="ArgumentException">
    /// The function is null, there are no inputs, an input is null, the options are null or invalid, or the function
    /// returns null or changes its output shape.
    /// </exception>
    public static GradCheckReport Run(Func<Variable<double>[], Variable<double>> function, Variable<double>[] inputs, GradCheckOptions options)
    {
        Validate(function, inputs, options);

        var values = new double[inputs.Length][];
        var shapes = new Shape[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            values[i] = inputs[i].ToArray();
            shapes[i] = inputs[i].Shape;
        }

        var firstOrder = Check(function, values, shapes, options, options.Seed, gradientOf: -1, out var outputShape);
        var secondOrder = new List<GradCheckInputReport>();
        if (options.CheckSecondOrder)
        {
            var weights = OutputWeights(outputShape.ElementCount, options.Seed);
            for (var j = 0; j < inputs.Length; j++)
            {
                var gradient = GradientFunction(function, weights, outputShape, j);
                secondOrder.AddRange(Check(gradient, values, shapes, options, unchecked(options.Seed + 1 + j), gradientOf: j, out _));
            }
        }

        return new GradCheckReport(options, outputShape, firstOrder, secondOrder);
    }

    private static void Validate(Func<Variable<double>[], Variable<double>> function, Variable<double>[] inputs, GradCheckOptions options)
    {
        if (function is null)
        {
            throw new ArgumentException("GradCheck: the function is null; pass the function whose gradients should be checked, e.g. x => (x[0] * x[1]).Sum().", nameof(function));
        }

        if (inputs is null || inputs.Length == 0)
        {
            throw new ArgumentException("GradCheck: no inputs were given; pass at least one variable, e.g. GradCheck.Run(f, Variable.Parameter([1.0, 2.0])).", nameof(inputs));
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null)
            {
                throw new ArgumentException($"GradCheck: input {i} is null; every input must be a variable.", nameof(inputs));
            }
        }

        if (options is null)
        {
            throw new ArgumentException("GradCheck: the options are null; pass new GradCheckOptions() for the defaults.", nameof(options));
        }

        if (!(options.Step > 0) || !double.IsFinite(options.Step))
        {
            throw new ArgumentException($"GradCheck: the step must be positive and finite; got {options.Step}.", nameof(options));
        }

        if (!(options.AbsoluteTolerance >= 0) || !(options.RelativeTolerance >= 0))
        {
            throw new ArgumentException($"GradCheck: the tolerances must be non-negative; got AbsoluteTolerance = {options.AbsoluteTolerance}, RelativeTolerance = {options.RelativeTolerance}.", nameof(options));
        }

        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentException($"GradCheck: unknown mode {options.Mode}; use GradCheckMode.Full or GradCheckMode.Fast.", nameof(options));
        }
    }

    /// <summary>The first-order check of <paramref name="function"/> at the given point, one report per input.</summary>
    private static GradCheckInputReport[] Check(
        Func<Variable<double>[], Variable<double>> function,
        double[][] values,
        Shape[] shapes,
        GradCheckOptions options,
        int seed,
        int gradientOf,
        out Shape outputShape)
    {
        // The analytic side needs a graph even if the caller is inside a no-grad scope.
        using var recording = GradMode.Set(enabled: true);
        var leaves = Leaves(values, shapes);
        var output = Evaluate(function, leaves);
        outputShape = output.Shape;
        return options.Mode == GradCheckMode.Full
            ? CheckFull(function, values, shapes, leaves, output, options, gradientOf)
            : CheckFast(function, values, shapes, leaves, output, options, seed, gradientOf);
    }

    private static GradCheckInputReport[] CheckFull(
        Func<Variable<double>[], Variable<double>> function,
        double[][] values,
        Shape[] shapes,
        Variable<double>[] leaves,
        Variable<double> output,
        GradCheckOptions options,
        int gradientOf)
    {
        var m = output.Length;
        var outputShape = output.Shape;

        // analytic[i][k * n_i + j] = ∂f_k/∂x_i[j]: row k from a backward pass seeded with the k-th unit vector.
        var analytic = new double[values.Length][];
        for (var i = 0; i < values.Length; i++)
        {
            analytic[i] = new double[m * values[i].Length];
        }

        if (output.RequiresGrad)
        {
            var oneHot = new double[m];
            for (var k = 0; k < m; k++)
            {
                oneHot[k] = 1;
                var gradients = Variable.Gradients(output, leaves, Variable.Constant(oneHot, outputShape), retainGraph: true);
                oneHot[k] = 0;
                for (var i = 0; i < values.Length; i++)
                {
                    CopyGradient(gradients[i], shapes[i], i, analytic[i].AsSpan(k * values[i].Length, values[i].Length));
                }
            }
        }

        var h = options.Step;
        var reports = new GradCheckInputReport[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var n = values[i].Length;
            var numeric = new double[m * n];
            for (var j = 0; j < n; j++)
            {
                var original = values[i][j];
                values[i][j] = original + h;
                var plus = EvaluateValues(function, values, shapes, outputShape);
                values[i][j] = original - h;
                var minus = EvaluateValues(function, values, shapes, outputShape);
                values[i][j] = original;
                for (var k = 0; k < m; k++)
                {
                    numeric[(k * n) + j] = (plus[k] - minus[k]) / (2 * h);
                }
            }

            reports[i] = Compare(i, shapes[i], outputShape, analytic[i], numeric, n, options, gradientOf, located: true);
        }

        return reports;
    }

    private static GradCheckInputReport[] CheckFast(
        Func<Variable<double>[], Variable<double>> function,
        double[][] values,
        Shape[] shapes,
        Variable<double>[] leaves,
        Variable<double> output,
        GradCheckOptions options,
        int seed,
        int gradientOf)
    {
        var random = new Random(seed);
        var outputShape = output.Shape;
        var u = RandomUnitVector(random, output.Length);
        var directions = new double[values.Length][];
        for (var i = 0; i < values.Length; i++)
        {
            directions[i] = RandomUnitVector(random, values[i].Length);
        }

        var gradients = output.RequiresGrad
            ? Variable.Gradients(output, leaves, Variable.Constant(u, outputShape), retainGraph: true)
            : new Variable<double>?[values.Length];

        var h = options.Step;
        var reports = new GradCheckInputReport[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var v = directions[i];
            var gradient = new double[values[i].Length];
            CopyGradient(gradients[i], shapes[i], i, gradient);
            var analytic = Dot(gradient, v);

            var original = values[i];
            var shifted = new double[original.Length];
            values[i] = shifted;
            for (var j = 0; j < shifted.Length; j++)
            {
                shifted[j] = original[j] + (h * v[j]);
            }

            var plus = Dot(u, EvaluateValues(function, values, shapes, outputShape));
            for (var j = 0; j < shifted.Length; j++)
            {
                shifted[j] = original[j] - (h * v[j]);
            }

            var minus = Dot(u, EvaluateValues(function, values, shapes, outputShape));
            values[i] = original;
            var numeric = (plus - minus) / (2 * h);

            reports[i] = Compare(i, shapes[i], outputShape, [analytic], [numeric], 1, options, gradientOf, located: false);
        }

        return reports;
    }

    /// <summary>
    /// Compares analytic and numeric values entry by entry (laid out as <c>[output k, input element j]</c>, with
    /// <paramref name="n"/> input elements) and summarizes the worst one: the entry that exceeds its tolerance by the
    /// largest factor, or the first non-finite one.
    /// </summary>
    private static GradCheckInputReport Compare(
        int input,
        Shape shape,
        Shape outputShape,
        double[] analytic,
        double[] numeric,
        int n,
        GradCheckOptions options,
        int gradientOf,
        bool located)
    {
        double maxAbsolute = 0, maxRelative = 0, worstRatio = double.NegativeInfinity;
        var worst = -1;
        var passed = true;
        string? problem = null;
        for (var e = 0; e < analytic.Length; e++)
        {
            double a = analytic[e], x = numeric[e];
            double ratio;
            if (!double.IsFinite(a) || !double.IsFinite(x))
            {
                passed = false;
                maxAbsolute = double.PositiveInfinity;
                maxRelative = double.PositiveInfinity;
                ratio = double.PositiveInfinity;
                if (problem is null)
                {
                    problem = !double.IsFinite(x) && !double.IsFinite(a)
                        ? "non-finite analytic and numeric values"
                        : !double.IsFinite(a) ? "non-finite analytic value" : "non-finite numeric value: the function is not finite within one step of the point";
                    worstRatio = double.PositiveInfinity;
                    worst = e;
                }

                continue;
            }

            var error = Math.Abs(a - x);
            var scale = Math.Max(Math.Abs(a), Math.Abs(x));
            var relative = error == 0 ? 0 : error / scale;
            var tolerance = options.AbsoluteTolerance + (options.RelativeTolerance * Math.Abs(x));
            ratio = tolerance > 0 ? error / tolerance : error == 0 ? 0 : double.PositiveInfinity;
            if (error > tolerance)
            {
                passed = false;
            }

            maxAbsolute = Math.Max(maxAbsolute, error);
            maxRelative = Math.Max(maxRelative, relative);
            if (problem is null && ratio > worstRatio)
            {
                worstRatio = ratio;
                worst = e;
            }
        }

        int worstIndex = -1, worstOutput = -1;
        double worstAnalytic = 0, worstNumeric = 0;
        if (worst >= 0)
        {
            worstAnalytic = analytic[worst];
            worstNumeric = numeric[worst];
            if (located)
            {
                worstOutput = worst / n;
                worstIndex = worst % n;
            }
        }

        return new GradCheckInputReport(input, shape, maxAbsolute, maxRelative, worstIndex, worstOutput, worstAnalytic, worstNumeric, passed)
        {
            OutputShape = outputShape,
            GradientOf = gradientOf,
            Problem = problem,
        };
    }

    /// <summary>
    /// The function <c>x ↦ ∂(wᵀf(x))/∂x_j</c>. When recording (the analytic side of the check) the gradient is
    /// computed with <c>createGraph: true</c>, so it can be differentiated again; when not recording (the numeric
    /// side) only its values are needed.
    /// </summary>
    private static Func<Variable<double>[], Variable<double>> GradientFunction(
        Func<Variable<double>[], Variable<double>> function,
        double[] weights,
        Shape outputShape,
        int j) =>
        xs =>
        {
            var createGraph = GradMode.IsEnabled;
            using var recording = GradMode.Set(enabled: true);
            var output = Evaluate(function, xs);
            CheckShape(output, outputShape);
            if (!output.RequiresGrad)
            {
                return Variable.Zeros<double>(xs[j].Shape);
            }

            var gradients = Variable.Gradients(output, xs, Variable.Constant(weights, outputShape), retainGraph: createGraph, createGraph: createGraph);
            return gradients[j] ?? Variable.Zeros<double>(xs[j].Shape);
        };

    private static Variable<double>[] Leaves(double[][] values, Shape[] shapes)
    {
        var leaves = new Variable<double>[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            leaves[i] = Variable.Parameter(values[i], shapes[i]);
        }

        return leaves;
    }

    private static Variable<double> Evaluate(Func<Variable<double>[], Variable<double>> function, Variable<double>[] leaves) =>
        function(leaves) ?? throw new ArgumentException("GradCheck: the function returned null; it must return a Variable<double> computed from its inputs.", nameof(function));

    /// <summary>Evaluates the function without recording and returns its values.</summary>
    private static double[] EvaluateValues(Func<Variable<double>[], Variable<double>> function, double[][] values, Shape[] shapes, Shape outputShape)
    {
        using var noGrad = Variable.NoGrad();
        var output = Evaluate(function, Leaves(values, shapes));
        CheckShape(output, outputShape);
        return output.ToArray();
    }

    private static void CheckShape(Variable<double> output, Shape expected)
    {
        if (output.Shape != expected)
        {
            throw new ArgumentException($"GradCheck: the function returned shape {output.Shape} at a perturbed input but {expected} at the original one; its output shape must not depend on the input values.", "function");
        }
    }

    private static void CopyGradient(Variable<double>? gradient, Shape shape, int input, Span<double> destination)
    {
        if (gradient is null)
        {
            destination.Clear();
            return;
        }

        if (gradient.Length != destination.Length)
        {
            throw new InvalidOperationException($"GradCheck: the engine returned a gradient of shape {gradient.Shape} for input {input} of shape {shape}; a gradient must have its input's shape.");
        }

        gradient.Values.CopyTo(destination);
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>A uniformly random direction (normalized Gaussian, Box–Muller); empty for length 0.</summary>
    private static double[] RandomUnitVector(Random random, int length)
    {
        var v = new double[length];
        if (length == 0)
        {
            return v;
        }

        double norm;
        do
        {
            for (var i = 0; i < length; i++)
            {
                var r = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
                v[i] = r * Math.Cos(2 * Math.PI * random.NextDouble());
            }

            norm = Math.Sqrt(Dot(v, v));
        }
        while (norm == 0);

        for (var i = 0; i < length; i++)
        {
            v[i] /= norm;
        }

        return v;
    }

    /// <summary>
    /// The weights w of the second-order check: random sign and magnitude in [0.5, 1.5], so every output element
    /// contributes to <c>wᵀf</c> with a weight of order one.
    /// </summary>
    private static double[] OutputWeights(int length, int seed)
    {
        var random = new Random(unchecked(seed ^ 0x5DEECE6));
        var w = new double[length];
        for (var k = 0; k < length; k++)
        {
            var magnitude = 0.5 + random.NextDouble();
            w[k] = random.Next(2) == 0 ? -magnitude : magnitude;
        }

        return w;
    }
}
