namespace AutoGrad;

/// <summary>One iteration (one optimizer step) of a <see cref="Minimize"/> run: a row of the history, and what progress reports carry.</summary>
/// <param name="Iteration">The iteration number, from 1.</param>
/// <param name="Epoch">The epoch number, from 1, for a run over data; 0 for a run over a function or parameters.</param>
/// <param name="Loss">The loss at the point where the step started (on the step's batch, for a run over data).</param>
/// <param name="GradientNorm">The global L2 norm of the gradient at that point (over every parameter).</param>
/// <param name="UpdateNorm">The global L2 norm of the change the step made to the parameters.</param>
/// <param name="LearningRates">The learning rate of every parameter group used by the step.</param>
/// <param name="Elapsed">Wall time since the run started, at the end of the step.</param>
/// <param name="Evaluations">
/// How many times the step evaluated the loss and its gradient: 1, or for L-BFGS the evaluations of its line search
/// (over a deterministic loss it starts from the evaluation its predecessor made, so 0 for a step that stops at once).
/// </param>
/// <param name="Skipped">Whether the optimizer skipped the update (non-finite gradients with <see cref="Optimizer.SkipNonFiniteGradients"/>).</param>
public sealed record IterationInfo(
    int Iteration,
    int Epoch,
    double Loss,
    double GradientNorm,
    double UpdateNorm,
    IReadOnlyList<double> LearningRates,
    TimeSpan Elapsed,
    int Evaluations,
    bool Skipped);

/// <summary>One completed epoch (pass over the data) of a <see cref="Minimize.OverData{TSample}(IReadOnlyList{TSample}, Func{IReadOnlyList{TSample}, Variable{double}}, IEnumerable{IVariable})"/> run.</summary>
/// <param name="Epoch">The epoch number, from 1.</param>
/// <param name="LastIteration">The number of the epoch's last iteration.</param>
/// <param name="MeanLoss">The mean of the epoch's iteration losses (each on its own batch, at the point where its step started).</param>
/// <param name="Elapsed">Wall time since the run started, at the end of the epoch.</param>
/// <param name="LearningRates">The learning rate of every parameter group used by the epoch's last step.</param>
public sealed record EpochInfo(
    int Epoch,
    int LastIteration,
    double MeanLoss,
    TimeSpan Elapsed,
    IReadOnlyList<double> LearningRates);

/// <summary>When a learning-rate schedule hook runs during a run over data.</summary>
public enum ScheduleInterval
{
    /// <summary>After every optimizer step; the context's loss is the step's loss.</summary>
    Iteration,

    /// <summary>After the last step of every epoch; the context's loss is the epoch's mean loss.</summary>
    Epoch,
}

/// <summary>What a learning-rate schedule hook is given after an optimizer step (see <c>WithSchedule</c>).</summary>
/// <param name="Optimizer">The optimizer of the run (the one given to <c>With</c>, or the default).</param>
/// <param name="Iteration">The iteration just completed, from 1.</param>
/// <param name="Epoch">The epoch it belongs to, from 1, for a run over data; 0 otherwise.</param>
/// <param name="Loss">The metric a plateau schedule watches: the step's loss, or the epoch's mean loss for <see cref="ScheduleInterval.Epoch"/>.</param>
public readonly record struct ScheduleContext(Optimizer Optimizer, int Iteration, int Epoch, double Loss);
