using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad;

// Derivatives (index, mask = integer or boolean arguments, not differentiable: —):
//
//   IndexSelect(x, axis, index)        x: IndexAdd(zeros like x, axis, index, grad)        index: —
//   IndexAdd (internal)                grad: IndexSelect(grad, axis, index)
//   Gather(x, axis, index)             x: ScatterAdd(zeros like x, axis, index, grad)      index: —
//   ScatterAdd(self, axis, index, src) self: grad                src: Gather(grad, axis, index)     index: —
//   MaskedSelect(x, mask)              x: composite — Reshape(-1) then IndexSelect at the true positions   mask: —
//   OneHot(index, classes)             — (a constant)
//
// Gather and IndexSelect are primitives whose backward is a scatter-add (an internal node), and the scatter-add's
// backward is the gather again, so gradients of every order work. Repeated indices select the same element
// several times; the scatter-add then accumulates every contribution, as in PyTorch.
//
// Negative indices are rejected, as PyTorch 1.13 rejects them in index_select, gather and scatter_add (they are
// not counted from the end there, unlike basic indexing): a negative value is an out-of-range error.
public sealed partial class Variable<T>
{
    /// <summary>
    /// A validated gather along one axis: for every position p of the index (shape <see cref="Result"/>), the flat
    /// offset into a tensor of shape <see cref="Source"/> of the element <c>source[p with p[axis] = index[p]]</c>.
    /// </summary>
    private sealed record GatherPlan(Shape Source, Shape Result, int[] Offsets);

    /// <summary>A validated index-select along one axis: extents (outer, n, inner) of the source and the positions.</summary>
    private sealed record IndexSelectPlan(Shape Source, Shape Result, int Outer, int N, int Inner, int[] Positions);

    private sealed class GatherNode(Variable<T> x, GatherPlan plan) : Node([x])
    {
        public override string Name => "Gather";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = ScatterAddInto(grad, plan);
    }

    private sealed class ScatterAddIntoNode(Variable<T> source, GatherPlan plan) : Node([source])
    {
        public override string Name => "ScatterAdd";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = GatherWith(grad, plan);
    }

    private sealed class IndexSelectNode(Variable<T> x, IndexSelectPlan plan) : Node([x])
    {
        public override string Name => "IndexSelect";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = IndexAddInto(grad, plan);
    }

    private sealed class IndexAddIntoNode(Variable<T> source, IndexSelectPlan plan) : Node([source])
    {
        public override string Name => "IndexAdd";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = IndexSelectWith(grad, plan);
    }

