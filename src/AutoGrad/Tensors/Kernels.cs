using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace AutoGrad;

/// <summary>An elementwise binary kernel over spans, in the three forms broadcasting needs.</summary>
internal interface IBinaryKernel<T>
{
    static abstract void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

    static abstract void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination);

    static abstract void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination);
}

/// <summary>
/// Dense kernels over row-major buffers: broadcasting binary ops, reductions along an axis, sums back to
/// a broadcast source's shape, and strided gathers for slicing. No autodiff knowledge lives here.
/// </summary>
internal static class Kernels<T>
    where T : IFloatingPointIeee754<T>
{
    /// <summary>destination = op(x, y) with <paramref name="x"/> and <paramref name="y"/> broadcast to <paramref name="outShape"/>.</summary>
    public static void Binary<TKernel>(ReadOnlySpan<T> x, Shape xShape, ReadOnlySpan<T> y, Shape yShape, Span<T> destination, Shape outShape)
        where TKernel : IBinaryKernel<T>
    {
        if (destination.IsEmpty)
        {
            return;
        }

        if (xShape == yShape)
        {
            TKernel.Invoke(x, y, destination);
            return;
        }

        if (y.Length == 1 && xShape == outShape)
        {
            TKernel.Invoke(x, y[0], destination);
            return;
        }

        if (x.Length == 1 && yShape == outShape)
        {
            TKernel.Invoke(x[0], y, destination);
            return;
        }

        var plan = BroadcastPlan.Create(outShape, outShape, xShape, yShape);
        var inner = plan.Inner;
        var xContiguous = plan.InnerStrides[1] == 1;
        var yContiguous = plan.InnerStrides[2] == 1;
        for (var r = 0; r < plan.Rows; r++)
        {
            var d = destination.Slice(plan.Offset(0), inner);
            int xo = plan.Offset(1), yo = plan.Offset(2);
            if (xContiguous && yContiguous)
            {
                TKernel.Invoke(x.Slice(xo, inner), y.Slice(yo, inner), d);
            }
            else if (xContiguous)
            {
                TKernel.Invoke(x.Slice(xo, inner), y[yo], d);
            }
            else if (yContiguous)
            {
                TKernel.Invoke(x[xo], y.Slice(yo, inner), d);
            }
            else
            {
                // Both broadcast along the row (only possible when the row has length 1).
                TKernel.Invoke(x.Slice(xo, 1), y[yo], d);
            }

            plan.Next();
        }
    }

    /// <summary>Copies <paramref name="source"/> broadcast to <paramref name="targetShape"/> into <paramref name="destination"/>.</summary>
    public static void BroadcastTo(ReadOnlySpan<T> source, Shape sourceShape, Span<T> destination, Shape targetShape)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        if (sourceShape.ElementCount == 1)
        {
            destination.Fill(source[0]);
            return;
        }

        var plan = BroadcastPlan.Create(targetShape, targetShape, sourceShape);
        var inner = plan.Inner;
        var contiguous = plan.InnerStrides[1] == 1;
        for (var r = 0; r < plan.Rows; r++)
        {
            var d = destination.Slice(plan.Offset(0), inner);
            if (contiguous)
            {
                source.Slice(plan.Offset(1), inner).CopyTo(d);
            }
            else
            {
                d.Fill(source[plan.Offset(1)]);
            }

            plan.Next();
        }
    }

    /// <summary>
    /// Sums <paramref name="source"/> (of shape <paramref name="sourceShape"/>) over the axes along which
    /// <paramref name="targetShape"/> was broadcast, writing the result (of shape <paramref name="targetShape"/>).
    /// Rows are visited in a fixed order, so the result is deterministic.
    /// </summary>
    public static void SumTo(ReadOnlySpan<T> source, Shape sourceShape, Span<T> destination, Shape targetShape)
    {
        destination.Clear();
        if (source.IsEmpty)
        {
            return;
        }

        var plan = BroadcastPlan.Create(sourceShape, sourceShape, targetShape);
        var inner = plan.Inner;
        var contiguous = plan.InnerStrides[1] == 1;
        for (var r = 0; r < plan.Rows; r++)
        {
            var s = source.Slice(plan.Offset(0), inner);
            var o = plan.Offset(1);
            if (contiguous)
            {
                var d = destination.Slice(o, inner);
                TensorPrimitives.Add(d, s, d);
            }
            else
            {
                destination[o] += TensorPrimitives.Sum(s);
            }

            plan.Next();
        }
    }

    /// <summary>Splits a shape at <paramref name="axis"/> into (outer, n, inner) extents.</summary>
    public static (int Outer, int N, int Inner) Split(Shape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (var i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }

        for (var i = axis + 1; i < shape.Rank; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape[axis], inner);
    }

    /// <summary>Sum along one axis: destination[o, i] = Σₖ source[o, k, i].</summary>
    public static void SumAxis(ReadOnlySpan<T> source, Span<T> destination, int outer, int n, int inner)
    {
        if (inner == 1)
        {
            for (var o = 0; o < outer; o++)
            {
                destination[o] = TensorPrimitives.Sum(source.Slice(o * n, n));
            }

            return;
        }

        destination.Clear();
        for (var o = 0; o < outer; o++)
        {
            var d = destination.Slice(o * inner, inner);
            for (var k = 0; k < n; k++)
            {
                TensorPrimitives.Add(d, source.Slice(((o * n) + k) * inner, inner), d);
            }
        }
    }

    /// <summary>Maximum (or minimum) along one axis, propagating NaN.</summary>
    public static void ExtremumAxis(ReadOnlySpan<T> source, Span<T> destination, int outer, int n, int inner, bool max)
    {
        if (inner == 1)
        {
            for (var o = 0; o < outer; o++)
            {
                var row = source.Slice(o * n, n);
                destination[o] = max ? TensorPrimitives.Max(row) : TensorPrimitives.Min(row);
            }

            return;
        }

        for (var o = 0; o < outer; o++)
        {
            var d = destination.Slice(o * inner, inner);
            source.Slice(o * n * inner, inner).CopyTo(d);
            for (var k = 1; k < n; k++)
            {
                var row = source.Slice(((o * n) + k) * inner, inner);
                if (max)
                {
                    TensorPrimitives.Max(d, row, d);
                }
                else
                {
                    TensorPrimitives.Min(d, row, d);
                }
            }
        }
    }

    /// <summary>
    /// Strided gather: walks <paramref name="dims"/> with per-axis source <paramref name="strides"/> from
    /// <paramref name="offset"/>, writing rows contiguously. With <paramref name="scatter"/> the copy goes the
    /// other way (destination elements written into the strided positions of <paramref name="strided"/>).
    /// </summary>
    public static void Strided(Span<T> strided, Span<T> dense, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides, bool scatter)
    {
        var rank = dims.Length;
        var total = 1;
        foreach (var d in dims)
        {
            total *= d;
        }

        if (total == 0)
        {
            return;
        }

        if (rank == 0)
        {
            if (scatter)
            {
                strided[offset] = dense[0];
            }
            else
            {
                dense[0] = strided[offset];
            }

            return;
        }

        var inner = dims[rank - 1];
        var innerStride = strides[rank - 1];
        Span<int> index = stackalloc int[rank];
        var src = offset;
        for (var pos = 0; pos < total; pos += inner)
        {
            var row = dense.Slice(pos, inner);
            if (innerStride == 1)
            {
                if (scatter)
                {
                    row.CopyTo(strided.Slice(src, inner));
                }
                else
                {
                    strided.Slice(src, inner).CopyTo(row);
                }
            }
            else
            {
                for (var i = 0; i < inner; i++)
                {
                    if (scatter)
                    {
                        strided[src + (i * innerStride)] = row[i];
                    }
                    else
                    {
                        row[i] = strided[src + (i * innerStride)];
                    }
                }
            }

            for (var d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                src += strides[d];
                if (index[d] < dims[d])
                {
                    break;
                }

                src -= strides[d] * dims[d];
                index[d] = 0;
            }
        }
    }
}

