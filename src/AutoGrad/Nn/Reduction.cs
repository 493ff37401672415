namespace AutoGrad;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction</c> argument).</summary>
public enum Reduction
{
    /// <summary>The mean of the per-element losses, a scalar (PyTorch's <c>'mean'</c>, the default); see each loss for its divisor.</summary>
    Mean,

    /// <summary>The sum of the per-element losses, a scalar (PyTorch's <c>'sum'</c>).</summary>
    Sum,

    /// <summary>No reduction: one loss per element, or per sample for the classification losses (PyTorch's <c>'none'</c>).</summary>
    None,
}
