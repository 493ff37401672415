using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

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
    protected override void Update<T>(SGDOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply(options, state, value, grad);

    private protected override StepSquares UpdateAndMeasure<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply((SGDOptions)options, state, value, grad);

    /// <summary>
    /// The update rule as one vectorized pass: each element's gradient, momentum buffer and value are read and written
    /// once. Every operation is the one <see cref="ApplyMultiPass"/> performs (PyTorch's order, no fused multiply-add),
    /// so the results are bitwise the same.
    /// </summary>
    /// <returns>Σg² and Σ(θ_new − θ_old)², for the <see cref="StepReport"/>.</returns>
    internal static StepSquares Apply<T>(SGDOptions o, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var n = value.Length;
        if (grad.Length != n)
        {
            throw new ArgumentException($"SGD: the gradient has {grad.Length} elements; the parameter has {n}.", nameof(grad));
        }

        var hasMomentum = o.Momentum != 0;
        var first = hasMomentum && !state.HasBuffer("momentum_buffer");
        var buffer = hasMomentum ? state.Buffer<T>("momentum_buffer", n).AsSpan() : value;
        var maximize = o.Maximize;
        var decays = o.WeightDecay != 0;
        var nesterov = o.Nesterov;
        var weightDecay = T.CreateChecked(o.WeightDecay);
        var momentum = T.CreateChecked(o.Momentum);
        var oneMinusDampening = T.CreateChecked(1 - o.Dampening);
        var negativeLearningRate = T.CreateChecked(-o.LearningRate);

        ref var pRef = ref MemoryMarshal.GetReference(value);
        ref var gRef = ref MemoryMarshal.GetReference(grad);
        ref var bRef = ref MemoryMarshal.GetReference(buffer);
        var i = 0;
        var gradientSquares = 0.0;
        var changeSquares = 0.0;
        if (StepNorms.Vectorizable<T>() && n >= Vector<T>.Count)
        {
            var weightDecayV = new Vector<T>(weightDecay);
            var momentumV = new Vector<T>(momentum);
            var oneMinusDampeningV = new Vector<T>(oneMinusDampening);
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

                if (hasMomentum)
                {
                    var b = first ? d : (d * oneMinusDampeningV) + (Vector.LoadUnsafe(ref bRef, k) * momentumV);
                    b.StoreUnsafe(ref bRef, k);
                    d = nesterov ? (b * momentumV) + d : b;
                }

                var p = (d * negativeLearningRateV) + p0;
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

            if (hasMomentum)
            {
                var b = first ? d : (d * oneMinusDampening) + (buffer[i] * momentum);
                buffer[i] = b;
                d = nesterov ? (b * momentum) + d : b;
            }

            var p = (d * negativeLearningRate) + p0;
            value[i] = p;
            changeSquares = StepNorms.AddSquare(changeSquares, p - p0);
        }

        return new StepSquares(gradientSquares, changeSquares);
    }

    /// <summary>
    /// The update rule as separate whole-tensor steps in PyTorch's order. Superseded by the fused <see cref="Apply"/>;
    /// kept as the oracle the fused loop is tested against bit for bit.
    /// </summary>
    internal static void ApplyMultiPass<T>(SGDOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
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
