using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="SGD"/> (PyTorch's defaults).</summary>
public sealed record SGDOptions : OptimizerOptions, IMomentumOptions
{
    /// <summary>Momentum factor μ (0 = plain gradient descent).</summary>
    public double Momentum { get; set; }

    /// <summary>Dampening τ of the momentum.</summary>
    public double Dampening { get; set; }

    /// <summary>Use Nesterov momentum (needs momentum &gt; 0 and dampening 0).</summary>
    public bool Nesterov { get; set; }

    /// <summary>L2 penalty λ added to the gradient.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireNonNegative(Momentum, nameof(Momentum));
        RequireNonNegative(Dampening, nameof(Dampening));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Nesterov), Nesterov, $"Nesterov momentum requires Momentum > 0 and Dampening = 0; got Momentum = {Momentum}, Dampening = {Dampening}.");
        }
    }
}

/// <summary>Stochastic gradient descent, with optional momentum, dampening, Nesterov momentum and weight decay.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.SGD</c> rule, for gradient g of parameter θ at step t:
/// <code>
/// g ← −g if maximize;   g ← g + λθ
/// b ← g (t = 1) or μ·b + (1 − τ)·g (t &gt; 1);   g ← g + μ·b if nesterov else b     (when μ ≠ 0)
/// θ ← θ − lr·g
/// </code>
/// </remarks>
public sealed class SGD : Optimizer<SGDOptions>
{
    /// <summary>Creates SGD; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">Learning rate (default 1e-3, PyTorch's).</param>
    /// <param name="momentum">Momentum factor μ ≥ 0.</param>
    /// <param name="dampening">Dampening τ ≥ 0.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0.</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public SGD(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-3, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0, bool maximize = false)
        : base(parameters, new SGDOptions { LearningRate = learningRate, Momentum = momentum, Dampening = dampening, Nesterov = nesterov, WeightDecay = weightDecay, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "SGD";

    /// <inheritdoc/>
    protected override void Update<T>(SGDOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var d = state.Scratch<T>(value.Length);
        Direction(grad, value, d, options.Maximize, options.WeightDecay);
        if (options.Momentum != 0)
        {
            var momentum = T.CreateChecked(options.Momentum);
            var first = !state.HasBuffer("momentum_buffer");
            var buffer = state.Buffer<T>("momentum_buffer", value.Length);
            if (first)
            {
                d.CopyTo(buffer.AsSpan());
            }
            else
            {
                // b ← μ·b + (1 − τ)·g
                TensorPrimitives.Multiply(buffer, momentum, buffer);
                TensorPrimitives.MultiplyAdd(d, T.CreateChecked(1 - options.Dampening), buffer, buffer);
            }

            if (options.Nesterov)
            {
                TensorPrimitives.MultiplyAdd(buffer, momentum, d, d);
            }
            else
            {
                buffer.CopyTo(d.AsSpan());
            }
        }

        TensorPrimitives.MultiplyAdd(d, T.CreateChecked(-options.LearningRate), value, value);
    }

    /// <summary>d ← (maximize ? −g : g) + λθ.</summary>
    internal static void Direction<T>(ReadOnlySpan<T> grad, ReadOnlySpan<T> value, Span<T> d, bool maximize, double weightDecay)
        where T : IFloatingPointIeee754<T>
    {
        if (maximize)
        {
            TensorPrimitives.Negate(grad, d);
        }
        else
        {
            grad.CopyTo(d);
        }

        if (weightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(value, T.CreateChecked(weightDecay), d, d);
        }
    }
}
