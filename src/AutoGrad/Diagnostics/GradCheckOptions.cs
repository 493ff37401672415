namespace AutoGrad;

/// <summary>How <see cref="GradCheck"/> compares analytic and numeric derivatives.</summary>
public enum GradCheckMode
{
    /// <summary>
    /// Compare every entry of the Jacobian: one central difference per input element and one backward pass per
    /// output element. Exact location of any mismatch; cost grows with inputs × outputs.
    /// </summary>
    Full,

    /// <summary>
    /// Compare one random projection per input (PyTorch's <c>fast_mode</c>): uᵀ·J·v for seeded random unit
    /// vectors u over the outputs and v over the input. One backward pass and two forward evaluations per
    /// input, whatever the sizes; a mismatch is detected but not located.
    /// </summary>
    Fast,
}

/// <summary>Settings for <see cref="GradCheck.Run(Func{Variable{double}[], Variable{double}}, Variable{double}[], GradCheckOptions)"/>.</summary>
/// <remarks>
/// An entry passes when <c>|analytic − numeric| ≤ AbsoluteTolerance + RelativeTolerance·|numeric|</c>, the rule of
/// PyTorch's <c>torch.autograd.gradcheck</c>. The defaults suit smooth functions of values of order one in double
/// precision: the central-difference error is about <c>h²·|f‴|/6 + ε·|f|/h</c>, around 1e-10 for <c>h = 1e-6</c>.
/// </remarks>
public sealed record GradCheckOptions
{
    /// <summary>Whether to compare the full Jacobian or random projections of it; <see cref="GradCheckMode.Full"/> by default.</summary>
    public GradCheckMode Mode { get; init; } = GradCheckMode.Full;

    /// <summary>The central-difference step h (positive, finite); 1e-6 by default.</summary>
    public double Step { get; init; } = 1e-6;

    /// <summary>The absolute part of the pass rule (non-negative); 1e-5 by default.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-5;

    /// <summary>The relative part of the pass rule, scaled by |numeric| (non-negative); 1e-3 by default.</summary>
    public double RelativeTolerance { get; init; } = 1e-3;

    /// <summary>
    /// Also check second derivatives (PyTorch's <c>gradgradcheck</c>): for every input j, the gradient
    /// <c>∂(wᵀf)/∂x_j</c> computed with <c>createGraph: true</c> is itself checked against finite differences with
    /// respect to every input. <c>false</c> by default.
    /// </summary>
    public bool CheckSecondOrder { get; init; }

    /// <summary>Seed of the random projections (Fast mode) and of the output weights w (second order); 1234 by default.</summary>
    public int Seed { get; init; } = 1234;
}
