using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="Adagrad"/> (PyTorch's defaults).</summary>
public sealed record AdagradOptions : OptimizerOptions
{
    /// <summary>Creates the options with PyTorch's defaults (learning rate 1e-2).</summary>
    public AdagradOptions() => LearningRate = 1e-2;

    /// <summary>Learning-rate decay η: step t uses lr / (1 + (t − 1)·η).</summary>
    public double LearningRateDecay { get; set; }

    /// <summary>L2 penalty λ added to the gradient.</summary>
    public double WeightDecay { get; set; }

    /// <summary>The value every element of the sum of squared gradients starts from.</summary>
    public double InitialAccumulatorValue { get; set; }

    /// <summary>Term ε added to the denominator for numerical stability.</summary>
    public double Epsilon { get; set; } = 1e-10;

    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireNonNegative(LearningRateDecay, nameof(LearningRateDecay));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
        RequireNonNegative(InitialAccumulatorValue, nameof(InitialAccumulatorValue));
        RequireNonNegative(Epsilon, nameof(Epsilon));
    }
}

/// <summary>Adagrad: per-element learning rates that shrink with the sum of the squared gradients seen so far.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.Adagrad</c> rule, for gradient g of parameter θ at step t (counted per parameter from 1):
/// <code>
/// g ← −g if maximize;   g ← g + λθ
/// γ ← lr / (1 + (t − 1)·η)
/// s ← s + g²                                   (s starts at initial_accumulator_value)
/// θ ← θ − γ·g / (√s + ε)
/// </code>
/// State per parameter: <c>sum</c> (s).
/// </remarks>
public sealed class Adagrad : Optimizer<AdagradOptions>
{
    /// <summary>Creates Adagrad; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 (default 1e-2, PyTorch's).</param>
    /// <param name="learningRateDecay">Learning-rate decay η ≥ 0 (default 0).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 (default 0).</param>
    /// <param name="initialAccumulatorValue">Starting value ≥ 0 of the sum of squared gradients (default 0).</param>
    /// <param name="epsilon">Denominator term ε ≥ 0 (default 1e-10).</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public Adagrad(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-2, double learningRateDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double epsilon = 1e-10, bool maximize = false)
        : base(parameters, new AdagradOptions { LearningRate = learningRate, LearningRateDecay = learningRateDecay, WeightDecay = weightDecay, InitialAccumulatorValue = initialAccumulatorValue, Epsilon = epsilon, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "Adagrad";

    /// <inheritdoc/>
    protected override void Update<T>(AdagradOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var n = value.Length;
        var work = state.Scratch<T>(2 * n).AsSpan();
        var d = work[..n];
        var denominator = work[n..];
        SGD.Direction(grad, value, d, options.Maximize, options.WeightDecay);

        // PyTorch fills the sum when the parameter joins; filling it before the first update is the same.
        var first = !state.HasBuffer("sum");
        var sum = state.Buffer<T>("sum", n);
        if (first)
        {
            sum.AsSpan().Fill(T.CreateChecked(options.InitialAccumulatorValue));
        }

        var rate = options.LearningRate / (1 + ((state.Step - 1) * options.LearningRateDecay));
        TensorPrimitives.MultiplyAdd(d, d, sum, sum);
        TensorPrimitives.Sqrt<T>(sum, denominator);
        TensorPrimitives.Add(denominator, T.CreateChecked(options.Epsilon), denominator);
        AdaptiveMath.AddScaledQuotient(value, -rate, d, denominator, d);
    }
}
