using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="RAdam"/> (PyTorch's defaults).</summary>
public sealed record RAdamOptions : AdamFamilyOptions
{
    /// <summary>Decouple the weight decay from the gradient (θ ← θ·(1 − lr·λ), as AdamW; PyTorch 2.x).</summary>
    public bool DecoupledWeightDecay { get; set; }
}

/// <summary>RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is tractable, and then rectified (Liu et al.).</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.RAdam</c> rule, for gradient g of parameter θ at step t (counted per parameter from 1):
/// <code>
/// g ← −g if maximize
/// g ← g + λθ                          (coupled weight decay)   or   θ ← θ·(1 − lr·λ)   (decoupled)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   m̂ ← m / (1 − β₁ᵗ)
/// ρ∞ ← 2/(1 − β₂) − 1;   ρₜ ← ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
/// if ρₜ &gt; 5:  r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ));   θ ← θ − lr·m̂ · √(1 − β₂ᵗ)/(√v + ε) · r
/// else:       θ ← θ − lr·m̂                       (SGD with momentum while the variance is intractable)
/// </code>
/// With the default β₂ = 0.999 the first five steps take the un-adapted branch. State per parameter: <c>exp_avg</c> (m)
/// and <c>exp_avg_sq</c> (v).
/// </remarks>
public sealed class RAdam : Optimizer<RAdamOptions>
{
    /// <summary>Creates RAdam; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 1e-3, PyTorch's).</param>
    /// <param name="beta1">First-moment decay β₁ in [0, 1) (default 0.9).</param>
    /// <param name="beta2">Second-moment decay β₂ in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Denominator term ε ≥ 0 (default 1e-8).</param>
    /// <param name="weightDecay">Weight decay λ ≥ 0 (default 0).</param>
    /// <param name="decoupledWeightDecay">Apply λ as AdamW does.</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public RAdam(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false, bool maximize = false)
        : base(parameters, new RAdamOptions { LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, WeightDecay = weightDecay, DecoupledWeightDecay = decoupledWeightDecay, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "RAdam";

    /// <inheritdoc/>
    protected override void Update<T>(RAdamOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var n = value.Length;
        var m = state.Buffer<T>("exp_avg", n).AsSpan();
        var v = state.Buffer<T>("exp_avg_sq", n).AsSpan();
        var t = (double)state.Step;
        var biasCorrection1 = 1 - Math.Pow(options.Beta1, t);
        var biasCorrection2 = 1 - Math.Pow(options.Beta2, t);
        var rhoInfinity = (2 / (1 - options.Beta2)) - 1;
        var rho = rhoInfinity - (2 * t * Math.Pow(options.Beta2, t) / biasCorrection2);
        var rectification = rho > 5 ? Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)) : 0;

        var work = state.Scratch<T>(2 * AdaptiveMath.LongestBlock(n)).AsSpan();
        for (int start = 0, length; start < n; start += length)
        {
            length = AdaptiveMath.NextBlock(n - start);
            var p = value.Slice(start, length);
            var mb = m.Slice(start, length);
            var vb = v.Slice(start, length);
            var d = work[..length];
            var adaptive = work.Slice(length, length);
            AdaptiveMath.DirectionAndMoments(options, options.DecoupledWeightDecay, grad.Slice(start, length), p, d, mb, vb, adaptive);

            // The step m̂·lr·(√(1 − β₂ᵗ)/(√v + ε))·r, multiplied in that order, then subtracted.
            var step = d;
            TensorPrimitives.Divide<T>(mb, T.CreateChecked(biasCorrection1), step);
            TensorPrimitives.Multiply(step, T.CreateChecked(options.LearningRate), step);
            if (rho > 5)
            {
                TensorPrimitives.Sqrt<T>(vb, adaptive);
                TensorPrimitives.Add(adaptive, T.CreateChecked(options.Epsilon), adaptive);
                TensorPrimitives.Divide(T.CreateChecked(Math.Sqrt(biasCorrection2)), adaptive, adaptive);
                TensorPrimitives.Multiply<T>(step, adaptive, step);
                TensorPrimitives.Multiply(step, T.CreateChecked(rectification), step);
            }

            TensorPrimitives.Subtract<T>(p, step, p);
        }
    }
}
