using System.Numerics;

namespace AutoGrad;

// Derivatives (o = offset of xᵢ along the axis, i.e. the sum of the sizes before it; bₐ = padding before axis a):
//
//   Concat(x₀…xₖ, axis)     xᵢ: grad[…, o : o + xᵢ.shape[axis]]            (a slice along the axis)
//   Pad(x, padding, value)  x:  grad[b₀ : b₀ + x.shape[0], b₁ : …]          value: —
//   Stack(x₀…xₖ, axis)      composite: Concat of xᵢ.Unsqueeze(axis)
//   Split(x, sizes, axis)   composite: slices x[…, o : o + size]
//
// The backward rules are slices (Indexing.cs), whose own backward is a scatter into zeros, whose backward is the
// slice again: gradients of every order work.
public sealed partial class Variable<T>
{
    private sealed class ConcatNode(Variable<T>[] xs, int axis) : Node(xs)
    {
        public override string Name => "Concat";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var inputs = Inputs;
            var offset = 0;
            for (var i = 0; i < inputs.Length; i++)
            {
                var size = inputs[i]._shape[axis];
                if (NeedsGradient(i))
                {
                    inputGrads[i] = grad[AlongAxis(axis, offset..(offset + size))];
                }

                offset += size;
            }
        }
    }

    private sealed class PadNode(Variable<T> x, TensorIndex[] interior) : Node([x])
    {
        public override string Name => "Pad";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad[interior];
    }

    /// <summary>An index expression that takes every position on the axes before <paramref name="axis"/> and <paramref name="range"/> on it.</summary>
    private static TensorIndex[] AlongAxis(int axis, Range range)
    {
        var index = new TensorIndex[axis + 1];
        Array.Fill(index, TensorIndex.All);
        index[axis] = range;
        return index;
    }

    /// <summary>Joins variables along an existing axis; see <see cref="Variable.Concat{T}"/>.</summary>
    internal static Variable<T> Concat(IReadOnlyList<Variable<T>> xs, int axis)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0)
        {
            throw new ArgumentException("Concat: needs at least one variable; got an empty list.", nameof(xs));
        }

        var inputs = new Variable<T>[xs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = xs[i] ?? throw new ArgumentNullException(nameof(xs), $"Concat: input {i} is null.");
        }

        var first = inputs[0]._shape;
        if (first.Rank == 0)
        {
            throw new ArgumentException($"Concat: scalars have no axis to join along (shapes {ShapeList(inputs)}); use Variable.Stack to join them into a vector.", nameof(xs));
        }

        var a = first.NormalizeAxis(axis, "Concat");
        var total = 0;
        var requiresGrad = false;
        foreach (var x in inputs)
        {
            var s = x._shape;
            var matches = s.Rank == first.Rank;
            for (var d = 0; matches && d < s.Rank; d++)
            {
                matches = d == a || s[d] == first[d];
            }

            if (!matches)
            {
                throw new ArgumentException($"Concat: along axis {axis}, every input must have the same rank and the same dimensions on every other axis; got shapes {ShapeList(inputs)}.", nameof(xs));
            }

            total += s[a];
            requiresGrad |= x._requiresGrad;
        }

        if (inputs.Length == 1)
        {
            return inputs[0];
        }

        var dims = first.ToArray();
        dims[a] = total;
        var shape = new Shape(dims);
        var (outer, _, inner) = Kernels<T>.Split(shape, a);
        var data = NewZeroedBuffer(shape.ElementCount);
        var offset = 0;
        foreach (var x in inputs)
        {
            var chunk = x._shape[a] * inner;
            for (var o = 0; o < outer; o++)
            {
                x.Data.AsSpan(o * chunk, chunk).CopyTo(data.AsSpan((o * total * inner) + offset, chunk));
            }

            offset += chunk;
        }

        return Result(data, shape, requiresGrad && GradMode.IsEnabled ? new ConcatNode(inputs, a) : null);
    }

    /// <summary>Joins variables of one shape along a new axis; see <see cref="Variable.Stack{T}"/>.</summary>
    internal static Variable<T> Stack(IReadOnlyList<Variable<T>> xs, int axis)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0)
        {
            throw new ArgumentException("Stack: needs at least one variable; got an empty list.", nameof(xs));
        }

        var inputs = new Variable<T>[xs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = xs[i] ?? throw new ArgumentNullException(nameof(xs), $"Stack: input {i} is null.");
            if (inputs[i]._shape != inputs[0]._shape)
            {
                throw new ArgumentException($"Stack: every input must have the same shape; got shapes {ShapeList(inputs)}.", nameof(xs));
            }
        }

        var rank = inputs[0].Rank;
        if (axis < -rank - 1 || axis > rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Stack: axis {axis} is out of range for inputs of shape {inputs[0]._shape} (rank {rank}); valid positions for the new axis are {-rank - 1}..{rank}.");
        }

        return Concat(inputs.Select(x => x.Unsqueeze(axis)).ToArray(), axis);
    }

    private static string ShapeList(Variable<T>[] xs) => string.Join(", ", xs.Select(x => x?._shape.ToString() ?? "null"));

    /// <summary>Splits into consecutive chunks of <paramref name="size"/> along an axis; the last chunk may be smaller (PyTorch's <c>split</c> with an int).</summary>
    /// <param name="size">The size of each chunk, at least 1 (0 only when the axis itself has size 0).</param>
    /// <param name="axis">The axis to split; negative counts from the end.</param>
    /// <returns>
    /// ⌈n / size⌉ chunks, n being the axis's size; one empty chunk when n = 0. Each is a copy that differentiates
    /// as a slice of this variable.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or the size is less than 1.</exception>
    public Variable<T>[] Split(int size, int axis = 0)
    {
        var a = _shape.NormalizeAxis(axis, "Split");
        var n = _shape[a];
        if (size < 1 && !(size == 0 && n == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"Split: the chunk size must be at least 1; got {size} for axis {axis} (size {n}) of shape {_shape}.");
        }

        if (n == 0)
        {
            return [this[AlongAxis(a, 0..0)]];
        }

        var chunks = new Variable<T>[(n + size - 1) / size];
        for (var i = 0; i < chunks.Length; i++)
        {
            chunks[i] = this[AlongAxis(a, (i * size)..Math.Min(n, (i + 1) * size))];
        }

        return chunks;
    }

    /// <summary>Splits into consecutive chunks of the given sizes along an axis (PyTorch's <c>split</c> with a list).</summary>
    /// <param name="sizes">The size of each chunk (0 gives an empty chunk); they must add up to the axis's size.</param>
    /// <param name="axis">The axis to split; negative counts from the end.</param>
    /// <returns>One chunk per size, each a copy that differentiates as a slice of this variable.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <exception cref="ArgumentException">A size is negative, or the sizes do not add up to the axis's size.</exception>
    public Variable<T>[] Split(int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var a = _shape.NormalizeAxis(axis, "Split");
        var n = _shape[a];
        long sum = 0;
        foreach (var s in sizes)
        {
            if (s < 0)
            {
                throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] contain a negative size; every chunk size must be non-negative (axis {axis} of shape {_shape}).", nameof(sizes));
            }

            sum += s;
        }

        if (sum != n)
        {
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] add up to {sum}, but axis {axis} of shape {_shape} has size {n}; they must add up to it exactly.", nameof(sizes));
        }

        var chunks = new Variable<T>[sizes.Length];
        var offset = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            chunks[i] = this[AlongAxis(a, offset..(offset + sizes[i]))];
            offset += sizes[i];
        }

        return chunks;
    }

    /// <summary>Pads with a constant, PyTorch's <c>F.pad(x, padding, value=value)</c> in <c>"constant"</c> mode.</summary>
    /// <param name="padding">
    /// Pairs (before, after) of element counts, starting from the LAST axis and going backwards:
    /// <c>[left, right]</c> pads the last axis, <c>[left, right, top, bottom]</c> the last two, and so on. At most one pair
    /// per axis; axes without a pair are not padded. Every count must be non-negative.
    /// </param>
    /// <param name="value">The value of the added elements (default 0).</param>
    /// <returns>A variable whose padded axes grow by before + after.</returns>
    /// <exception cref="ArgumentException">
    /// The padding has an odd length, more pairs than axes, or a negative count (PyTorch crops for negative padding;
    /// here slice with the indexer instead).
    /// </exception>
    /// <remarks>The gradient is the interior slice of the incoming gradient; the padded positions do not depend on x.</remarks>
    public Variable<T> Pad(int[] padding, T value = default!)
    {
        ArgumentNullException.ThrowIfNull(padding);
        var text = $"[{string.Join(", ", padding)}]";
        if (padding.Length % 2 != 0 || padding.Length / 2 > Rank)
        {
            throw new ArgumentException($"Pad: padding {text} must hold (before, after) pairs for at most every axis, starting from the last; got {padding.Length} values for a variable of shape {_shape} (rank {Rank}).", nameof(padding));
        }

        if (padding.Any(p => p < 0))
        {
            throw new ArgumentException($"Pad: padding {text} for shape {_shape} has a negative count; only non-negative padding is supported (to crop, slice with the indexer).", nameof(padding));
        }

        if (padding.All(p => p == 0))
        {
            return this;
        }

        var dims = _shape.ToArray();
        var interior = new TensorIndex[Rank];
        Array.Fill(interior, TensorIndex.All);
        for (var k = 0; k < padding.Length / 2; k++)
        {
            var a = Rank - 1 - k;
            int before = padding[2 * k], after = padding[(2 * k) + 1];
            interior[a] = before..(before + dims[a]);
            dims[a] += before + after;
        }

        var shape = new Shape(dims);
        var strides = shape.Strides();
        var offset = 0;
        for (var k = 0; k < padding.Length / 2; k++)
        {
            offset += padding[2 * k] * strides[Rank - 1 - k];
        }

        var data = NewZeroedBuffer(shape.ElementCount);
        data.AsSpan().Fill(value);
        Kernels<T>.Strided(data, Data, offset, _shape.Dimensions, strides, scatter: true);
        return Result(data, shape, ShouldRecord(this) ? new PadNode(this, interior) : null);
    }
}

