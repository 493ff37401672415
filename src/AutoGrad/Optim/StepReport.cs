namespace AutoGrad;

/// <summary>What one optimizer step did.</summary>
/// <param name="Step">The optimizer's step count after this step (unchanged when the step was skipped).</param>
/// <param name="Loss">The loss the closure returned, when a closure was given.</param>
/// <param name="GradientNorm">The global L2 norm of every parameter's gradient before the update.</param>
/// <param name="UpdateNorm">The global L2 norm of the change in the parameters (0 when skipped).</param>
/// <param name="LearningRates">The learning rate of every parameter group used by this step.</param>
/// <param name="Skipped">Whether the update was skipped (non-finite gradients with <see cref="Optimizer.SkipNonFiniteGradients"/>).</param>
/// <param name="SkipReason">
/// Why it was skipped, naming the group and parameter; or, for an optimizer that stops a step early at its best point
/// (L-BFGS after a non-finite evaluation or a failed line search), what went wrong. Null when nothing went wrong.
/// </param>
public sealed record StepReport(
    long Step,
    double? Loss,
    double GradientNorm,
    double UpdateNorm,
    IReadOnlyList<double> LearningRates,
    bool Skipped,
    string? SkipReason);
