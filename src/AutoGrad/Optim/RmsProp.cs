using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="RMSprop"/> (PyTorch's defaults).</summary>
public sealed record RMSpropOptions : OptimizerOptions, IMomentumOptions
{
    /// <summary>Creates the options with PyTorch's defaults (learning rate 1e-2).</summary>
    public RMSpropOptions() => LearningRate = 1e-2;

    /// <summary>Smoothing constant α of the running average of squared gradients, in [0, 1].</summary>
    public double Alpha { get; set; } = 0.99;

    /// <summary>Term ε added to the denominator for numerical stability.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>L2 penalty λ added to the gradient.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Momentum factor μ (0 = none).</summary>
    public double Momentum { get; set; }

    /// <summary>Normalize by an estimate of the gradient's variance (subtract the squared running mean) rather than its second moment.</summary>
    public bool Centered { get; set; }

    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireInRange(Alpha, nameof(Alpha), 0, 1, highInclusive: true);
        RequireNonNegative(Epsilon, nameof(Epsilon));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
        RequireNonNegative(Momentum, nameof(Momentum));
    }
}

/// <summary>RMSprop: divide the gradient by a running root-mean-square of recent gradients; optional momentum and centering.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.RMSprop</c> rule, for gradient g of parameter θ:
/// <code>
/// g ← −g if maximize;   g ← g + λθ
/// v ← α·v + (1 − α)·g²                                  (v starts at 0)
/// if centered:  ḡ ← α·ḡ + (1 − α)·g;   r ← √(v − ḡ²) + ε     (ḡ starts at 0)
/// else:         r ← √v + ε
/// if μ &gt; 0:  b ← μ·b + g / r;   θ ← θ − lr·b                (b starts at 0)
/// else:       θ ← θ − lr·g / r
/// </code>
/// State per parameter: <c>square_avg</c> (v), and <c>grad_avg</c> (ḡ) when centered, <c>momentum_buffer</c> (b) with momentum.
/// </remarks>
public sealed class RMSprop : Optimizer<RMSpropOptions>
{
    /// <summary>Creates RMSprop; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 1e-2, PyTorch's).</param>
    /// <param name="alpha">Smoothing constant α in [0, 1] (default 0.99).</param>
    /// <param name="epsilon">Denominator term ε ≥ 0 (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 (default 0).</param>
    /// <param name="momentum">Momentum factor μ ≥ 0 (default 0).</param>
    /// <param name="centered">Normalize by the estimated variance of the gradient.</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public RMSprop(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(parameters, new RMSpropOptions { LearningRate = learningRate, Alpha = alpha, Epsilon = epsilon, WeightDecay = weightDecay, Momentum = momentum, Centered = centered, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "RMSprop";

