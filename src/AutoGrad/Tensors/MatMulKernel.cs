using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>Batched matrix products over row-major buffers. No autodiff knowledge lives here.</summary>
internal static class MatMulKernel<T>
    where T : IFloatingPointIeee754<T>
{
    /// <summary>
    /// C[b] = A[b]·B[b] for every batch index b of <paramref name="batch"/>, where A's and B's batch shapes broadcast to it;
    /// A[b] is m×k, B[b] is k×n, C[b] is m×n. Each product is an i-p-j loop over contiguous rows of B and C, so the
    /// inner loop is one vectorized multiply-add; the summation order is fixed, so results are deterministic.
    /// </summary>
    public static void Multiply(
        ReadOnlySpan<T> a, Shape aBatch, ReadOnlySpan<T> b, Shape bBatch, Span<T> c, Shape batch, int m, int k, int n)
    {
        c.Clear();
        if (m == 0 || n == 0 || k == 0 || batch.ElementCount == 0)
        {
            return;
        }

        int aSize = m * k, bSize = k * n, cSize = m * n;
        var plan = BroadcastPlan.Create(batch, batch, aBatch, bBatch);
        for (var r = 0; r < plan.Rows; r++)
        {
            for (var i = 0; i < plan.Inner; i++)
            {
                var cOffset = (plan.Offset(0) + i) * cSize;
                var aOffset = (plan.Offset(1) + (i * plan.InnerStrides[1])) * aSize;
                var bOffset = (plan.Offset(2) + (i * plan.InnerStrides[2])) * bSize;
                Single(a.Slice(aOffset, aSize), b.Slice(bOffset, bSize), c.Slice(cOffset, cSize), m, k, n);
            }

            plan.Next();
        }
    }

    private static void Single(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
    {
        for (var i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            for (var p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), a[(i * k) + p], row, row);
            }
        }
    }
}
