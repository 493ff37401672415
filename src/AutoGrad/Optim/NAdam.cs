using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="NAdam"/> (PyTorch's defaults).</summary>
public sealed record NAdamOptions : AdamFamilyOptions
{
    /// <summary>Creates the options with PyTorch's defaults (learning rate 2e-3).</summary>
    public NAdamOptions() => LearningRate = 2e-3;

    /// <summary>Momentum decay ψ of the schedule μₜ = β₁·(1 − ½·0.96^(t·ψ)).</summary>
    public double MomentumDecay { get; set; } = 4e-3;

    /// <summary>Decouple the weight decay from the gradient (θ ← θ·(1 − lr·λ), "NAdamW"; PyTorch 2.x).</summary>
    public bool DecoupledWeightDecay { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireNonNegative(MomentumDecay, nameof(MomentumDecay));
    }
}

/// <summary>NAdam: Adam with Nesterov momentum, under a warming-up momentum schedule (Dozat).</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.NAdam</c> rule, for gradient g of parameter θ at step t (counted per parameter from 1):
/// <code>
/// g ← −g if maximize
/// g ← g + λθ                          (coupled weight decay)   or   θ ← θ·(1 − lr·λ)   (decoupled)
/// μₜ ← β₁·(1 − ½·0.96^(t·ψ));   μₜ₊₁ ← β₁·(1 − ½·0.96^((t+1)·ψ))
/// P ← P·μₜ                                          (P, mu_product, starts at 1: P = Π_{i≤t} μᵢ)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
/// r ← √(v / (1 − β₂ᵗ)) + ε
/// θ ← θ − lr·(1 − μₜ)/(1 − P) · g / r − lr·μₜ₊₁/(1 − P·μₜ₊₁) · m / r
/// </code>
/// State per parameter: <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v) and the scalar <c>mu_product</c> (P).
/// The product one step ahead is P·μₜ₊₁ = Π_{i≤t+1} μᵢ, as PyTorch documents and computes since 2.0; PyTorch 1.13
/// multiplied μₜ in twice (fixed by pytorch/pytorch#92699).
/// </remarks>
public sealed class NAdam : Optimizer<NAdamOptions>
{
    /// <summary>Creates NAdam; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 2e-3, PyTorch's).</param>
    /// <param name="beta1">First-moment decay β₁ in [0, 1) (default 0.9).</param>
    /// <param name="beta2">Second-moment decay β₂ in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Denominator term ε ≥ 0 (default 1e-8).</param>
    /// <param name="weightDecay">Weight decay λ ≥ 0 (default 0).</param>
    /// <param name="momentumDecay">Momentum decay ψ ≥ 0 (default 4e-3).</param>
    /// <param name="decoupledWeightDecay">Apply λ as AdamW does.</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public NAdam(IEnumerable<IVariable>? parameters = null, double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double momentumDecay = 4e-3, bool decoupledWeightDecay = false, bool maximize = false)
        : base(parameters, new NAdamOptions { LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, WeightDecay = weightDecay, MomentumDecay = momentumDecay, DecoupledWeightDecay = decoupledWeightDecay, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "NAdam";

    /// <inheritdoc/>
    protected override void Update<T>(NAdamOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var n = value.Length;
        var t = (double)state.Step;
        var lr = options.LearningRate;
        var mu = options.Beta1 * (1 - (0.5 * Math.Pow(0.96, t * options.MomentumDecay)));
        var muNext = options.Beta1 * (1 - (0.5 * Math.Pow(0.96, (t + 1) * options.MomentumDecay)));
        var muProduct = state.Scalar("mu_product", 1) * mu;
        state.SetScalar("mu_product", muProduct);
        var muProductNext = muProduct * muNext;

        var m = state.Buffer<T>("exp_avg", n).AsSpan();
        var v = state.Buffer<T>("exp_avg_sq", n).AsSpan();
        var work = state.Scratch<T>(2 * AdaptiveMath.LongestBlock(n)).AsSpan();
        for (int start = 0, length; start < n; start += length)
        {
            length = AdaptiveMath.NextBlock(n - start);
            var p = value.Slice(start, length);
            var mb = m.Slice(start, length);
            var vb = v.Slice(start, length);
            var d = work[..length];
            var denominator = work.Slice(length, length);
            AdaptiveMath.DirectionAndMoments(options, options.DecoupledWeightDecay, grad.Slice(start, length), p, d, mb, vb, denominator);

            // √(v / (1 − β₂ᵗ)) + ε: NAdam divides before the root, unlike Adam.
            TensorPrimitives.Divide(vb, T.CreateChecked(1 - Math.Pow(options.Beta2, t)), denominator);
            TensorPrimitives.Sqrt<T>(denominator, denominator);
            TensorPrimitives.Add(denominator, T.CreateChecked(options.Epsilon), denominator);
            AdaptiveMath.AddScaledQuotient(p, -lr * (1 - mu) / (1 - muProduct), d, denominator, d);
            AdaptiveMath.AddScaledQuotient<T>(p, -lr * muNext / (1 - muProductNext), mb, denominator, d);
        }
    }
}
