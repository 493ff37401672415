namespace AutoGrad;

// Derivatives:
//
//   Reshape(x, shape)       x: grad.Reshape(x.shape)
//   BroadcastTo(x, shape)   x: grad.SumTo(x.shape)
//   SumTo(x, shape)         x: grad.BroadcastTo(x.shape)
//
// Flatten, Squeeze and Unsqueeze are composites of Reshape, and Expand of BroadcastTo, so their gradients come
// from those two rules.
public sealed partial class Variable<T>
{
    private sealed class ReshapeNode(Variable<T> x) : Node([x])
    {
        public override string Name => "Reshape";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.Reshape(Inputs[0]._shape);
    }

    private sealed class BroadcastToNode(Variable<T> x) : Node([x])
    {
        public override string Name => "BroadcastTo";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.SumTo(Inputs[0]._shape);
    }

    private sealed class SumToNode(Variable<T> x) : Node([x])
    {
        public override string Name => "SumTo";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.BroadcastTo(Inputs[0]._shape);
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
            if (known == 0 || Data.Length % known != 0)
            {
                throw new ArgumentException($"Reshape: cannot infer the -1 in [{string.Join(", ", shape)}] for a variable of shape {_shape} ({Data.Length} elements).", nameof(shape));
            }

            dims[inferred] = (int)(Data.Length / known);
        }

