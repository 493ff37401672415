namespace AutoGrad;

// Derivatives:
//
//   Reshape(x, shape)       x: grad.Reshape(x.shape)
//   BroadcastTo(x, shape)   x: grad.SumTo(x.shape)
//   SumTo(x, shape)         x: grad.BroadcastTo(x.shape)
public sealed partial class Variable<T>
{
    private sealed class ReshapeNode(Variable<T> x) : Node([x])
    {
        public override string Name => "Reshape";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.Reshape(Inputs![0]._shape);
    }

    private sealed class BroadcastToNode(Variable<T> x) : Node([x])
    {
        public override string Name => "BroadcastTo";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.SumTo(Inputs![0]._shape);
    }

    private sealed class SumToNode(Variable<T> x) : Node([x])
    {
        public override string Name => "SumTo";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.BroadcastTo(Inputs![0]._shape);
    }

    /// <summary>The same values with another shape; at most one dimension may be −1, inferred from the others.</summary>
    /// <param name="shape">The new shape; its element count must equal this variable's.</param>
    /// <returns>A variable sharing this one's values.</returns>
    /// <exception cref="ArgumentException">The element counts differ, or more than one dimension is −1.</exception>
    public Variable<T> Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = (int[])shape.Clone();
        var inferred = -1;
        long known = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (inferred >= 0)
                {
                    throw new ArgumentException($"Reshape: at most one dimension may be -1; got [{string.Join(", ", shape)}] for a variable of shape {_shape}.", nameof(shape));
                }

                inferred = i;
            }
            else if (dims[i] < 0)
            {
                throw new ArgumentException($"Reshape: dimension {dims[i]} is invalid in [{string.Join(", ", shape)}] (only -1 may be negative).", nameof(shape));
            }
            else
            {
                known *= dims[i];
            }
        }

        if (inferred >= 0)
        {
            if (known == 0 || _data.Length % known != 0)
            {
                throw new ArgumentException($"Reshape: cannot infer the -1 in [{string.Join(", ", shape)}] for a variable of shape {_shape} ({_data.Length} elements).", nameof(shape));
            }

            dims[inferred] = (int)(_data.Length / known);
        }

        return Reshape(new Shape(dims));
    }

    /// <summary>The same values with another shape of the same element count.</summary>
    /// <param name="shape">The new shape.</param>
    /// <returns>A variable sharing this one's values.</returns>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public Variable<T> Reshape(Shape shape)
    {
        if (shape.ElementCount != _data.Length)
        {
            throw new ArgumentException($"Reshape: a variable of shape {_shape} ({_data.Length} elements) cannot be reshaped to {shape} ({shape.ElementCount} elements).", nameof(shape));
        }

        if (shape == _shape)
        {
            return this;
        }

        return Result(_data, shape, ShouldRecord(this) ? new ReshapeNode(this) : null);
    }

    /// <summary>Repeats the values along broadcast dimensions to fill <paramref name="shape"/> (NumPy's broadcast_to, PyTorch's expand).</summary>
    /// <param name="shape">The target shape; this variable's shape must broadcast to it.</param>
    /// <returns>A variable of the target shape.</returns>
    /// <exception cref="ArgumentException">This shape does not broadcast to <paramref name="shape"/>.</exception>
    public Variable<T> BroadcastTo(Shape shape)
    {
        if (shape == _shape)
        {
            return this;
        }

        if (!Broadcasting.CanBroadcastTo(_shape, shape))
        {
            throw new ArgumentException($"BroadcastTo: shape {_shape} cannot be broadcast to {shape} (aligned at the last axis, each dimension must match or be 1).", nameof(shape));
        }

        var data = new T[shape.ElementCount];
        Kernels<T>.BroadcastTo(_data, _shape, data, shape);
        return Result(data, shape, ShouldRecord(this) ? new BroadcastToNode(this) : null);
    }

    /// <summary>Sums over the axes along which <paramref name="shape"/> would be broadcast to this variable's shape: the inverse of <see cref="BroadcastTo"/> for gradients.</summary>
    /// <param name="shape">The target shape; it must broadcast to this variable's shape.</param>
    /// <returns>A variable of the target shape.</returns>
    /// <exception cref="ArgumentException"><paramref name="shape"/> does not broadcast to this shape.</exception>
    public Variable<T> SumTo(Shape shape)
    {
        if (shape == _shape)
        {
            return this;
        }

        if (!Broadcasting.CanBroadcastTo(shape, _shape))
        {
            throw new ArgumentException($"SumTo: shape {shape} does not broadcast to {_shape}, so {_shape} cannot be summed back to it.", nameof(shape));
        }

        var data = new T[shape.ElementCount];
        Kernels<T>.SumTo(_data, _shape, data, shape);
        return Result(data, shape, ShouldRecord(this) ? new SumToNode(this) : null);
    }
}
