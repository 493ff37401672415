using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="Adadelta"/> (PyTorch's defaults).</summary>
public sealed record AdadeltaOptions : OptimizerOptions
{
    /// <summary>Creates the options with PyTorch's defaults (learning rate 1.0).</summary>
    public AdadeltaOptions() => LearningRate = 1.0;

    /// <summary>Decay ρ of the running averages of squared gradients and squared updates, in [0, 1].</summary>
    public double Rho { get; set; } = 0.9;

    /// <summary>Term ε added inside both square roots for numerical stability.</summary>
    public double Epsilon { get; set; } = 1e-6;

    /// <summary>L2 penalty λ added to the gradient.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireInRange(Rho, nameof(Rho), 0, 1, highInclusive: true);
        RequireNonNegative(Epsilon, nameof(Epsilon));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
    }
}

/// <summary>Adadelta: step sizes from the ratio of running RMS of past updates to running RMS of gradients.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.Adadelta</c> rule, for gradient g of parameter θ:
/// <code>
/// g ← −g if maximize;   g ← g + λθ
/// v ← ρ·v + (1 − ρ)·g²                         (v starts at 0)
/// Δ ← √(u + ε) / √(v + ε) · g                  (u starts at 0)
/// u ← ρ·u + (1 − ρ)·Δ²
/// θ ← θ − lr·Δ
/// </code>
/// State per parameter: <c>square_avg</c> (v) and <c>acc_delta</c> (u).
/// </remarks>
public sealed class Adadelta : Optimizer<AdadeltaOptions>
{
    /// <summary>Creates Adadelta; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate lr ≥ 0 scaling the update (default 1.0, PyTorch's).</param>
    /// <param name="rho">Decay ρ in [0, 1] (default 0.9).</param>
    /// <param name="epsilon">Term ε ≥ 0 inside the square roots (default 1e-6).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 (default 0).</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public Adadelta(IEnumerable<IVariable>? parameters = null, double learningRate = 1.0, double rho = 0.9, double epsilon = 1e-6, double weightDecay = 0, bool maximize = false)
        : base(parameters, new AdadeltaOptions { LearningRate = learningRate, Rho = rho, Epsilon = epsilon, WeightDecay = weightDecay, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "Adadelta";

    /// <inheritdoc/>
    protected override void Update<T>(AdadeltaOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var n = value.Length;
        var squareAverage = state.Buffer<T>("square_avg", n).AsSpan();
        var accumulatedDelta = state.Buffer<T>("acc_delta", n).AsSpan();
        var epsilon = T.CreateChecked(options.Epsilon);
        var work = state.Scratch<T>(3 * AdaptiveMath.LongestBlock(n)).AsSpan();
        for (int start = 0, length; start < n; start += length)
        {
            length = AdaptiveMath.NextBlock(n - start);
            var p = value.Slice(start, length);
            var average = squareAverage.Slice(start, length);
            var accumulated = accumulatedDelta.Slice(start, length);
            var d = work[..length];
            var std = work.Slice(length, length);
            var delta = work.Slice(2 * length, length);
            SGD.Direction(grad.Slice(start, length), p, d, options.Maximize, options.WeightDecay);

            AdaptiveMath.AverageOfSquares<T>(average, d, options.Rho, std);
            TensorPrimitives.Add(average, epsilon, std);
            TensorPrimitives.Sqrt<T>(std, std);

            // Δ = ((√(u + ε)) / std) · g, in that order.
            TensorPrimitives.Add(accumulated, epsilon, delta);
            TensorPrimitives.Sqrt<T>(delta, delta);
            TensorPrimitives.Divide<T>(delta, std, delta);
            TensorPrimitives.Multiply<T>(delta, d, delta);

            AdaptiveMath.AverageOfSquares<T>(accumulated, delta, options.Rho, d);
            TensorPrimitives.MultiplyAdd(delta, T.CreateChecked(-options.LearningRate), p, p);
        }
    }
}