        return Reshape(new Shape(dims));
    }

    /// <summary>The same values with another shape of the same element count.</summary>
    /// <param name="shape">The new shape.</param>
    /// <returns>A variable sharing this one's values.</returns>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public Variable<T> Reshape(Shape shape)
    {
        if (shape.ElementCount != Data.Length)
        {
            throw new ArgumentException($"Reshape: a variable of shape {_shape} ({Data.Length} elements) cannot be reshaped to {shape} ({shape.ElementCount} elements).", nameof(shape));
        }

        if (shape == _shape)
        {
            return this;
        }

        return Result(Data, shape, ShouldRecord(this) ? new ReshapeNode(this) : null);
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

        var data = NewBuffer(shape.ElementCount); // The kernel writes every element.
        Kernels<T>.BroadcastTo(Data, _shape, data, shape);
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

        var data = NewBuffer(shape.ElementCount); // The kernel clears it first.
        Kernels<T>.SumTo(Data, _shape, data, shape);
        return Result(data, shape, ShouldRecord(this) ? new SumToNode(this) : null);
    }

    /// <summary>Merges the axes <paramref name="startAxis"/> through <paramref name="endAxis"/> (inclusive) into one (PyTorch's <c>flatten</c>).</summary>
    /// <param name="startAxis">The first axis to merge; negative counts from the end.</param>
    /// <param name="endAxis">The last axis to merge (inclusive); negative counts from the end. By default the last axis.</param>
    /// <returns>A variable sharing this one's values; with the defaults, a vector of all the elements.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="startAxis"/> comes after <paramref name="endAxis"/>.</exception>
    /// <remarks>
    /// The merged axis has the product of the merged sizes. As in PyTorch, a scalar flattens to a vector of one
    /// element (only axes 0 and −1 are valid for it).
    /// </remarks>
    public Variable<T> Flatten(int startAxis = 0, int endAxis = -1)
    {
        if (Rank == 0)
        {
            if (startAxis is not (0 or -1) || endAxis is not (0 or -1))
            {
                throw new ArgumentOutOfRangeException(nameof(startAxis), $"Flatten: axes {startAxis} and {endAxis} are out of range for a scalar (shape {_shape}); only 0 and -1 are valid.");
            }

            return Reshape(1);
        }

        var start = _shape.NormalizeAxis(startAxis, "Flatten");
        var end = _shape.NormalizeAxis(endAxis, "Flatten");
        if (start > end)
        {
            throw new ArgumentException($"Flatten: startAxis {startAxis} (axis {start}) comes after endAxis {endAxis} (axis {end}) for shape {_shape}; the start must not come after the end.", nameof(startAxis));
        }

        var dims = _shape.ToArray();
        var merged = 1;
        for (var a = start; a <= end; a++)
        {
            merged *= dims[a];
        }

        return Reshape(new Shape([.. dims[..start], merged, .. dims[(end + 1)..]]));
    }

    /// <summary>Removes every axis of size 1 (PyTorch's <c>squeeze()</c>).</summary>
    /// <returns>A variable sharing this one's values; a scalar when every axis has size 1.</returns>
    public Variable<T> Squeeze() => Reshape(new Shape(_shape.Where(d => d != 1).ToArray()));

    /// <summary>Removes one axis, which must have size 1.</summary>
    /// <param name="axis">The axis to remove; negative counts from the end.</param>
    /// <returns>A variable sharing this one's values, with one axis fewer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <exception cref="ArgumentException">The axis does not have size 1.</exception>
    /// <remarks>
    /// Unlike PyTorch, whose <c>squeeze(dim)</c> silently returns the tensor unchanged when that axis is not of size 1,
    /// this throws (as NumPy's <c>squeeze(axis)</c> does): code that squeezes an axis expects it to disappear, and a
    /// silent no-op typically resurfaces later as a wrong broadcast (an [n, c] loss against [n] targets).
    /// Port <c>x.squeeze(d)</c> on a possibly non-unit axis as <c>x.Shape[d] == 1 ? x.Squeeze(d) : x</c>.
    /// </remarks>
    public Variable<T> Squeeze(int axis)
    {
        var a = _shape.NormalizeAxis(axis, "Squeeze");
        if (_shape[a] != 1)
        {
            throw new ArgumentException($"Squeeze: axis {axis} of shape {_shape} has size {_shape[a]}, not 1, so it cannot be removed (PyTorch would silently leave the tensor unchanged). Use Squeeze() to remove every size-1 axis, or Reshape.", nameof(axis));
        }

        var dims = _shape.ToArray();
        return Reshape(new Shape([.. dims[..a], .. dims[(a + 1)..]]));
    }

    /// <summary>Inserts an axis of size 1 at position <paramref name="axis"/> of the result (PyTorch's <c>unsqueeze</c>).</summary>
    /// <param name="axis">
    /// The position of the new axis in the result, in [−Rank−1, Rank]; negative counts from the end of the result,
    /// so −1 appends an axis.
    /// </param>
    /// <returns>A variable sharing this one's values, with one axis more.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [−Rank−1, Rank].</exception>
    public Variable<T> Unsqueeze(int axis)
    {
        var a = axis < 0 ? axis + Rank + 1 : axis;
        if ((uint)a > (uint)Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Unsqueeze: axis {axis} is out of range for a variable of shape {_shape} (rank {Rank}); valid positions for the new axis are {-Rank - 1}..{Rank}.");
        }

        var dims = _shape.ToArray();
        return Reshape(new Shape([.. dims[..a], 1, .. dims[a..]]));
    }

    /// <summary>
    /// Repeats the values along size-1 axes (and new leading axes) to the given sizes, where −1 keeps a dimension
    /// (PyTorch's <c>expand</c>).
    /// </summary>
    /// <param name="sizes">
    /// The result's sizes, at least as many as this variable's axes, aligned at the last axis. −1 keeps the
    /// corresponding existing dimension; it is not allowed for a new leading axis.
    /// </param>
    /// <returns>A variable of the resolved shape (the values are copied, not viewed).</returns>
    /// <exception cref="ArgumentException">
    /// There are fewer sizes than axes, −1 stands for a new leading axis, a size is negative, or a non-unit
    /// dimension would change.
    /// </exception>
    /// <remarks>Equivalent to <see cref="BroadcastTo"/> after resolving the −1 entries; use BroadcastTo for a <see cref="AutoGrad.Shape"/>.</remarks>
    public Variable<T> Expand(params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var text = $"[{string.Join(", ", sizes)}]";
        if (sizes.Length < Rank)
        {
            throw new ArgumentException($"Expand: {sizes.Length} sizes {text} given for a variable of shape {_shape} (rank {Rank}); give at least one size per axis.", nameof(sizes));
        }

        var lead = sizes.Length - Rank;
        var dims = new int[sizes.Length];
        for (var i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] == -1)
            {
                if (i < lead)
                {
                    throw new ArgumentException($"Expand: size -1 at position {i} of {text} stands for a new leading axis of shape {_shape}, which has no dimension to keep; give its size.", nameof(sizes));
                }

                dims[i] = _shape[i - lead];
            }
            else if (sizes[i] < 0)
            {
                throw new ArgumentException($"Expand: size {sizes[i]} at position {i} of {text} is invalid (only -1 may be negative).", nameof(sizes));
            }
            else
            {
                dims[i] = sizes[i];
            }
        }

        var shape = new Shape(dims);
        if (!Broadcasting.CanBroadcastTo(_shape, shape))
        {
            throw new ArgumentException($"Expand: shape {_shape} cannot be expanded to {text} (resolved {shape}): aligned at the last axis, each existing dimension must equal the new size or be 1.", nameof(sizes));
        }

        return BroadcastTo(shape);
    }
}
