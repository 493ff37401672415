namespace AutoGrad;

/// <summary>Why a <see cref="Minimize"/> run stopped; <see cref="MinimizationResult{T}.StopDetail"/> says it in words.</summary>
public enum StopReason
{
    /// <summary>The iteration limit was reached.</summary>
    MaxIterations,

    /// <summary>The global L2 norm of the gradient fell to the tolerance or below.</summary>
    GradientNorm,

    /// <summary>The loss changed by no more than the absolute tolerance over the window.</summary>
    AbsoluteLossChange,

    /// <summary>The loss changed by no more than the relative tolerance over the window.</summary>
    RelativeLossChange,

    /// <summary>The wall-time limit was reached.</summary>
    WallTime,

    /// <summary>The user's stopping predicate returned true.</summary>
    Predicate,

    /// <summary>The epoch limit of a run over data was reached.</summary>
    MaxEpochs,

    /// <summary>The cancellation token was cancelled.</summary>
    Cancelled,

    /// <summary>The loss became NaN or infinite; the parameters were restored to the last point with a finite loss.</summary>
    Diverged,

    /// <summary>
    /// The optimizer stopped moving: a step left every parameter unchanged, so every later step would too (its own
    /// tolerances, a failed line search, a skipped non-finite gradient, or the limits of floating point stop it before
    /// the run's stopping rules are met). Function and parameter runs only.
    /// </summary>
    Stalled,
}
