namespace AutoGrad;

/// <summary>AdamW: <see cref="Adam"/> with decoupled weight decay (Loshchilov &amp; Hutter), PyTorch's default λ = 1e-2.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.AdamW</c> rule is Adam's with the weight decay taken out of the gradient and applied to the
/// parameters directly, so it is not rescaled by the adaptive denominator:
/// <code>
/// g ← −g if maximize;   θ ← θ·(1 − lr·λ)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   v̂ ← max(v̂, v) if amsgrad, else v
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// It is a configuration of Adam, not a copy: the groups hold <see cref="AdamOptions"/> with
/// <see cref="AdamOptions.DecoupledWeightDecay"/> set, and the update is Adam's (as in PyTorch 2.x, where
/// <c>AdamW</c> is <c>Adam(decoupled_weight_decay=True)</c>).
/// </remarks>
public sealed class AdamW : Optimizer<AdamOptions>
{
    /// <summary>Creates AdamW; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 1e-3, PyTorch's).</param>
    /// <param name="beta1">First-moment decay β₁ in [0, 1) (default 0.9).</param>
    /// <param name="beta2">Second-moment decay β₂ in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Denominator term ε ≥ 0 (default 1e-8).</param>
    /// <param name="weightDecay">Decoupled weight decay λ ≥ 0 (default 1e-2, PyTorch's).</param>
    /// <param name="amsGrad">Use the AMSGrad variant.</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public AdamW(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2, bool amsGrad = false, bool maximize = false)
        : base(parameters, new AdamOptions { LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, WeightDecay = weightDecay, AmsGrad = amsGrad, Maximize = maximize, DecoupledWeightDecay = true })
    {
    }

    /// <inheritdoc/>
    public override string Name => "AdamW";

    /// <inheritdoc/>
    protected override void Update<T>(AdamOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Adam.Apply(options, state, value, grad);

    private protected override StepSquares UpdateAndMeasure<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Adam.Apply((AdamOptions)options, state, value, grad);
}
