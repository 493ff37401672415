using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoGrad;

/// <summary>Batched matrix products over row-major buffers. No autodiff knowledge lives here.</summary>
internal static unsafe class MatMulKernel<T>
    where T : IFloatingPointIeee754<T>
{
    /// <summary>
    /// C[b] = op(A[b])·op(B[b]) for every batch index b of <paramref name="batch"/>, where A's and B's batch shapes
    /// broadcast to it; op(A[b]) is m×k, op(B[b]) is k×n, C[b] is m×n. With <paramref name="transposeA"/> each A[b]
    /// is stored k×m and used transposed (likewise B[b], stored n×k), without a transposed copy.
    /// </summary>
    /// <remarks>
    /// float and double go to <see cref="Gemm{T}"/> (packed, register-blocked, both cores above a size threshold,
    /// bitwise identical whatever the thread count); other element types take a plain triple loop.
    /// </remarks>
    public static void Multiply(
        ReadOnlySpan<T> a, Shape aBatch, ReadOnlySpan<T> b, Shape bBatch, Span<T> c, Shape batch, int m, int k, int n,
        bool transposeA = false, bool transposeB = false, int maxThreads = 0)
    {
        if (m == 0 || n == 0 || batch.ElementCount == 0)
        {
            return;
        }

        if (maxThreads <= 0)
        {
            maxThreads = Gemm<float>.DefaultThreads;
        }

        int aSize = m * k, bSize = k * n, cSize = m * n;
        if (batch.Rank == 0)
        {
            Single(a, b, c, m, k, n, transposeA, transposeB, maxThreads);
            return;
        }

        var plan = BroadcastPlan.Create(batch, batch, aBatch, bBatch);
        for (var r = 0; r < plan.Rows; r++)
        {
            for (var i = 0; i < plan.Inner; i++)
            {
                var cOffset = (plan.Offset(0) + i) * cSize;
                var aOffset = (plan.Offset(1) + (i * plan.InnerStrides[1])) * aSize;
                var bOffset = (plan.Offset(2) + (i * plan.InnerStrides[2])) * bSize;
                Single(a.Slice(aOffset, aSize), b.Slice(bOffset, bSize), c.Slice(cOffset, cSize), m, k, n, transposeA, transposeB, maxThreads);
            }

            plan.Next();
        }
    }

    private static void Single(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool transposeA, bool transposeB, int maxThreads)
    {
        // op(A)(i, p) = a[i·aRow + p·aCol]; a transposed operand just swaps the two strides.
        nint aRow = transposeA ? 1 : k, aCol = transposeA ? m : 1;
        nint bRow = transposeB ? 1 : n, bCol = transposeB ? k : 1;
        if (typeof(T) == typeof(float))
        {
            fixed (float* pa = Reinterpret<float>(a), pb = Reinterpret<float>(b), pc = Reinterpret<float>(c))
            {
                Gemm<float>.Multiply(m, n, k, pa, aRow, aCol, pb, bRow, bCol, pc, n, accumulate: false, maxThreads);
            }
        }
        else if (typeof(T) == typeof(double))
        {
            fixed (double* pa = Reinterpret<double>(a), pb = Reinterpret<double>(b), pc = Reinterpret<double>(c))
            {
                Gemm<double>.Multiply(m, n, k, pa, aRow, aCol, pb, bRow, bCol, pc, n, accumulate: false, maxThreads);
            }
        }
        else
        {
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var sum = T.Zero;
                    for (var p = 0; p < k; p++)
                    {
                        sum += a[(int)((i * aRow) + (p * aCol))] * b[(int)((p * bRow) + (j * bCol))];
                    }

                    c[(i * n) + j] = sum;
                }
            }
        }
    }

    private static Span<TTo> Reinterpret<TTo>(ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<TTo> Reinterpret<TTo>(Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);
}
