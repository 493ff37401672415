namespace AutoGrad;

/// <summary>
/// The hyperparameters the Adam family shares (<see cref="Adam"/>, <see cref="AdamW"/>, <see cref="Adamax"/>,
/// <see cref="NAdam"/>, <see cref="RAdam"/>), with PyTorch's defaults; each algorithm's record adds its own.
/// </summary>
public abstract record AdamFamilyOptions : OptimizerOptions, IMomentumOptions
{
    /// <summary>Decay β₁ of the first-moment (mean) estimate, in [0, 1).</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay β₂ of the second-moment estimate, in [0, 1).</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Term ε added to the denominator for numerical stability (≥ 0).</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Weight decay λ ≥ 0 (an L2 penalty added to the gradient unless the algorithm decouples it).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc cref="IMomentumOptions.Momentum"/>
    /// <remarks>β₁, which a one-cycle schedule may cycle.</remarks>
    double IMomentumOptions.Momentum
    {
        get => Beta1;
        set => Beta1 = value;
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireInRange(Beta1, nameof(Beta1), 0, 1);
        RequireInRange(Beta2, nameof(Beta2), 0, 1);
        RequireNonNegative(Epsilon, nameof(Epsilon));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
    }
}