/// <content>Joining variables: <see cref="Concat{T}"/> and <see cref="Stack{T}"/>.</content>
public static partial class Variable
{
    /// <summary>Joins variables end to end along an existing axis (PyTorch's <c>torch.cat</c>).</summary>
    /// <param name="xs">The variables, at least one; all of the same rank and with equal sizes on every axis except <paramref name="axis"/>.</param>
    /// <param name="axis">The axis to join along; negative counts from the end.</param>
    /// <returns>A variable whose size along the axis is the sum of the inputs' sizes (a single input is returned as is).</returns>
    /// <exception cref="ArgumentException">The list is empty, the inputs are scalars, or their shapes differ on another axis or in rank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <remarks>Each input's gradient is its slice of the result's gradient. Inputs may be empty along the axis.</remarks>
    public static Variable<T> Concat<T>(IReadOnlyList<Variable<T>> xs, int axis = 0)
        where T : IFloatingPointIeee754<T> => Variable<T>.Concat(xs, axis);

    /// <summary>Joins variables of one shape along a new axis (PyTorch's <c>torch.stack</c>).</summary>
    /// <param name="xs">The variables, at least one, all of the same shape.</param>
    /// <param name="axis">The position of the new axis in the result, in [−Rank−1, Rank] (Rank of the inputs).</param>
    /// <returns>A variable with one axis more, of size <c>xs.Count</c> at <paramref name="axis"/>.</returns>
    /// <exception cref="ArgumentException">The list is empty or the shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <remarks>Equivalent to <c>Concat(xs.Select(x =&gt; x.Unsqueeze(axis)), axis)</c>, and differentiated as such.</remarks>
    public static Variable<T> Stack<T>(IReadOnlyList<Variable<T>> xs, int axis = 0)
        where T : IFloatingPointIeee754<T> => Variable<T>.Stack(xs, axis);
}
