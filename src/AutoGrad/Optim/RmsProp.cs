using System.Numerics.Tensors;

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
    protected override void Update<T>(RMSpropOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
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
