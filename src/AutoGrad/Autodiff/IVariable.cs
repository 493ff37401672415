namespace AutoGrad;

/// <summary>
/// What every <see cref="Variable{T}"/> is, whatever its element type: lets one optimizer hold <c>float</c> and
/// <c>double</c> parameters together.
/// </summary>
public interface IVariable
{
    /// <summary>The shape.</summary>
    Shape Shape { get; }

    /// <summary>The number of elements.</summary>
    int Length { get; }

    /// <summary>The element type: <see cref="double"/> or <see cref="float"/>.</summary>
    Type ElementType { get; }

    /// <summary>Whether gradients flow to this variable.</summary>
    bool RequiresGrad { get; }

    /// <summary>Whether it was created directly rather than computed by a recorded operation.</summary>
    bool IsLeaf { get; }

    /// <summary>The accumulated gradient, or null.</summary>
    IVariable? Grad { get; }

    /// <summary>Clears the accumulated gradient (to null by default, or to zeros).</summary>
    /// <param name="setToNull">Set <see cref="Grad"/> to null rather than to zeros.</param>
    void ZeroGrad(bool setToNull = true);
}
