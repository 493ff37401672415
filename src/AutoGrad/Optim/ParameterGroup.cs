namespace AutoGrad;

/// <summary>Parameters that share hyperparameters (PyTorch's <c>param_group</c>).</summary>
public sealed class ParameterGroup
{
    internal ParameterGroup(IReadOnlyList<IVariable> parameters, OptimizerOptions options)
    {
        Parameters = parameters;
        Options = options;
        InitialLearningRate = options.LearningRate;
    }

    /// <summary>The parameters, in the order they were added.</summary>
    public IReadOnlyList<IVariable> Parameters { get; }

    /// <summary>This group's hyperparameters (its own copy; schedules change <see cref="OptimizerOptions.LearningRate"/> here).</summary>
    public OptimizerOptions Options { get; internal set; }

    /// <summary>The learning rate the group started with (schedules compute from it).</summary>
    public double InitialLearningRate { get; set; }

    /// <summary>The current learning rate.</summary>
    public double LearningRate
    {
        get => Options.LearningRate;
        set => Options.LearningRate = value;
    }
}