    /// <summary>
    /// Selects whole slices along <paramref name="axis"/> at the given positions (PyTorch's <c>index_select</c>):
    /// <c>result[…, j, …] = x[…, index[j], …]</c>.
    /// </summary>
    /// <param name="axis">The axis to select along; negative counts from the end.</param>
    /// <param name="index">
    /// The positions, a vector (a rank-0 index counts as a vector of one, as in PyTorch); each in <c>[0, size)</c>.
    /// Positions may repeat and appear in any order.
    /// </param>
    /// <returns>A variable with this one's shape, except that axis <paramref name="axis"/> has <c>index.Length</c> entries.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or a position is negative or not less than the axis size.</exception>
    /// <exception cref="ArgumentException">The index has rank 2 or more.</exception>
    /// <remarks>
    /// The gradient adds each slice of <c>grad</c> back at its position; a position selected k times receives the sum of
    /// its k gradient slices. Negative positions are rejected (PyTorch rejects them too; they do not count from the end).
    /// </remarks>
    public Variable<T> IndexSelect(int axis, Indices index)
    {
        ArgumentNullException.ThrowIfNull(index);
        var a = _shape.NormalizeAxis(axis, "IndexSelect");
        if (index.Shape.Rank > 1)
        {
            throw new ArgumentException($"IndexSelect: the index must be a vector; got index shape {index.Shape} for input shape {_shape} (axis {axis}). Flatten the index, or use Gather for an index of the input's rank.", nameof(index));
        }

        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        var positions = index.ToArray();
        for (var j = 0; j < positions.Length; j++)
        {
            if ((uint)positions[j] >= (uint)n)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"IndexSelect: index value {positions[j]} at position {j} is out of range for axis {a} of size {n} (input shape {_shape}); valid values are 0 ≤ value < {n} (negative indices are rejected, as in PyTorch).");
            }
        }

        var dims = _shape.ToArray();
        dims[a] = positions.Length;
        var plan = new IndexSelectPlan(_shape, new Shape(dims), outer, n, inner, positions);
        return IndexSelectWith(this, plan);
    }

    private static Variable<T> IndexSelectWith(Variable<T> x, IndexSelectPlan plan)
    {
        var data = NewZeroedBuffer(plan.Result.ElementCount);
        int n = plan.N, inner = plan.Inner, m = plan.Positions.Length;
        var source = x.Data.AsSpan();
        for (var o = 0; o < plan.Outer; o++)
        {
            for (var j = 0; j < m; j++)
            {
                source.Slice(((o * n) + plan.Positions[j]) * inner, inner).CopyTo(data.AsSpan(((o * m) + j) * inner, inner));
            }
        }

        return Result(data, plan.Result, ShouldRecord(x) ? new IndexSelectNode(x, plan) : null);
    }

    /// <summary>Zeros of the plan's source shape with each slice of <paramref name="source"/> added at its position.</summary>
    private static Variable<T> IndexAddInto(Variable<T> source, IndexSelectPlan plan)
    {
        var data = NewZeroedBuffer(plan.Source.ElementCount);
        int n = plan.N, inner = plan.Inner, m = plan.Positions.Length;
        var values = source.Data.AsSpan();
        for (var o = 0; o < plan.Outer; o++)
        {
            for (var j = 0; j < m; j++)
            {
                var destination = data.AsSpan(((o * n) + plan.Positions[j]) * inner, inner);
                TensorPrimitives.Add(destination, values.Slice(((o * m) + j) * inner, inner), destination);
            }
        }

        return Result(data, plan.Source, ShouldRecord(source) ? new IndexAddIntoNode(source, plan) : null);
    }

    /// <summary>
    /// Gathers values along <paramref name="axis"/> (PyTorch's <c>gather</c>):
    /// <c>result[i][j][k] = x[index[i][j][k]][j][k]</c> for axis 0, <c>x[i][index[i][j][k]][k]</c> for axis 1, and so on.
    /// </summary>
    /// <param name="axis">The axis the index values point along; negative counts from the end.</param>
    /// <param name="index">
    /// The positions, with the same rank as this variable; along every other axis its size is at most this variable's.
    /// Each value is in <c>[0, size of <paramref name="axis"/>)</c>; values may repeat.
    /// </param>
    /// <returns>A variable with the index's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or an index value is negative or not less than the axis size.</exception>
    /// <exception cref="ArgumentException">The index's rank differs from this variable's, or it is larger along an axis other than <paramref name="axis"/>.</exception>
    /// <remarks>
    /// The gradient is a scatter-add of <c>grad</c> into zeros of this variable's shape, so an element gathered k times
    /// receives the sum of its k gradients. Negative index values are rejected, as in PyTorch.
    /// </remarks>
    public Variable<T> Gather(int axis, Indices index)
    {
        ArgumentNullException.ThrowIfNull(index);
        var a = _shape.NormalizeAxis(axis, "Gather");
        var plan = PlanGather("Gather", _shape, a, index);
        return GatherWith(this, plan);
    }

    /// <summary>
    /// Returns a copy of this variable with <paramref name="source"/> added at the positions given by
    /// <paramref name="index"/> along <paramref name="axis"/> (PyTorch's out-of-place <c>scatter_add</c>):
    /// <c>result[index[i][j][k]][j][k] += source[i][j][k]</c> for axis 0, and so on.
    /// </summary>
    /// <param name="axis">The axis the index values point along; negative counts from the end.</param>
    /// <param name="index">
    /// The positions, with the same rank as this variable; along every axis its size is at most the source's, and along every
    /// axis other than <paramref name="axis"/> at most this variable's. Each value is in <c>[0, size of <paramref name="axis"/>)</c>.
    /// </param>
    /// <param name="source">
    /// The values to add, of the index's rank. Only its leading block of the index's shape is used (as in PyTorch), so it
    /// may be larger than the index.
    /// </param>
    /// <returns>A variable of this variable's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> or <paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or an index value is negative or not less than the axis size.</exception>
    /// <exception cref="ArgumentException">The ranks of this variable, the index and the source differ, or the index is too large along some axis.</exception>
    /// <remarks>
    /// Repeated positions accumulate. The gradient with respect to this variable is <c>grad</c> (the copy is an identity),
    /// and with respect to the source it is <c>grad.Gather(axis, index)</c> (zero on any unused part of the source).
    /// </remarks>
    public Variable<T> ScatterAdd(int axis, Indices index, Variable<T> source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        var a = _shape.NormalizeAxis(axis, "ScatterAdd");
        if (source.Rank != index.Shape.Rank)
        {
            throw new ArgumentException($"ScatterAdd: the source has shape {source._shape} (rank {source.Rank}) but the index has shape {index.Shape} (rank {index.Shape.Rank}); they must have the same rank (axis {axis}, input shape {_shape}).", nameof(source));
        }

        for (var d = 0; d < source.Rank; d++)
        {
            if (index.Shape[d] > source._shape[d])
            {
                throw new ArgumentException($"ScatterAdd: the index shape {index.Shape} is larger than the source shape {source._shape} along axis {d} ({index.Shape[d]} > {source._shape[d]}); the index may be at most as large as the source along every axis (axis {axis}, input shape {_shape}).", nameof(index));
            }
        }

        var plan = PlanGather("ScatterAdd", _shape, a, index);
        if (source._shape != index.Shape)
        {
            // PyTorch uses only the leading block of a larger source; a basic slice carries the gradient back to it.
            var block = new TensorIndex[source.Rank];
            for (var d = 0; d < block.Length; d++)
            {
                block[d] = 0..index.Shape[d];
            }

            source = source[block];
        }

        return this + ScatterAddInto(source, plan);
    }

    /// <summary>
    /// Validates a gather along axis <paramref name="axis"/> of a tensor of shape <paramref name="shape"/> and computes the
    /// flat offset of every gathered element.
    /// </summary>
    private static GatherPlan PlanGather(string operation, Shape shape, int axis, Indices index)
    {
        var indexShape = index.Shape;
        if (indexShape.Rank != shape.Rank)
        {
            throw new ArgumentException($"{operation}: the index has shape {indexShape} (rank {indexShape.Rank}) but the input has shape {shape} (rank {shape.Rank}); the index must have the input's rank (axis {axis}).", nameof(index));
        }

        for (var d = 0; d < shape.Rank; d++)
        {
            if (d != axis && indexShape[d] > shape[d])
            {
                throw new ArgumentException($"{operation}: the index shape {indexShape} is larger than the input shape {shape} along axis {d} ({indexShape[d]} > {shape[d]}); along every axis except axis {axis} the index may be at most as large as the input.", nameof(index));
            }
        }

        var rank = shape.Rank;
        var strides = shape.Strides();
        var size = shape[axis];
        var values = index.Values;
        var offsets = new int[values.Length];
        var position = new int[rank];
        var baseOffset = 0;
        for (var k = 0; k < values.Length; k++)
        {
            var v = values[k];
            if ((uint)v >= (uint)size)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"{operation}: index value {v} at position [{string.Join(", ", position)}] is out of range for axis {axis} of size {size} (input shape {shape}); valid values are 0 ≤ value < {size} (negative indices are rejected, as in PyTorch).");
            }

            offsets[k] = baseOffset + (v * strides[axis]);

            // Advance the position over the index's shape (row-major), tracking the offset of the non-axis coordinates.
            for (var d = rank - 1; d >= 0; d--)
            {
                position[d]++;
                if (d != axis)
                {
                    baseOffset += strides[d];
                }

                if (position[d] < indexShape[d])
                {
                    break;
                }

                if (d != axis)
                {
                    baseOffset -= strides[d] * indexShape[d];
                }

                position[d] = 0;
            }
        }

        return new GatherPlan(shape, indexShape, offsets);
    }

    private static Variable<T> GatherWith(Variable<T> x, GatherPlan plan)
    {
        var data = NewZeroedBuffer(plan.Offsets.Length);
        for (var k = 0; k < data.Length; k++)
        {
            data[k] = x.Data[plan.Offsets[k]];
        }

        return Result(data, plan.Result, ShouldRecord(x) ? new GatherNode(x, plan) : null);
    }

    /// <summary>Zeros of the plan's source shape with every element of <paramref name="source"/> added at its offset.</summary>
    private static Variable<T> ScatterAddInto(Variable<T> source, GatherPlan plan)
    {
        var data = NewZeroedBuffer(plan.Source.ElementCount);
        for (var k = 0; k < plan.Offsets.Length; k++)
        {
            data[plan.Offsets[k]] += source.Data[k];
        }

        return Result(data, plan.Source, ShouldRecord(source) ? new ScatterAddIntoNode(source, plan) : null);
    }

    /// <summary>
    /// The elements where <paramref name="mask"/> is non-zero, as a vector in row-major order (PyTorch's
    /// <c>masked_select</c>).
    /// </summary>
    /// <param name="mask">The mask: non-zero (including NaN) selects. It broadcasts with this variable; it is not differentiated.</param>
    /// <returns>A vector of the selected elements; its length is the number of non-zero entries of the broadcast mask.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mask"/> is null.</exception>
    /// <exception cref="ArgumentException">The mask and this variable do not broadcast together.</exception>
    /// <remarks>
    /// As in PyTorch, this variable and the mask broadcast to a common shape first; an element repeated by broadcasting
    /// and selected several times receives the sum of its gradients. The gradient is zero at unselected elements.
    /// </remarks>
    public Variable<T> MaskedSelect(Variable<T> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var shape = Broadcasting.Shapes(_shape, mask._shape, "MaskedSelect");
        var m = mask.Detach().BroadcastTo(shape);
        var positions = new List<int>();
        for (var k = 0; k < m.Data.Length; k++)
        {
            if (!T.IsZero(m.Data[k]))
            {
                positions.Add(k);
            }
        }

        return BroadcastTo(shape).Reshape(shape.ElementCount).IndexSelect(0, positions.ToArray());
    }
}