    /// <inheritdoc/>
    protected override void Update<T>(RMSpropOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply(options, state, value, grad);

    private protected override StepSquares UpdateAndMeasure<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply((RMSpropOptions)options, state, value, grad);

    /// <summary>
    /// The update rule as one vectorized pass: each element's gradient, averages, momentum buffer and value are read
    /// and written once. Every operation is the one <see cref="ApplyMultiPass"/> performs (PyTorch's order, no fused
    /// multiply-add), so the results are bitwise the same.
    /// </summary>
    /// <returns>Σg² and Σ(θ_new − θ_old)², for the <see cref="StepReport"/>.</returns>
    internal static StepSquares Apply<T>(RMSpropOptions o, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var n = value.Length;
        if (grad.Length != n)
        {
            throw new ArgumentException($"RMSprop: the gradient has {grad.Length} elements; the parameter has {n}.", nameof(grad));
        }

        // Buffers in the multi-pass order, so saved state lists them the same way.
        var centered = o.Centered;
        var hasMomentum = o.Momentum > 0;
        var squareAverage = state.Buffer<T>("square_avg", n).AsSpan();
        var gradAverage = centered ? state.Buffer<T>("grad_avg", n).AsSpan() : squareAverage;
        var buffer = hasMomentum ? state.Buffer<T>("momentum_buffer", n).AsSpan() : squareAverage;
        var maximize = o.Maximize;
        var decays = o.WeightDecay != 0;
        var weightDecay = T.CreateChecked(o.WeightDecay);
        var alpha = T.CreateChecked(o.Alpha);
        var oneMinusAlpha = T.CreateChecked(1 - o.Alpha);
        var epsilon = T.CreateChecked(o.Epsilon);
        var momentum = T.CreateChecked(o.Momentum);
        var negativeLearningRate = T.CreateChecked(-o.LearningRate);

        ref var pRef = ref MemoryMarshal.GetReference(value);
        ref var gRef = ref MemoryMarshal.GetReference(grad);
        ref var vRef = ref MemoryMarshal.GetReference(squareAverage);
        ref var aRef = ref MemoryMarshal.GetReference(gradAverage);
        ref var bRef = ref MemoryMarshal.GetReference(buffer);
        var i = 0;
        var gradientSquares = 0.0;
        var changeSquares = 0.0;
        if (StepNorms.Vectorizable<T>() && n >= Vector<T>.Count)
        {
            var weightDecayV = new Vector<T>(weightDecay);
            var alphaV = new Vector<T>(alpha);
            var oneMinusAlphaV = new Vector<T>(oneMinusAlpha);
            var epsilonV = new Vector<T>(epsilon);
            var momentumV = new Vector<T>(momentum);
            var negativeLearningRateV = new Vector<T>(negativeLearningRate);
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

                if (decays)
                {
                    d = (p0 * weightDecayV) + d;
                }

                var v = (d * oneMinusAlphaV * d) + (Vector.LoadUnsafe(ref vRef, k) * alphaV);
                v.StoreUnsafe(ref vRef, k);
                Vector<T> root;
                if (centered)
                {
                    var a = (d * oneMinusAlphaV) + (Vector.LoadUnsafe(ref aRef, k) * alphaV);
                    a.StoreUnsafe(ref aRef, k);
                    root = Vector.SquareRoot(v - (a * a));
                }
                else
                {
                    root = Vector.SquareRoot(v);
                }

                root += epsilonV;
                Vector<T> p;
                if (hasMomentum)
                {
                    var b = (Vector.LoadUnsafe(ref bRef, k) * momentumV) + (d / root);
                    b.StoreUnsafe(ref bRef, k);
                    p = (b * negativeLearningRateV) + p0;
                }
                else
                {
                    p = p0 + (d * negativeLearningRateV / root);
                }

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

            if (decays)
            {
                d = (p0 * weightDecay) + d;
            }

            var v = (d * oneMinusAlpha * d) + (squareAverage[i] * alpha);
            squareAverage[i] = v;
            T root;
            if (centered)
            {
                var a = (d * oneMinusAlpha) + (gradAverage[i] * alpha);
                gradAverage[i] = a;
                root = T.Sqrt(v - (a * a));
            }
            else
            {
                root = T.Sqrt(v);
            }

            root += epsilon;
            T p;
            if (hasMomentum)
            {
                var b = (buffer[i] * momentum) + (d / root);
                buffer[i] = b;
                p = (b * negativeLearningRate) + p0;
            }
            else
            {
                p = p0 + (d * negativeLearningRate / root);
            }

            value[i] = p;
            changeSquares = StepNorms.AddSquare(changeSquares, p - p0);
        }

        return new StepSquares(gradientSquares, changeSquares);
    }

    /// <summary>
    /// The update rule as separate whole-tensor steps, each rounded as PyTorch's CPU kernel rounds it. Superseded by
    /// the fused <see cref="Apply"/>; kept as the oracle the fused loop is tested against bit for bit.
    /// </summary>
    internal static void ApplyMultiPass<T>(RMSpropOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var n = value.Length;
        var work = state.Scratch<T>(2 * n).AsSpan();
        var d = work[..n];
        var root = work[n..];
        SGD.Direction(grad, value, d, options.Maximize, options.WeightDecay);

        var squareAverage = state.Buffer<T>("square_avg", n);
        AdaptiveMath.AverageOfSquares<T>(squareAverage, d, options.Alpha, root);
        if (options.Centered)
        {
            var gradAverage = state.Buffer<T>("grad_avg", n);
            AdaptiveMath.Average<T>(gradAverage, d, options.Alpha);

            // v.addcmul(ḡ, ḡ, value=−1) rounds as v − ḡ·ḡ.
            TensorPrimitives.Multiply<T>(gradAverage, gradAverage, root);
            TensorPrimitives.Subtract<T>(squareAverage, root, root);
            TensorPrimitives.Sqrt<T>(root, root);
        }
        else
        {
            TensorPrimitives.Sqrt<T>(squareAverage, root);
        }

        TensorPrimitives.Add(root, T.CreateChecked(options.Epsilon), root);
        if (options.Momentum > 0)
        {
            var buffer = state.Buffer<T>("momentum_buffer", n);
            TensorPrimitives.Multiply(buffer, T.CreateChecked(options.Momentum), buffer);
            TensorPrimitives.Divide(d, root, d);
            TensorPrimitives.Add<T>(buffer, d, buffer);
            TensorPrimitives.MultiplyAdd(buffer, T.CreateChecked(-options.LearningRate), value, value);
        }
        else
        {
            AdaptiveMath.AddScaledQuotient(value, -options.LearningRate, d, root, d);
        }
    }
}
