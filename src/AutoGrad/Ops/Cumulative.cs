using System.Numerics.Tensors;

namespace AutoGrad;

// Derivatives:
//
//   CumSum(x, axis)          x: Flip(CumSum(Flip(grad, axis), axis), axis)     (the reverse cumulative sum of grad)
//   Flip(x, axis)            x: Flip(grad, axis)                               (an involution)
//   Prod(x[, axis])          x: composite — a pairwise product tree of slices; gradients come from Multiply and Index
//   ArgMax, ArgMin           — (integer positions, not differentiable)
//
// CumSum's backward is made of CumSum and Flip, both primitives with differentiable backwards, so gradients of every
// order work.
//
// Prod is a composite on purpose. The usual primitive rule, grad·result/x, divides by zero when an element is 0, and
// the zero-safe alternatives (exclusive prefix and suffix products, or special cases for one zero and for several)
// need a second-derivative rule of their own that is easy to get wrong: PyTorch 1.13's prod backward with two zeros
// is not even differentiable again. A product tree — multiply the first half of the axis by the second half, elementwise,
// and repeat — needs only ⌈log₂ n⌉ vectorized Multiply steps (plus at most one extra factor per level when the length is
// odd). Every derivative of every order is then a sum of products of the other elements, computed exactly as
// products (never quotients), so one, two or more zeros are all handled correctly. The pairwise order also rounds
// better than a running product: the relative error grows like log₂ n rather than n.
public sealed partial class Variable<T>
{
    private sealed class CumSumNode(Variable<T> x, int axis) : Node([x])
    {
        public override string Name => "CumSum";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) =>
            inputGrads[0] = grad.Flip(axis).CumSum(axis).Flip(axis);
    }

    private sealed class FlipNode(Variable<T> x, int axis) : Node([x])
    {
        public override string Name => "Flip";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.Flip(axis);
    }

    /// <summary>The cumulative sum along an axis: <c>result[…, k, …] = Σ_{j ≤ k} x[…, j, …]</c> (PyTorch's <c>cumsum</c>).</summary>
    /// <param name="axis">The axis to accumulate along; negative counts from the end.</param>
    /// <returns>A variable of this variable's shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <remarks>
    /// The sum runs in order along the axis. The gradient is the reverse cumulative sum of <c>grad</c>,
    /// <c>x̄[k] = Σ_{j ≥ k} grad[j]</c>, computed as <c>Flip(CumSum(Flip(grad)))</c>.
    /// </remarks>
    public Variable<T> CumSum(int axis)
    {
        var a = _shape.NormalizeAxis(axis, "CumSum");
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        var data = (T[])Data.Clone();
        for (var o = 0; o < outer; o++)
        {
            var block = data.AsSpan(o * n * inner, n * inner);
            if (inner == 1)
            {
                for (var k = 1; k < n; k++)
                {
                    block[k] += block[k - 1];
                }
            }
            else
            {
                for (var k = 1; k < n; k++)
                {
                    var row = block.Slice(k * inner, inner);
                    TensorPrimitives.Add(row, block.Slice((k - 1) * inner, inner), row);
                }
            }
        }

        return Result(data, _shape, ShouldRecord(this) ? new CumSumNode(this, a) : null);
    }

    /// <summary>Reverses the order of the elements along an axis (PyTorch's <c>flip</c> with one dimension).</summary>
    /// <param name="axis">The axis to reverse; negative counts from the end.</param>
    /// <returns>A variable of this variable's shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <remarks><c>Flip</c> is its own inverse; its gradient is <c>grad</c> flipped back along the same axis.</remarks>
    public Variable<T> Flip(int axis)
    {
        var a = _shape.NormalizeAxis(axis, "Flip");
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        var data = NewZeroedBuffer(Data.Length);
        var source = Data.AsSpan();
        for (var o = 0; o < outer; o++)
        {
            for (var k = 0; k < n; k++)
            {
                source.Slice(((o * n) + k) * inner, inner).CopyTo(data.AsSpan(((o * n) + (n - 1 - k)) * inner, inner));
            }
        }

        return Result(data, _shape, ShouldRecord(this) ? new FlipNode(this, a) : null);
    }

    /// <summary>The product of all elements, as a scalar (1 for an empty variable).</summary>
    /// <returns>A scalar variable.</returns>
    /// <remarks>
    /// Exact with zeros: with one zero the gradient at the zero is the product of the other elements and 0 elsewhere;
    /// second and higher derivatives are exact too (computed as products, never as <c>result / x</c>).
    /// </remarks>
    public Variable<T> Prod() => Reshape(Data.Length).Prod(0);

    /// <summary>The product along one axis (1 where the axis is empty).</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <remarks>
    /// <para>
    /// Computed as a pairwise product tree: the first half of the axis times the second half, repeated ⌈log₂ n⌉ times,
    /// so the gradient <c>∂result/∂x[k] = Π_{j≠k} x[j]</c> and every higher derivative are exact products even when
    /// elements are zero.
    /// </para>
    /// <para>
    /// The values may differ from a sequential running product in the last bits, and a product whose running value would
    /// overflow part way (1e200·1e200·1e-200·1e-200) can stay finite.
    /// </para>
    /// </remarks>
    public Variable<T> Prod(int axis, bool keepDims = false)
    {
        var a = _shape.NormalizeAxis(axis, "Prod");
        var n = _shape[a];
        Variable<T> result;
        if (n == 0)
        {
            // The empty product is 1; adding the (empty) sum keeps the result on the graph, with an empty gradient.
            result = Sum(a, keepDims: true) + T.One;
        }
        else
        {
            result = this;
            var leftovers = new List<Variable<T>>();
            while (n > 1)
            {
                var half = n / 2;
                if (n % 2 == 1)
                {
                    leftovers.Add(result.SliceAxis(a, 2 * half, n));
                }

                result = result.SliceAxis(a, 0, half) * result.SliceAxis(a, half, 2 * half);
                n = half;
            }

            foreach (var factor in leftovers)
            {
                result *= factor;
            }
        }

        return keepDims ? result : result.Reshape(ReducedShape(_shape, a, keepDims: false));
    }

    /// <summary>The positions start..end (exclusive) along one axis, every other axis whole.</summary>
    private Variable<T> SliceAxis(int axis, int start, int end)
    {
        var entries = new TensorIndex[axis + 1];
        for (var d = 0; d < axis; d++)
        {
            entries[d] = TensorIndex.All;
        }

        entries[axis] = start..end;
        return this[entries];
    }

    /// <summary>The flat (row-major) position of the largest element; the first one on ties; the first NaN if there is one.</summary>
    /// <returns>The position, in <c>[0, Length)</c>.</returns>
    /// <exception cref="InvalidOperationException">The variable is empty.</exception>
    /// <remarks>As in PyTorch, NaN counts as larger than every number. Not differentiable.</remarks>
    public int ArgMax() => ArgExtremum(max: true);

    /// <summary>The flat (row-major) position of the smallest element; the first one on ties; the first NaN if there is one.</summary>
    /// <returns>The position, in <c>[0, Length)</c>.</returns>
    /// <exception cref="InvalidOperationException">The variable is empty.</exception>
    /// <remarks>As in PyTorch, NaN wins in ArgMin too: a NaN anywhere makes its first position the answer. Not differentiable.</remarks>
    public int ArgMin() => ArgExtremum(max: false);

    /// <summary>The position of the largest element along one axis; the first one on ties; the first NaN if there is one.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1 (so the result can index this variable with <see cref="Gather(int, Indices)"/>).</param>
    /// <returns>The positions, of the reduced shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <exception cref="InvalidOperationException">The axis has size 0.</exception>
    /// <remarks>As in PyTorch, NaN counts as larger than every number. Not differentiable.</remarks>
    public Indices ArgMax(int axis, bool keepDims = false) => ArgExtremum(axis, keepDims, max: true);

    /// <summary>The position of the smallest element along one axis; the first one on ties; the first NaN if there is one.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The positions, of the reduced shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    /// <exception cref="InvalidOperationException">The axis has size 0.</exception>
    /// <remarks>As in PyTorch, a NaN along the axis makes its first position the answer. Not differentiable.</remarks>
    public Indices ArgMin(int axis, bool keepDims = false) => ArgExtremum(axis, keepDims, max: false);

    private int ArgExtremum(bool max)
    {
        if (Data.Length == 0)
        {
            throw new InvalidOperationException($"{(max ? "ArgMax" : "ArgMin")}: the variable (shape {_shape}) is empty, so it has no {(max ? "largest" : "smallest")} element. Reduce along a non-empty axis instead.");
        }

        return ArgExtremumRow(Data, 0, 1, Data.Length, max);
    }

    private Indices ArgExtremum(int axis, bool keepDims, bool max)
    {
        var name = max ? "ArgMax" : "ArgMin";
        var a = _shape.NormalizeAxis(axis, name);
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        if (n == 0)
        {
            throw new InvalidOperationException($"{name}: axis {axis} of shape {_shape} has size 0, so there is no {(max ? "largest" : "smallest")} element along it.");
        }

        var positions = new int[outer * inner];
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                positions[(o * inner) + i] = ArgExtremumRow(Data, (o * n * inner) + i, inner, n, max);
            }
        }

        return Indices.Wrap(positions, ReducedShape(_shape, a, keepDims));
    }

    /// <summary>The first position of the extremum among <paramref name="n"/> values at a stride; the first NaN wins.</summary>
    private static int ArgExtremumRow(T[] data, int start, int stride, int n, bool max)
    {
        var best = data[start];
        var position = 0;
        for (var k = 1; k < n && !T.IsNaN(best); k++)
        {
            var v = data[start + (k * stride)];
            if (T.IsNaN(v) || (max ? v > best : v < best))
            {
                best = v;
                position = k;
            }
        }

        return position;
    }
}
