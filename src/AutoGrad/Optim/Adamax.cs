using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="Adamax"/> (PyTorch's defaults).</summary>
public sealed record AdamaxOptions : AdamFamilyOptions
{
    /// <summary>Creates the options with PyTorch's defaults (learning rate 2e-3).</summary>
    public AdamaxOptions() => LearningRate = 2e-3;
}

/// <summary>Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.Adamax</c> rule, for gradient g of parameter θ at step t (counted per parameter from 1):
/// <code>
/// g ← −g if maximize;   g ← g + λθ
/// m ← β₁·m + (1 − β₁)·g                       (m starts at 0)
/// u ← max(β₂·u, |g| + ε)                      (u starts at 0)
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / u
/// </code>
/// State per parameter: <c>exp_avg</c> (m) and <c>exp_inf</c> (u).
/// </remarks>
public sealed class Adamax : Optimizer<AdamaxOptions>
{
    /// <summary>Creates Adamax; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 2e-3, PyTorch's).</param>
    /// <param name="beta1">First-moment decay β₁ in [0, 1) (default 0.9).</param>
    /// <param name="beta2">Infinity-norm decay β₂ in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Term ε ≥ 0 (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 (default 0).</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public Adamax(IEnumerable<IVariable>? parameters = null, double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool maximize = false)
        : base(parameters, new AdamaxOptions { LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, WeightDecay = weightDecay, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "Adamax";

    /// <inheritdoc/>
    protected override void Update<T>(AdamaxOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var n = value.Length;
        var m = state.Buffer<T>("exp_avg", n).AsSpan();
        var u = state.Buffer<T>("exp_inf", n).AsSpan();
        var rate = options.LearningRate / (1 - Math.Pow(options.Beta1, state.Step));
        var work = state.Scratch<T>(2 * AdaptiveMath.LongestBlock(n)).AsSpan();
        for (int start = 0, length; start < n; start += length)
        {
            length = AdaptiveMath.NextBlock(n - start);
            var p = value.Slice(start, length);
            var mb = m.Slice(start, length);
            var ub = u.Slice(start, length);
            var d = work[..length];
            var magnitude = work.Slice(length, length);
            SGD.Direction(grad.Slice(start, length), p, d, options.Maximize, options.WeightDecay);

            AdaptiveMath.Average<T>(mb, d, options.Beta1);
            TensorPrimitives.Multiply(ub, T.CreateChecked(options.Beta2), ub);
            TensorPrimitives.Abs<T>(d, magnitude);
            TensorPrimitives.Add(magnitude, T.CreateChecked(options.Epsilon), magnitude);
            TensorPrimitives.Max<T>(ub, magnitude, ub);   // NaN propagates, as torch.amax does
            AdaptiveMath.AddScaledQuotient<T>(p, -rate, mb, ub, d);
        }
    }
}
