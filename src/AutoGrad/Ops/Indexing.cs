namespace AutoGrad;

// Derivatives:
//
//   x[indices]                      x: grad scattered into zeros of x's shape at the selected positions
//   (scatter of a slice)            grad: grad[indices]
//
// Basic indexing selects each element at most once, so the scatter is an assignment, and the two ops
// are each other's derivative: gradients of any order work.

/// <summary>
/// One entry of an index expression <c>x[i, 1..3, ..]</c>: a single position (which removes the axis), a
/// range (which keeps it), or a range with a step. Converts implicitly from <see cref="int"/> (negative counts
/// from the end, as in PyTorch), <see cref="System.Index"/> and <see cref="System.Range"/>.
/// </summary>
public readonly struct TensorIndex
{
    private readonly Index _single;
    private readonly Range _range;
    private readonly int _step;
    private readonly bool _isSingle;

    private TensorIndex(Index single)
    {
        _single = single;
        _isSingle = true;
        _step = 1;
    }

    private TensorIndex(Range range, int step)
    {
        _range = range;
        _step = step;
    }

    /// <summary>Every position along the axis (the same as <c>..</c>).</summary>
    public static TensorIndex All => new(Range.All, 1);

    /// <summary>Whether this entry selects a single position (and so removes the axis).</summary>
    public bool IsSingle => _isSingle;

    /// <summary>The positions <c>start, start + step, …</c> below <c>end</c>.</summary>
    /// <param name="range">The start and (exclusive) end, e.g. <c>1..^1</c>.</param>
    /// <param name="step">The step, at least 1.</param>
    /// <returns>The index entry.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is less than 1.</exception>
    public static TensorIndex Slice(Range range, int step = 1)
    {
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), $"Slice: the step must be at least 1; got {step}.");
        }

        return new TensorIndex(range, step);
    }

    /// <summary>A single position; negative values count from the end (−1 is the last).</summary>
    /// <param name="index">The position.</param>
    public static implicit operator TensorIndex(int index) => new(index < 0 ? Index.FromEnd(-index) : Index.FromStart(index));

    /// <summary>A single position, such as <c>^1</c> for the last.</summary>
    /// <param name="index">The position.</param>
    public static implicit operator TensorIndex(Index index) => new(index);

    /// <summary>A range of positions with step 1, such as <c>1..3</c> or <c>..</c>.</summary>
    /// <param name="range">The range.</param>
    public static implicit operator TensorIndex(Range range) => new(range, 1);

    /// <summary>Resolves this entry against an axis of size <paramref name="size"/>: start, step and count.</summary>
    internal (int Start, int Step, int Count) Resolve(int size, int axis, Shape shape)
    {
        if (_isSingle)
        {
            var i = _single.GetOffset(size);
            if ((uint)i >= (uint)size)
            {
                throw new IndexOutOfRangeException($"Index: position {(_single.IsFromEnd ? "^" + _single.Value : _single.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))} is out of range for axis {axis} of size {size} (shape {shape}).");
            }

            return (i, 1, 1);
        }

        int start = _range.Start.GetOffset(size), end = _range.End.GetOffset(size);
        if (start < 0 || end > size || start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), $"Index: range {_range} is out of bounds for axis {axis} of size {size} (shape {shape}).");
        }

        return (start, _step, (end - start + _step - 1) / _step);
    }

    /// <inheritdoc/>
    public override string ToString() => _isSingle ? _single.ToString() : _step == 1 ? _range.ToString() : $"{_range}:{_step}";
}

public sealed partial class Variable<T>
{
    /// <summary>A resolved basic-indexing view: a strided window into a source of shape <see cref="Source"/>.</summary>
    private sealed record SliceView(Shape Source, Shape Result, int Offset, int[] Dims, int[] Strides);

    private sealed class SliceNode(Variable<T> x, SliceView view) : Node([x])
    {
        public override string Name => "Index";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = Scatter(grad, view);
    }

    private sealed class ScatterNode(Variable<T> grad, SliceView view) : Node([grad])
    {
        public override string Name => "IndexBackward";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = Gather(grad, view);
    }

    /// <summary>Selects elements by position: an <c>int</c> removes its axis, a range keeps it; missing trailing axes are taken whole.</summary>
    /// <param name="indices">One entry per leading axis: <c>x[0]</c>, <c>x[1..3]</c>, <c>x[.., 2]</c>, <c>x[TensorIndex.Slice(0..10, step: 2)]</c>.</param>
    /// <returns>A new variable holding the selected elements.</returns>
    /// <exception cref="ArgumentException">There are more indices than axes.</exception>
    /// <exception cref="IndexOutOfRangeException">A position is out of range.</exception>
    public Variable<T> this[params TensorIndex[] indices] => Gather(this, Resolve(indices));

    private SliceView Resolve(TensorIndex[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length > Rank)
        {
            throw new ArgumentException($"Index: {indices.Length} indices [{string.Join(", ", indices)}] given for a variable of shape {_shape} (rank {Rank}).", nameof(indices));
        }

        var strides = _shape.Strides();
        var offset = 0;
        var dims = new List<int>(Rank);
        var viewStrides = new List<int>(Rank);
        for (var axis = 0; axis < Rank; axis++)
        {
            var entry = axis < indices.Length ? indices[axis] : TensorIndex.All;
            var (start, step, count) = entry.Resolve(_shape[axis], axis, _shape);
            offset += start * strides[axis];
            if (!entry.IsSingle)
            {
                dims.Add(count);
                viewStrides.Add(strides[axis] * step);
            }
        }

        var resultDims = dims.ToArray();
        return new SliceView(_shape, new Shape(resultDims), offset, resultDims, viewStrides.ToArray());
    }

    private static Variable<T> Gather(Variable<T> x, SliceView view)
    {
        var data = NewZeroedBuffer(view.Result.ElementCount);
        Kernels<T>.Strided(x.Data, data, view.Offset, view.Dims, view.Strides, scatter: false);
        return Result(data, view.Result, ShouldRecord(x) ? new SliceNode(x, view) : null);
    }

    private static Variable<T> Scatter(Variable<T> grad, SliceView view)
    {
        var data = NewZeroedBuffer(view.Source.ElementCount);
        Kernels<T>.Strided(data, grad.Data, view.Offset, view.Dims, view.Strides, scatter: true);
        return Result(data, view.Source, ShouldRecord(grad) ? new ScatterNode(grad, view) : null);
    }
}