public static partial class Variable
{
    /// <summary>
    /// The one-hot encoding of class positions: a constant with one more axis, of size <paramref name="classes"/>, holding 1
    /// at each index value and 0 elsewhere (PyTorch's <c>one_hot</c>, in <typeparamref name="T"/>).
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="index">The class of each entry, each in <c>[0, classes)</c>.</param>
    /// <param name="classes">The number of classes (at least 1).</param>
    /// <returns>A constant of shape <c>[.. index.Shape, classes]</c> (not differentiable).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is less than 1, or an index value is negative or not less than <paramref name="classes"/>.</exception>
    /// <remarks>Unlike PyTorch, the number of classes is required (it is not inferred from the largest index).</remarks>
    public static Variable<T> OneHot<T>(Indices index, int classes)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(index);
        if (classes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), $"OneHot: the number of classes must be at least 1; got {classes} (index shape {index.Shape}).");
        }

        var values = index.Values;
        var data = Variable<T>.NewZeroedBuffer(checked(values.Length * classes));
        for (var k = 0; k < values.Length; k++)
        {
            var v = values[k];
            if ((uint)v >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"OneHot: index value {v} at flat position {k} (index shape {index.Shape}) is out of range for {classes} classes; valid values are 0 ≤ value < {classes}.");
            }

            data[(k * classes) + v] = T.One;
        }

        return Variable<T>.Result(data, new Shape([.. index.Shape, classes]), node: null);
    }
}
