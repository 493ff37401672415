using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

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

    private protected override StepSquares UpdateAndMeasure<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply((AdamOptions)options, state, value, grad);

    /// <summary>
    /// The update rule of Adam and AdamW (the options say which weight decay), as one vectorized pass: each element's
    /// gradient, moments and value are read and written once. Every operation is the one <see cref="ApplyMultiPass"/>
    /// performs (PyTorch's order, no fused multiply-add), so the results are bitwise the same.
    /// </summary>
    /// <returns>Σg² and Σ(θ_new − θ_old)², for the <see cref="StepReport"/>.</returns>
    internal static StepSquares Apply<T>(AdamOptions o, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var n = value.Length;
        if (grad.Length != n)
        {
            throw new ArgumentException($"Adam: the gradient has {grad.Length} elements; the parameter has {n}.", nameof(grad));
        }

        // Buffers in the multi-pass order, so saved state lists them the same way.
        var m = state.Buffer<T>("exp_avg", n).AsSpan();
        var v = state.Buffer<T>("exp_avg_sq", n).AsSpan();
        var vMax = o.AmsGrad ? state.Buffer<T>("max_exp_avg_sq", n).AsSpan() : v;

        var t = (double)state.Step;
        var maximize = o.Maximize;
        var coupled = !o.DecoupledWeightDecay && o.WeightDecay != 0;
        var decoupled = o.DecoupledWeightDecay && o.WeightDecay != 0;
        var amsGrad = o.AmsGrad;
        var weightDecay = T.CreateChecked(o.WeightDecay);
        var decay = T.CreateChecked(1 - (o.LearningRate * o.WeightDecay));
        var beta1 = T.CreateChecked(o.Beta1);
        var oneMinusBeta1 = T.CreateChecked(1 - o.Beta1);
        var beta2 = T.CreateChecked(o.Beta2);
        var oneMinusBeta2 = T.CreateChecked(1 - o.Beta2);
        var negativeStepSize = T.CreateChecked(-(o.LearningRate / (1 - Math.Pow(o.Beta1, t))));
        var biasCorrection2Sqrt = T.CreateChecked(Math.Sqrt(1 - Math.Pow(o.Beta2, t)));
        var epsilon = T.CreateChecked(o.Epsilon);

        ref var pRef = ref MemoryMarshal.GetReference(value);
        ref var gRef = ref MemoryMarshal.GetReference(grad);
        ref var mRef = ref MemoryMarshal.GetReference(m);
        ref var vRef = ref MemoryMarshal.GetReference(v);
        ref var vMaxRef = ref MemoryMarshal.GetReference(vMax);
        var i = 0;
        var gradientSquares = 0.0;
        var changeSquares = 0.0;
        if (StepNorms.Vectorizable<T>() && n >= Vector<T>.Count)
        {
            var weightDecayV = new Vector<T>(weightDecay);
            var decayV = new Vector<T>(decay);
            var beta1V = new Vector<T>(beta1);
            var oneMinusBeta1V = new Vector<T>(oneMinusBeta1);
            var beta2V = new Vector<T>(beta2);
            var oneMinusBeta2V = new Vector<T>(oneMinusBeta2);
            var negativeStepSizeV = new Vector<T>(negativeStepSize);
            var biasCorrection2SqrtV = new Vector<T>(biasCorrection2Sqrt);
            var epsilonV = new Vector<T>(epsilon);
            var gradientSum = default(StepNorms.SquareSum);
            var changeSum = default(StepNorms.SquareSum);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var k = (nuint)i;
                var p0 = Vector.LoadUnsafe(ref pRef, k);
                var d = Vector.LoadUnsafe(ref gRef, k);
                gradientSum.Add(d);
                if (maximize)
                {
                    d = -d;
                }

                if (coupled)
                {
                    d = (p0 * weightDecayV) + d;
                }

                var p = decoupled ? p0 * decayV : p0;
                var mi = (d * oneMinusBeta1V) + (Vector.LoadUnsafe(ref mRef, k) * beta1V);
                var vi = (d * oneMinusBeta2V * d) + (Vector.LoadUnsafe(ref vRef, k) * beta2V);
                mi.StoreUnsafe(ref mRef, k);
                vi.StoreUnsafe(ref vRef, k);
                if (amsGrad)
                {
                    vi = Vector.Max(Vector.LoadUnsafe(ref vMaxRef, k), vi);
                    vi.StoreUnsafe(ref vMaxRef, k);
                }

                var denominator = (Vector.SquareRoot(vi) / biasCorrection2SqrtV) + epsilonV;
                p += mi * negativeStepSizeV / denominator;
                p.StoreUnsafe(ref pRef, k);
                changeSum.Add(p - p0);
            }

            gradientSquares = gradientSum.Total;
            changeSquares = changeSum.Total;
        }

        for (; i < n; i++)
        {
            var p0 = value[i];
            var d = grad[i];
            gradientSquares = StepNorms.AddSquare(gradientSquares, d);
            if (maximize)
            {
                d = -d;
            }

            if (coupled)
            {
                d = (p0 * weightDecay) + d;
            }

            var p = decoupled ? p0 * decay : p0;
            var mi = (d * oneMinusBeta1) + (m[i] * beta1);
            var vi = (d * oneMinusBeta2 * d) + (v[i] * beta2);
            m[i] = mi;
            v[i] = vi;
            if (amsGrad)
            {
                vi = T.Max(vMax[i], vi);
                vMax[i] = vi;
            }

            var denominator = (T.Sqrt(vi) / biasCorrection2Sqrt) + epsilon;
            p += mi * negativeStepSize / denominator;
            value[i] = p;
            changeSquares = StepNorms.AddSquare(changeSquares, p - p0);
        }

        return new StepSquares(gradientSquares, changeSquares);
    }

    /// <summary>
    /// The update rule of Adam and AdamW as separate whole-tensor steps, each rounded as PyTorch's CPU kernel rounds
    /// it. Superseded by the fused <see cref="Apply"/>; kept as the oracle the fused loop is tested against bit for bit.
    /// </summary>
    internal static void ApplyMultiPass<T>(AdamOptions o, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
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
