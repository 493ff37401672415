namespace AutoGrad;

// Derivatives (all three are composites of differentiable ops, so they need no rule of their own; listed for reference):
//
//   Dot(x, y)      x: grad·y                 y: grad·x                 = MatMul of two vectors
//   Outer(x, y)    x: grad · y               y: gradᵀ · x              = x[:, None] * y[None, :]
//   Trace(x)       x: grad on the main diagonal, 0 elsewhere           = Sum of the strided slice of the diagonal
public sealed partial class Variable<T>
{
    /// <summary>The dot (inner) product of two vectors of equal length: Σᵢ xᵢ·yᵢ.</summary>
    /// <param name="other">The other vector.</param>
    /// <returns>A scalar (rank 0) variable; 0 for two empty vectors.</returns>
    /// <exception cref="ArgumentException">Either operand is not 1-D, or their lengths differ.</exception>
    /// <remarks>
    /// As in PyTorch's <c>torch.dot</c>, both operands must be vectors; use <see cref="MatMul"/> for matrices
    /// and batches. The gradient is <c>grad·y</c> for x and <c>grad·x</c> for y.
    /// </remarks>
    public Variable<T> Dot(Variable<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 1 || other.Rank != 1)
        {
            throw new ArgumentException($"Dot: expects two 1-D vectors; got shapes {_shape} and {other._shape}. Use MatMul for matrices and batches, or Reshape(-1) to flatten.", nameof(other));
        }

        if (_shape[0] != other._shape[0])
        {
            throw new ArgumentException($"Dot: the vectors have different lengths ({_shape} and {other._shape}); they must have the same number of elements.", nameof(other));
        }

        return MatMul(other);
    }

    /// <summary>The outer product of two vectors: <c>result[i, j] = x[i]·y[j]</c>.</summary>
    /// <param name="other">The right vector y, of length n.</param>
    /// <returns>A variable of shape [m, n], where m is this vector's length.</returns>
    /// <exception cref="ArgumentException">Either operand is not 1-D.</exception>
    /// <remarks>
    /// PyTorch's <c>torch.outer</c>. Computed as the broadcast product <c>x[:, None]·y[None, :]</c>, so each entry is
    /// one exact multiplication; the gradient is <c>grad·y</c> for x and <c>gradᵀ·x</c> for y.
    /// </remarks>
    public Variable<T> Outer(Variable<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 1 || other.Rank != 1)
        {
            throw new ArgumentException($"Outer: expects two 1-D vectors; got shapes {_shape} and {other._shape}.", nameof(other));
        }

        return Reshape(_shape[0], 1) * other.Reshape(1, other._shape[0]);
    }

    /// <summary>The sum of the main diagonal of a matrix, <c>Σᵢ x[i, i]</c> for i &lt; min(rows, columns).</summary>
    /// <returns>A scalar (rank 0) variable; 0 for a matrix with no rows or no columns.</returns>
    /// <exception cref="ArgumentException">The variable is not 2-D.</exception>
    /// <remarks>
    /// As in PyTorch's <c>torch.trace</c>, the matrix need not be square: the diagonal has min(rows, columns)
    /// entries. The gradient is <c>grad</c> on the diagonal and 0 elsewhere.
    /// </remarks>
    public Variable<T> Trace()
    {
        if (Rank != 2)
        {
            throw new ArgumentException($"Trace: expects a 2-D matrix; got shape {_shape} (rank {Rank}).");
        }

        int columns = _shape[1], diagonal = Math.Min(_shape[0], columns);

        // In the row-major buffer the diagonal is every (columns + 1)-th element, starting at 0.
        var end = diagonal == 0 ? 0 : ((diagonal - 1) * (columns + 1)) + 1;
        return Reshape(-1)[TensorIndex.Slice(0..end, step: columns + 1)].Sum();
    }
}
