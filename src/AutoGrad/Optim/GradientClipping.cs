using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>
/// Gradient clipping between <c>Backward()</c> and <see cref="Optimizer.Step"/>, as PyTorch's
/// <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>: guards against exploding gradients.
/// </summary>
/// <remarks>
/// <para>
/// Both functions change the parameters' gradients in place, skip parameters whose <see cref="IVariable.Grad"/> is
/// null, and count a parameter listed twice once. Typical use:
/// </para>
/// <code>
/// optimizer.ZeroGrad();
/// loss.Backward();
/// var norm = GradientClipping.ClipByNorm(optimizer.Parameters, maxNorm: 1.0);
/// optimizer.Step();
/// </code>
/// <para>
/// Clipping is not differentiated (PyTorch clips under no-grad too). A gradient left by
/// <c>Backward(createGraph: true)</c> is on a graph and may be shared with other variables; when clipping changes it,
/// it is replaced by a clipped copy that is off the graph, and the original (and anything computed from it) keeps its
/// values. A gradient from an ordinary <c>Backward()</c> is changed in place, as in PyTorch.
/// </para>
/// </remarks>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so that their total norm is at most <paramref name="maxNorm"/>, and returns the
    /// total norm before clipping.
    /// </summary>
    /// <remarks>
    /// <para>PyTorch's formula, the norm of the per-parameter norms (all gradients as one vector):</para>
    /// <code>
    /// total = ‖(‖g₁‖_p, …, ‖g_k‖_p)‖_p          (p = ∞: the largest |gᵢ|)
    /// c = min(maxNorm / (total + 1e-6), 1);   gᵢ ← c·gᵢ
    /// </code>
    /// <para>
    /// Each parameter's norm is computed in its own element type (as PyTorch does for float), the total in double.
    /// A NaN or infinite total makes the gradients NaN or zero (as in PyTorch) unless
    /// <paramref name="errorIfNonFinite"/> asks for an exception instead.
    /// </para>
    /// </remarks>
    /// <param name="parameters">The parameters whose gradients to clip (for example <see cref="Optimizer.Parameters"/>).</param>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0; +∞ only measures).</param>
    /// <param name="normType">The order p of the norm: a number &gt; 0 (2, the default, is Euclidean) or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonFinite">Throw, leaving the gradients unchanged, when the total norm is NaN or infinite.</param>
    /// <returns>The total norm of the gradients before clipping (0 when no parameter has a gradient).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> or <paramref name="normType"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A parameter is null or of an element type other than double and float.</exception>
    /// <exception cref="InvalidOperationException">The total norm is not finite and <paramref name="errorIfNonFinite"/> is set.</exception>
    public static double ClipByNorm(IEnumerable<IVariable> parameters, double maxNorm, double normType = 2, bool errorIfNonFinite = false)
    {
        var list = Distinct(parameters, nameof(ClipByNorm));
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"{nameof(ClipByNorm)}: {nameof(maxNorm)} must be ≥ 0; got {Format(maxNorm)}.");
        }

        if (!(normType > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(normType), normType, $"{nameof(ClipByNorm)}: {nameof(normType)} must be > 0 (2 is Euclidean) or PositiveInfinity; got {Format(normType)}.");
        }

        var any = false;
        var total = 0.0;
        for (var i = 0; i < list.Count; i++)
        {
            var norm = list[i] switch
            {
                Variable<double> d => PartialNorm(d.CurrentGrad, normType),
                Variable<float> f => PartialNorm(f.CurrentGrad, normType),
                _ => null,
            };
            if (norm is not { } n)
            {
                continue;
            }

            any = true;
            total = double.IsPositiveInfinity(normType)
                ? (double.IsNaN(n) || n > total ? n : total)
                : total + Power(n, normType);
        }

        if (!any)
        {
            return 0;
        }

        if (!double.IsPositiveInfinity(normType))
        {
            total = Root(total, normType);
        }

        if (errorIfNonFinite && !double.IsFinite(total))
        {
            var culprit = list.FindIndex(p => p switch
            {
                Variable<double> d => !AllFinite(d.CurrentGrad),
                Variable<float> f => !AllFinite(f.CurrentGrad),
                _ => false,
            }) is var i and >= 0
                ? $" (the gradient of parameter {i}, shape {list[i].Shape}, holds NaN or ±∞)"
                : " (every gradient is finite, but the norm overflows)";
            throw new InvalidOperationException($"{nameof(ClipByNorm)}: the total norm of order {Format(normType)} of the gradients is {Format(total)}{culprit}, so they cannot be clipped; the gradients are unchanged. Pass errorIfNonFinite: false to scale them by the non-finite norm anyway.");
        }

        // PyTorch multiplies even when the coefficient is 1; skipping that exact no-op changes no value and leaves
        // graph-carrying gradients in place.
        var coefficient = Math.Min(maxNorm / (total + 1e-6), 1.0);
        if (coefficient != 1.0)
        {
            foreach (var p in list)
            {
                switch (p)
                {
                    case Variable<double> d:
                        Scale(d, coefficient);
                        break;
                    case Variable<float> f:
                        Scale(f, coefficient);
                        break;
                }
            }
        }

        return total;
    }

    /// <summary>Clamps every gradient element to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] (NaN stays NaN).</summary>
    /// <param name="parameters">The parameters whose gradients to clip.</param>
    /// <param name="clipValue">The largest allowed magnitude (≥ 0; +∞ changes nothing).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is negative or NaN.</exception>
    /// <exception cref="ArgumentException">A parameter is null or of an element type other than double and float.</exception>
    public static void ClipByValue(IEnumerable<IVariable> parameters, double clipValue)
    {
        var list = Distinct(parameters, nameof(ClipByValue));
        if (!(clipValue >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, $"{nameof(ClipByValue)}: {nameof(clipValue)} must be ≥ 0; got {Format(clipValue)}.");
        }

        foreach (var p in list)
        {
            switch (p)
            {
                case Variable<double> d:
                    Clamp(d, clipValue);
                    break;
                case Variable<float> f:
                    Clamp(f, clipValue);
                    break;
            }
        }
    }

    private static List<IVariable> Distinct(IEnumerable<IVariable> parameters, string operation)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = new List<IVariable>();
        var seen = new HashSet<IVariable>(ReferenceEqualityComparer.Instance);
        var i = 0;
        foreach (var p in parameters)
        {
            if (p is null)
            {
                throw new ArgumentException($"{operation}: parameter {i} is null.", nameof(parameters));
            }

            if (p.ElementType != typeof(double) && p.ElementType != typeof(float))
            {
                throw new ArgumentException($"{operation}: parameter {i} (shape {p.Shape}) has element type {p.ElementType.Name}; gradients of double and float parameters can be clipped.", nameof(parameters));
            }

            if (seen.Add(p))
            {
                list.Add(p);
            }

            i++;
        }

        return list;
    }

    /// <summary>‖g‖_p of one gradient, in its element type, or null when there is no gradient.</summary>
    private static double? PartialNorm<T>(Variable<T>? grad, double p)
        where T : IFloatingPointIeee754<T>
    {
        if (grad is null)
        {
            return null;
        }

        var g = grad.Values;
        if (g.Length == 0)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(p))
        {
            return double.CreateTruncating(T.Abs(TensorPrimitives.MaxMagnitude(g)));
        }

        if (p == 2)
        {
            return double.CreateTruncating(TensorPrimitives.Norm(g));
        }

        if (p == 1)
        {
            return double.CreateTruncating(TensorPrimitives.SumOfMagnitudes(g));
        }

        var sum = 0.0;
        foreach (var v in g)
        {
            sum += Math.Pow(Math.Abs(double.CreateTruncating(v)), p);
        }

        return Math.Pow(sum, 1 / p);
    }

    private static bool AllFinite<T>(Variable<T>? grad)
        where T : IFloatingPointIeee754<T>
    {
        if (grad is null)
        {
            return true;
        }

        foreach (var v in grad.Values)
        {
            if (!T.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static double Power(double x, double p) => p switch
    {
        1 => x,
        2 => x * x,
        _ => Math.Pow(x, p),
    };

    private static double Root(double x, double p) => p switch
    {
        1 => x,
        2 => Math.Sqrt(x),
        _ => Math.Pow(x, 1 / p),
    };

    private static void Scale<T>(Variable<T> parameter, double coefficient)
        where T : IFloatingPointIeee754<T>
    {
        if (parameter.MutableGrad() is { } g)
        {
            TensorPrimitives.Multiply(g, T.CreateTruncating(coefficient), g);
        }
    }

    private static void Clamp<T>(Variable<T> parameter, double clipValue)
        where T : IFloatingPointIeee754<T>
    {
        var grad = parameter.CurrentGrad;
        if (grad is null || grad.Length == 0)
        {
            return;
        }

        var limit = T.CreateTruncating(clipValue);

        // Only a gradient that may change is touched (a graph-carrying one is then replaced by a plain copy); a NaN
        // makes the largest magnitude NaN, and the other elements still need clamping.
        if (T.Abs(TensorPrimitives.MaxMagnitude(grad.Values)) <= limit)
        {
            return;
        }

        var g = parameter.MutableGrad()!;
        TensorPrimitives.Clamp(g, -limit, limit, g);
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
