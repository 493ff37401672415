using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

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
    protected override void Update<T>(AdagradOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply(options, state, value, grad);

    private protected override StepSquares UpdateAndMeasure<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
        Apply((AdagradOptions)options, state, value, grad);

    /// <summary>
    /// The update rule as one vectorized pass: each element's gradient, sum and value are read and written once.
    /// Every operation is the one <see cref="ApplyMultiPass"/> performs (PyTorch's order, no fused multiply-add), so
    /// the results are bitwise the same.
    /// </summary>
    /// <returns>Σg² and Σ(θ_new − θ_old)², for the <see cref="StepReport"/>.</returns>
    internal static StepSquares Apply<T>(AdagradOptions o, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
    {
        var n = value.Length;
        if (grad.Length != n)
        {
            throw new ArgumentException($"Adagrad: the gradient has {grad.Length} elements; the parameter has {n}.", nameof(grad));
        }

        // PyTorch fills the sum when the parameter joins; filling it before the first update is the same.
        var first = !state.HasBuffer("sum");
        var sum = state.Buffer<T>("sum", n).AsSpan();
        if (first)
        {
            sum.Fill(T.CreateChecked(o.InitialAccumulatorValue));
        }

        var maximize = o.Maximize;
        var decays = o.WeightDecay != 0;
        var weightDecay = T.CreateChecked(o.WeightDecay);
        var epsilon = T.CreateChecked(o.Epsilon);
        var negativeRate = T.CreateChecked(-(o.LearningRate / (1 + ((state.Step - 1) * o.LearningRateDecay))));

        ref var pRef = ref MemoryMarshal.GetReference(value);
        ref var gRef = ref MemoryMarshal.GetReference(grad);
        ref var sRef = ref MemoryMarshal.GetReference(sum);
        var i = 0;
        var gradientSquares = 0.0;
        var changeSquares = 0.0;
        if (StepNorms.Vectorizable<T>() && n >= Vector<T>.Count)
        {
            var weightDecayV = new Vector<T>(weightDecay);
            var epsilonV = new Vector<T>(epsilon);
            var negativeRateV = new Vector<T>(negativeRate);
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

                var s = (d * d) + Vector.LoadUnsafe(ref sRef, k);
                s.StoreUnsafe(ref sRef, k);
                var p = p0 + (d * negativeRateV / (Vector.SquareRoot(s) + epsilonV));
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

            var s = (d * d) + sum[i];
            sum[i] = s;
            var p = p0 + (d * negativeRate / (T.Sqrt(s) + epsilon));
            value[i] = p;
            changeSquares = StepNorms.AddSquare(changeSquares, p - p0);
        }

        return new StepSquares(gradientSquares, changeSquares);
    }

    /// <summary>
    /// The update rule as separate whole-tensor steps, each rounded as PyTorch's CPU kernel rounds it. Superseded by
    /// the fused <see cref="Apply"/>; kept as the oracle the fused loop is tested against bit for bit.
    /// </summary>
    internal static void ApplyMultiPass<T>(AdagradOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
        where T : IFloatingPointIeee754<T>
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
