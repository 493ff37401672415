using System.Globalization;
using System.Numerics;

namespace AutoGrad;

/// <summary>Hyperparameters of <see cref="Rprop"/> (PyTorch's defaults).</summary>
public sealed record RpropOptions : OptimizerOptions
{
    /// <summary>Creates the options with PyTorch's defaults (learning rate 1e-2, the initial step size).</summary>
    public RpropOptions() => LearningRate = 1e-2;

    /// <summary>Factor η⁻ in (0, 1) by which an element's step size shrinks when its gradient changes sign.</summary>
    public double EtaMinus { get; set; } = 0.5;

    /// <summary>Factor η⁺ &gt; 1 by which an element's step size grows while its gradient keeps its sign.</summary>
    public double EtaPlus { get; set; } = 1.2;

    /// <summary>The smallest step size.</summary>
    public double StepSizeMin { get; set; } = 1e-6;

    /// <summary>The largest step size.</summary>
    public double StepSizeMax { get; set; } = 50;

    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (!(EtaMinus > 0 && EtaMinus < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(EtaMinus), EtaMinus, $"{nameof(EtaMinus)} must be in (0, 1); got {Format(EtaMinus)}.");
        }

        if (!(EtaPlus > 1) || !double.IsFinite(EtaPlus))
        {
            throw new ArgumentOutOfRangeException(nameof(EtaPlus), EtaPlus, $"{nameof(EtaPlus)} must be a finite number > 1; got {Format(EtaPlus)}.");
        }

        RequireNonNegative(StepSizeMin, nameof(StepSizeMin));
        if (!(StepSizeMax >= StepSizeMin) || !double.IsFinite(StepSizeMax))
        {
            throw new ArgumentOutOfRangeException(nameof(StepSizeMax), StepSizeMax, $"{nameof(StepSizeMax)} must be a finite number ≥ {nameof(StepSizeMin)} ({Format(StepSizeMin)}); got {Format(StepSizeMax)}.");
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Rprop: resilient backpropagation, which moves each element by its own step size in the direction opposite its gradient's sign.</summary>
/// <remarks>
/// PyTorch's <c>torch.optim.Rprop</c> rule, element by element, for gradient g of parameter θ:
/// <code>
/// g ← −g if maximize
/// f ← η⁺ if g·g_prev &gt; 0;   η⁻ if g·g_prev &lt; 0;   1 otherwise     (g_prev starts at 0)
/// s ← clamp(s·f, step_size_min, step_size_max)                      (s starts at lr)
/// g ← 0 where f = η⁻                                                (no move just after a sign change)
/// θ ← θ − sign(g)·s;   g_prev ← g
/// </code>
/// Only the gradient's sign is used, never its size. The learning rate only sets the initial step size, so changing it
/// later (with a schedule) has no effect, as in PyTorch. NaN gradients count as sign 0, as <c>torch.sign</c> has it.
/// State per parameter: <c>prev</c> (g_prev) and <c>step_size</c> (s).
/// </remarks>
public sealed class Rprop : Optimizer<RpropOptions>
{
    /// <summary>Creates Rprop; pass parameters now or add groups later.</summary>
    /// <param name="parameters">The first group's parameters, or null.</param>
    /// <param name="learningRate">The initial step size lr ≥ 0 (default 1e-2, PyTorch's).</param>
    /// <param name="etaMinus">Decrease factor η⁻ in (0, 1) (default 0.5).</param>
    /// <param name="etaPlus">Increase factor η⁺ &gt; 1 (default 1.2).</param>
    /// <param name="stepSizeMin">Smallest step size ≥ 0 (default 1e-6).</param>
    /// <param name="stepSizeMax">Largest step size ≥ <paramref name="stepSizeMin"/> (default 50).</param>
    /// <param name="maximize">Maximize instead of minimize.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its valid range.</exception>
    public Rprop(IEnumerable<IVariable>? parameters = null, double learningRate = 1e-2, double etaMinus = 0.5, double etaPlus = 1.2, double stepSizeMin = 1e-6, double stepSizeMax = 50, bool maximize = false)
        : base(parameters, new RpropOptions { LearningRate = learningRate, EtaMinus = etaMinus, EtaPlus = etaPlus, StepSizeMin = stepSizeMin, StepSizeMax = stepSizeMax, Maximize = maximize })
    {
    }

    /// <inheritdoc/>
    public override string Name => "Rprop";

    /// <inheritdoc/>
    protected override void Update<T>(RpropOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad)
    {
        var n = value.Length;
        var previous = state.Buffer<T>("prev", n);
        var first = !state.HasBuffer("step_size");
        var stepSizes = state.Buffer<T>("step_size", n);
        if (first)
        {
            stepSizes.AsSpan().Fill(T.CreateChecked(options.LearningRate));
        }

        var etaMinus = T.CreateChecked(options.EtaMinus);
        var etaPlus = T.CreateChecked(options.EtaPlus);
        var low = T.CreateChecked(options.StepSizeMin);
        var high = T.CreateChecked(options.StepSizeMax);

        // Branches on signs, element by element: no vector primitive expresses it.
        for (var i = 0; i < n; i++)
        {
            var g = options.Maximize ? -grad[i] : grad[i];
            var factor = Sign(g * previous[i]) switch
            {
                > 0 => etaPlus,
                < 0 => etaMinus,
                _ => T.One,
            };

            // clamp propagates NaN, as torch.clamp does.
            stepSizes[i] = T.Min(T.Max(stepSizes[i] * factor, low), high);
            if (factor == etaMinus)
            {
                g = T.Zero;
            }

            value[i] -= T.CreateChecked(Sign(g)) * stepSizes[i];
            previous[i] = g;
        }
    }

    /// <summary>torch.sign: −1, 0 or 1, and 0 for NaN.</summary>
    private static int Sign<T>(T x)
        where T : IFloatingPointIeee754<T> => x > T.Zero ? 1 : x < T.Zero ? -1 : 0;
}
