using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="Adam"/> and <see cref="AdamW"/> (PyTorch's defaults are Adam's).</summary>
public sealed record AdamOptions : AdamFamilyOptions
{
    /// <summary>Use the AMSGrad variant: normalize by the running maximum of the second-moment estimate.</summary>
    public bool AmsGrad { get; set; }

    /// <summary>Decouple the weight decay from the gradient (θ ← θ·(1 − lr·λ)), as AdamW does; true for <see cref="AdamW"/>.</summary>
    public bool DecoupledWeightDecay { get; set; }
}

/// <summary>Adam: adaptive moment estimation, with optional AMSGrad, weight decay (coupled or decoupled) and maximization.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.Adam</c> rule, for gradient g of parameter θ at step t (counted per parameter from 1):
/// <code>
/// g ← −g if maximize
/// g ← g + λθ                          (coupled weight decay)   or   θ ← θ·(1 − lr·λ)   (decoupled)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²                (m, v start at 0)
/// v̂ ← max(v̂, v) if amsgrad, else v                               (v̂ starts at 0)
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// State per parameter: <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v) and, with AMSGrad, <c>max_exp_avg_sq</c> (v̂).
/// </remarks>
public sealed class Adam : Optimizer<AdamOptions>
{
    /// <summary>Creates Adam; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 1e-3, PyTorch's).</param>
    /// <param name="beta1">First-moment decay β₁ in [0, 1) (default 0.9).</param>
    /// <param name="beta2">Second-moment decay β₂ in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Denominator term ε ≥ 0 (default 1e-8).</param>
    /// <param name="weightDecay">Weight decay λ ≥ 0 (default 0).</param>
    /// <param name="amsGrad">Use the AMSGrad variant.</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <param name="decoupledWeightDecay">Apply λ as AdamW does (PyTorch 2.x's <c>decoupled_weight_decay</c>); <see cref="AdamW"/> sets it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public Adam(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool amsGrad = false, bool maximize = false, bool decoupledWeightDecay = false)
        : base(parameters, new AdamOptions { LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, WeightDecay = weightDecay, AmsGrad = amsGrad, Maximize = maximize, DecoupledWeightDecay = decoupledWeightDecay })
    {
    }

    /// <inheritdoc/>
    public override string Name => "Adam";

    /// <inheritdoc/>
    protected override void Update<T>(AdamOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply(options, state, value, grad);

    /// <summary>The update rule of Adam and AdamW (the options say which weight decay).</summary>
    internal static void Apply<T>(AdamOptions o, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var n = value.Length;
        var work = state.Scratch<T>(2 * n).AsSpan();
        var d = work[..n];
        var denominator = work[n..];
        SGD.Direction(grad, value, d, o.Maximize, o.DecoupledWeightDecay ? 0 : o.WeightDecay);
        if (o.DecoupledWeightDecay)
        {
            AdaptiveMath.DecayWeights(value, o.LearningRate, o.WeightDecay);
        }

        var m = state.Buffer<T>("exp_avg", n);
        var v = state.Buffer<T>("exp_avg_sq", n);
        AdaptiveMath.Average<T>(m, d, o.Beta1);
        AdaptiveMath.AverageOfSquares<T>(v, d, o.Beta2, denominator);

        var t = (double)state.Step;
        var stepSize = o.LearningRate / (1 - Math.Pow(o.Beta1, t));
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(o.Beta2, t));
        var second = v;
        if (o.AmsGrad)
        {
            second = state.Buffer<T>("max_exp_avg_sq", n);
            TensorPrimitives.Max(second, v, second);
        }

        // (√v̂ / √(1 − β₂ᵗ)) + ε, then θ + (−step·m)/denominator: PyTorch's order.
        TensorPrimitives.Sqrt<T>(second, denominator);
        TensorPrimitives.Divide(denominator, T.CreateChecked(biasCorrection2Sqrt), denominator);
        TensorPrimitives.Add(denominator, T.CreateChecked(o.Epsilon), denominator);
        AdaptiveMath.AddScaledQuotient<T>(value, -stepSize, m, denominator, d);
    }
}