/// <summary>The binary kernels, one operator struct each (the TensorPrimitives pattern).</summary>
internal static class BinaryKernels
{
    public readonly struct Add<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(y, x, destination);
    }

    public readonly struct Subtract<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);
    }

    public readonly struct Multiply<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(y, x, destination);
    }

    public readonly struct Divide<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);
    }

    public readonly struct Pow<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Pow(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Pow(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Pow(x, y, destination);
    }

    /// <summary>IEEE maximum: NaN propagates; max(-0, +0) = +0.</summary>
    public readonly struct Max<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Max(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Max(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Max(y, x, destination);
    }

    /// <summary>IEEE minimum: NaN propagates; min(-0, +0) = -0.</summary>
    public readonly struct Min<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Min(x, y, destination);

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Min(x, y, destination);

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Min(y, x, destination);
    }

    /// <summary>
    /// The chain-rule product: x·y, except that a zero factor gives zero whatever the other factor is
    /// (0·∞ = 0·NaN = 0). Backward rules multiply the upstream gradient by a local derivative with it, so
    /// a branch that receives no gradient (a zero from <c>Where</c>, a masked Relu) never turns an
    /// infinite or undefined local derivative into NaN.
    /// </summary>
    public readonly struct ChainMultiply<T> : IBinaryKernel<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        {
            // Block by block, so the NaN check reads products still in L1 rather than a second pass over memory.
            const int Block = 2048;
            for (var start = 0; start < destination.Length; start += Block)
            {
                var length = Math.Min(Block, destination.Length - start);
                var d = destination.Slice(start, length);
                TensorPrimitives.Multiply(x.Slice(start, length), y.Slice(start, length), d);
                if (!TensorPrimitives.IsNaNAny<T>(d))
                {
                    continue;
                }

                for (var i = start; i < start + length; i++)
                {
                    if (T.IsNaN(destination[i]) && (T.IsZero(x[i]) || T.IsZero(y[i])))
                    {
                        destination[i] = T.Zero;
                    }
                }
            }
        }

        public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination)
        {
            TensorPrimitives.Multiply(x, y, destination);
            if (T.IsZero(y))
            {
                // ±0 where x is finite, as with y in a span; NaN (x infinite or NaN) becomes 0.
                if (TensorPrimitives.IsNaNAny<T>(destination))
                {
                    for (var i = 0; i < destination.Length; i++)
                    {
                        if (T.IsNaN(destination[i]))
                        {
                            destination[i] = T.Zero;
                        }
                    }
                }
            }
            else if (!T.IsFinite(y))
            {
                for (var i = 0; i < destination.Length; i++)
                {
                    if (T.IsZero(x[i]))
                    {
                        destination[i] = T.Zero;
                    }
                }
            }
        }

        public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => Invoke(y, x, destination);

        /// <summary>x·y for two numbers with the same rule: a zero factor gives zero even against ∞ or NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Invoke(T x, T y)
        {
            var product = x * y;
            return T.IsNaN(product) && (T.IsZero(x) || T.IsZero(y)) ? T.Zero : product;
        }

        /// <summary>
        /// y ← x·y with the same rule, in place: <see cref="Invoke(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> looks
        /// at its factors again after multiplying, which an in-place product has overwritten, so this checks them first.
        /// </summary>
        public static void InvokeInPlace(ReadOnlySpan<T> x, Span<T> y)
        {
            if (TensorPrimitives.IsFiniteAll(x) && TensorPrimitives.IsFiniteAll<T>(y))
            {
                // Finite factors: no product can be NaN, so the plain product is the chain-rule product.
                TensorPrimitives.Multiply(x, y, y);
                return;
            }

            for (var i = 0; i < y.Length; i++)
            {
                y[i] = T.IsZero(x[i]) || T.IsZero(y[i]) ? T.Zero : x[i] * y[i];
            }
        }
    }
}
