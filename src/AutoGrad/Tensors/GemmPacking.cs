using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad;

internal static unsafe partial class Gemm<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Packs op(A)[0:mc, 0:kc] into Mr-row panels: panel r holds rows r·Mr … r·Mr+Mr−1, column by column
    /// (<c>packed[r·Mr·kc + p·Mr + i] = A(r·Mr + i, p)</c>), rows past mc filled with zeros.
    /// </summary>
    private static void PackA(int mc, int kc, T* a, nint rowStride, nint colStride, T* packed)
    {
        var mr = Mr;
        for (var ir = 0; ir < mc; ir += mr)
        {
            var rows = Math.Min(mr, mc - ir);
            var source = a + (ir * rowStride);
            var destination = packed + (ir * kc);
            if (Kernel == GemmKernel.Avx512 && colStride == 1)
            {
                // Row-major A, 12-row panels: transpose 8×8 and 4×8 (float) or three 4×4 (double) blocks in registers.
                if (typeof(T) == typeof(float))
                {
                    PackRows12Float((float*)source, rowStride, rows, kc, (float*)destination);
                }
                else
                {
                    PackRows12Double((double*)source, rowStride, rows, kc, (double*)destination);
                }
            }
            else if (IsAccelerated && colStride == 1)
            {
                // Row-major A, 6-row panels: transpose 8×8 (float) or 4×4 (double) blocks in registers.
                if (typeof(T) == typeof(float))
                {
                    PackRowsFloat((float*)source, rowStride, rows, kc, (float*)destination);
                }
                else
                {
                    PackRowsDouble((double*)source, rowStride, rows, kc, (double*)destination);
                }
            }
            else if (IsAccelerated && rowStride == 1 && rows == mr)
            {
                // Transposed A: the Mr values of one column are adjacent; copy them with a few vector moves.
                for (var p = 0; p < kc; p++)
                {
                    CopyColumn(source + (p * colStride), destination, mr);
                    destination += mr;
                }
            }
            else
            {
                PackScalar(source, rowStride, colStride, rows, mr, kc, destination);
            }
        }
    }

    /// <summary>
    /// Packs op(B)[0:kc, 0:nc] into Nr-column panels: panel s holds columns s·Nr … s·Nr+Nr−1, row by row
    /// (<c>packed[s·Nr·kc + p·Nr + j] = B(p, s·Nr + j)</c>), columns past nc filled with zeros.
    /// </summary>
    private static void PackB(int kc, int nc, T* b, nint rowStride, nint colStride, T* packed)
    {
        var nr = Nr;
        for (var jr = 0; jr < nc; jr += nr)
        {
            var cols = Math.Min(nr, nc - jr);
            var source = b + (jr * colStride);
            var destination = packed + (jr * kc);
            if (IsAccelerated && colStride == 1)
            {
                // Row-major B: each panel row is two vectors of one row of B (masked loads at the right edge).
                if (typeof(T) == typeof(float))
                {
                    PackRowSegmentsFloat((float*)source, rowStride, cols, kc, (float*)destination);
                }
                else
                {
                    PackRowSegmentsDouble((double*)source, rowStride, cols, kc, (double*)destination);
                }
            }
            else if (IsAccelerated && rowStride == 1)
            {
                // Transposed B: each panel column is a contiguous row of the stored matrix; transpose blocks.
                if (typeof(T) == typeof(float))
                {
                    PackColumnsFloat((float*)source, colStride, cols, kc, (float*)destination);
                }
                else
                {
                    PackColumnsDouble((double*)source, colStride, cols, kc, (double*)destination);
                }
            }
            else
            {
                // Element (p, j) of op(B) is element (j, p) of a matrix with the strides swapped.
                PackScalar(source, colStride, rowStride, cols, nr, kc, destination);
            }
        }
    }

    /// <summary>
    /// The layout-agnostic packing: <c>destination[p·width + i] = source[i·lineStride + p·stepStride]</c> for i below
    /// <paramref name="lines"/>, zeros up to <paramref name="width"/>.
    /// </summary>
    private static void PackScalar(T* source, nint lineStride, nint stepStride, int lines, int width, int kc, T* destination)
    {
        for (var p = 0; p < kc; p++)
        {
            var i = 0;
            for (; i < lines; i++)
            {
                destination[i] = source[(i * lineStride) + (p * stepStride)];
            }

            for (; i < width; i++)
            {
                destination[i] = T.Zero;
            }

            destination += width;
        }
    }

    /// <summary>Copies the <paramref name="count"/> (6 or 12) adjacent values of a transposed A's column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyColumn(T* column, T* destination, int count)
    {
        if (typeof(T) == typeof(float))
        {
            float* s = (float*)column, d = (float*)destination;
            if (count == 12)
            {
                Vector256.Store(Vector256.Load(s), d);
                Vector128.Store(Vector128.Load(s + 8), d + 8);
            }
            else
            {
                Vector128.Store(Vector128.Load(s), d);
                Vector64.Store(Vector64.Load(s + 4), d + 4);
            }
        }
        else
        {
            double* s = (double*)column, d = (double*)destination;
            Vector256.Store(Vector256.Load(s), d);
            if (count == 12)
            {
                Vector256.Store(Vector256.Load(s + 4), d + 4);
                Vector256.Store(Vector256.Load(s + 8), d + 8);
            }
            else
            {
                Vector128.Store(Vector128.Load(s + 4), d + 4);
            }
        }
    }

    /// <summary>
    /// Up to 12 rows of a row-major float A into a 12-row panel, 8 columns at a time: rows 0–7 as an 8×8 transpose
    /// (each column stored as 8 floats), rows 8–11 as a 4×8 one (each column's last 4), zero past <paramref name="rows"/>.
    /// </summary>
    private static void PackRows12Float(float* source, nint rowStride, int rows, int kc, float* destination)
    {
        var zero = Vector256<float>.Zero;
        var p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            var s = source + p;
            var r0 = Avx.LoadVector256(s);
            var r1 = rows > 1 ? Avx.LoadVector256(s + rowStride) : zero;
            var r2 = rows > 2 ? Avx.LoadVector256(s + (2 * rowStride)) : zero;
            var r3 = rows > 3 ? Avx.LoadVector256(s + (3 * rowStride)) : zero;
            var r4 = rows > 4 ? Avx.LoadVector256(s + (4 * rowStride)) : zero;
            var r5 = rows > 5 ? Avx.LoadVector256(s + (5 * rowStride)) : zero;
            var r6 = rows > 6 ? Avx.LoadVector256(s + (6 * rowStride)) : zero;
            var r7 = rows > 7 ? Avx.LoadVector256(s + (7 * rowStride)) : zero;
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, r6, r7, out var c6, out var c7);
            Avx.Store(destination, r0);
            Avx.Store(destination + 12, r1);
            Avx.Store(destination + 24, r2);
            Avx.Store(destination + 36, r3);
            Avx.Store(destination + 48, r4);
            Avx.Store(destination + 60, r5);
            Avx.Store(destination + 72, c6);
            Avx.Store(destination + 84, c7);

            // Rows 8–11: after the in-lane interleaves, lane 0 of q holds column q and lane 1 column q + 4.
            var r8 = rows > 8 ? Avx.LoadVector256(s + (8 * rowStride)) : zero;
            var r9 = rows > 9 ? Avx.LoadVector256(s + (9 * rowStride)) : zero;
            var r10 = rows > 10 ? Avx.LoadVector256(s + (10 * rowStride)) : zero;
            var r11 = rows > 11 ? Avx.LoadVector256(s + (11 * rowStride)) : zero;
            var t0 = Avx.UnpackLow(r8, r9);
            var t1 = Avx.UnpackHigh(r8, r9);
            var t2 = Avx.UnpackLow(r10, r11);
            var t3 = Avx.UnpackHigh(r10, r11);
            var q0 = Avx.Shuffle(t0, t2, 0x44);
            var q1 = Avx.Shuffle(t0, t2, 0xEE);
            var q2 = Avx.Shuffle(t1, t3, 0x44);
            var q3 = Avx.Shuffle(t1, t3, 0xEE);
            Sse.Store(destination + 8, q0.GetLower());
            Sse.Store(destination + 20, q1.GetLower());
            Sse.Store(destination + 32, q2.GetLower());
            Sse.Store(destination + 44, q3.GetLower());
            Sse.Store(destination + 56, q0.GetUpper());
            Sse.Store(destination + 68, q1.GetUpper());
            Sse.Store(destination + 80, q2.GetUpper());
            Sse.Store(destination + 92, q3.GetUpper());
            destination += 96;
        }

        for (; p < kc; p++)
        {
            for (var i = 0; i < 12; i++)
            {
                destination[i] = i < rows ? source[(i * rowStride) + p] : 0;
            }

            destination += 12;
        }
    }

    /// <summary>Up to 12 rows of a row-major double A into a 12-row panel, 4 columns at a time (three 4×4 blocks).</summary>
    private static void PackRows12Double(double* source, nint rowStride, int rows, int kc, double* destination)
    {
        var zero = Vector256<double>.Zero;
        var p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            for (var block = 0; block < 12; block += 4)
            {
                var s = source + (block * rowStride) + p;
                var r0 = rows > block ? Avx.LoadVector256(s) : zero;
                var r1 = rows > block + 1 ? Avx.LoadVector256(s + rowStride) : zero;
                var r2 = rows > block + 2 ? Avx.LoadVector256(s + (2 * rowStride)) : zero;
                var r3 = rows > block + 3 ? Avx.LoadVector256(s + (3 * rowStride)) : zero;
                Transpose4x4(ref r0, ref r1, ref r2, ref r3);
                Avx.Store(destination + block, r0);
                Avx.Store(destination + block + 12, r1);
                Avx.Store(destination + block + 24, r2);
                Avx.Store(destination + block + 36, r3);
            }

            destination += 48;
        }

        for (; p < kc; p++)
        {
            for (var i = 0; i < 12; i++)
            {
                destination[i] = i < rows ? source[(i * rowStride) + p] : 0;
            }

            destination += 12;
        }
    }

    /// <summary>
    /// Up to 6 rows of a row-major float A into a 6-row panel, 8 columns at a time: the rows (zero past
    /// <paramref name="rows"/>) are transposed as an 8×8 block and each column stored as 8 floats at a 6-float pitch,
    /// in order, so each store's 2 extra floats are overwritten by the next (the buffers keep slack for the last).
    /// </summary>
    private static void PackRowsFloat(float* source, nint rowStride, int rows, int kc, float* destination)
    {
        var zero = Vector256<float>.Zero;
        var p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            var s = source + p;
            var r0 = Avx.LoadVector256(s);
            var r1 = rows > 1 ? Avx.LoadVector256(s + rowStride) : zero;
            var r2 = rows > 2 ? Avx.LoadVector256(s + (2 * rowStride)) : zero;
            var r3 = rows > 3 ? Avx.LoadVector256(s + (3 * rowStride)) : zero;
            var r4 = rows > 4 ? Avx.LoadVector256(s + (4 * rowStride)) : zero;
            var r5 = rows > 5 ? Avx.LoadVector256(s + (5 * rowStride)) : zero;
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, zero, zero, out var c6, out var c7);
            Avx.Store(destination, r0);
            Avx.Store(destination + 6, r1);
            Avx.Store(destination + 12, r2);
            Avx.Store(destination + 18, r3);
            Avx.Store(destination + 24, r4);
            Avx.Store(destination + 30, r5);
            Avx.Store(destination + 36, c6);
            Avx.Store(destination + 42, c7);
            destination += 48;
        }

        for (; p < kc; p++)
        {
            for (var i = 0; i < 6; i++)
            {
                destination[i] = i < rows ? source[(i * rowStride) + p] : 0;
            }

            destination += 6;
        }
    }

    /// <summary>Up to 6 rows of a row-major double A into a 6-row panel, 4 columns at a time (a 4×4 and a 2×4 block).</summary>
    private static void PackRowsDouble(double* source, nint rowStride, int rows, int kc, double* destination)
    {
        var zero = Vector256<double>.Zero;
        var p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            var s = source + p;
            var r0 = Avx.LoadVector256(s);
            var r1 = rows > 1 ? Avx.LoadVector256(s + rowStride) : zero;
            var r2 = rows > 2 ? Avx.LoadVector256(s + (2 * rowStride)) : zero;
            var r3 = rows > 3 ? Avx.LoadVector256(s + (3 * rowStride)) : zero;
            var r4 = rows > 4 ? Avx.LoadVector256(s + (4 * rowStride)) : zero;
            var r5 = rows > 5 ? Avx.LoadVector256(s + (5 * rowStride)) : zero;
            Transpose4x4(ref r0, ref r1, ref r2, ref r3);

            // Rows 4 and 5: (r4[0], r5[0], r4[2], r5[2]) and (r4[1], r5[1], r4[3], r5[3]).
            var even = Avx.UnpackLow(r4, r5);
            var odd = Avx.UnpackHigh(r4, r5);
            Avx.Store(destination, r0);
            Sse2.Store(destination + 4, even.GetLower());
            Avx.Store(destination + 6, r1);
            Sse2.Store(destination + 10, odd.GetLower());
            Avx.Store(destination + 12, r2);
            Sse2.Store(destination + 16, even.GetUpper());
            Avx.Store(destination + 18, r3);
            Sse2.Store(destination + 22, odd.GetUpper());
            destination += 24;
        }

        for (; p < kc; p++)
        {
            for (var i = 0; i < 6; i++)
            {
                destination[i] = i < rows ? source[(i * rowStride) + p] : 0;
            }

            destination += 6;
        }
    }

    /// <summary>
    /// An Nr-float segment of each of kc rows of a row-major B, zero past <paramref name="cols"/>: masked loads do not
    /// touch (or fault on) the masked-out elements.
    /// </summary>
    private static void PackRowSegmentsFloat(float* source, nint rowStride, int cols, int kc, float* destination)
    {
        var nr = Nr;
        if (cols == nr)
        {
            for (var p = 0; p < kc; p++)
            {
                var row = source + (p * rowStride);
                for (var j = 0; j < nr; j += 8)
                {
                    Avx.Store(destination + j, Avx.LoadVector256(row + j));
                }

                destination += nr;
            }

            return;
        }

        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (var j = 0; j < nr; j += 8)
        {
            var mask = Vector256.LessThan(lanes, Vector256.Create(cols - j)).AsSingle();
            for (var p = 0; p < kc; p++)
            {
                Avx.Store(destination + (p * nr) + j, Avx.MaskLoad(source + (p * rowStride) + j, mask));
            }
        }
    }

    /// <summary>An Nr-double segment of each of kc rows of a row-major B, zero past <paramref name="cols"/>.</summary>
    private static void PackRowSegmentsDouble(double* source, nint rowStride, int cols, int kc, double* destination)
    {
        var nr = Nr;
        if (cols == nr)
        {
            for (var p = 0; p < kc; p++)
            {
                var row = source + (p * rowStride);
                for (var j = 0; j < nr; j += 4)
                {
                    Avx.Store(destination + j, Avx.LoadVector256(row + j));
                }

                destination += nr;
            }

            return;
        }

        var lanes = Vector256.Create(0L, 1, 2, 3);
        for (var j = 0; j < nr; j += 4)
        {
            var mask = Vector256.LessThan(lanes, Vector256.Create((long)(cols - j))).AsDouble();
            for (var p = 0; p < kc; p++)
            {
                Avx.Store(destination + (p * nr) + j, Avx.MaskLoad(source + (p * rowStride) + j, mask));
            }
        }
    }

    /// <summary>
    /// Up to Nr rows of a stored float matrix (the columns of a transposed B) into an Nr-column panel, 8 steps of p at a
    /// time: one 8×8 transpose per 8 columns (rows past <paramref name="cols"/> read as zeros).
    /// </summary>
    private static void PackColumnsFloat(float* source, nint stride, int cols, int kc, float* destination)
    {
        var nr = Nr;
        var p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            for (var j = 0; j < nr; j += 8)
            {
                PackColumnBlockFloat(source + p + (j * stride), stride, cols - j, destination + j, nr);
            }

            destination += 8 * nr;
        }

        for (; p < kc; p++)
        {
            for (var j = 0; j < nr; j++)
            {
                destination[j] = j < cols ? source[(j * stride) + p] : 0;
            }

            destination += nr;
        }
    }

    /// <summary>Transposes 8 steps of up to 8 stored rows into 8 panel rows of 8 floats, <paramref name="pitch"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackColumnBlockFloat(float* s, nint stride, int rows, float* destination, int pitch)
    {
        var zero = Vector256<float>.Zero;
        var r0 = rows > 0 ? Avx.LoadVector256(s) : zero;
        var r1 = rows > 1 ? Avx.LoadVector256(s + stride) : zero;
        var r2 = rows > 2 ? Avx.LoadVector256(s + (2 * stride)) : zero;
        var r3 = rows > 3 ? Avx.LoadVector256(s + (3 * stride)) : zero;
        var r4 = rows > 4 ? Avx.LoadVector256(s + (4 * stride)) : zero;
        var r5 = rows > 5 ? Avx.LoadVector256(s + (5 * stride)) : zero;
        var r6 = rows > 6 ? Avx.LoadVector256(s + (6 * stride)) : zero;
        var r7 = rows > 7 ? Avx.LoadVector256(s + (7 * stride)) : zero;
        Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, r6, r7, out var c6, out var c7);
        Avx.Store(destination, r0);
        Avx.Store(destination + pitch, r1);
        Avx.Store(destination + (2 * pitch), r2);
        Avx.Store(destination + (3 * pitch), r3);
        Avx.Store(destination + (4 * pitch), r4);
        Avx.Store(destination + (5 * pitch), r5);
        Avx.Store(destination + (6 * pitch), c6);
        Avx.Store(destination + (7 * pitch), c7);
    }

    /// <summary>Up to Nr rows of a stored double matrix (the columns of a transposed B) into an Nr-column panel, by 4×4 blocks.</summary>
    private static void PackColumnsDouble(double* source, nint stride, int cols, int kc, double* destination)
    {
        var nr = Nr;
        var p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            for (var j = 0; j < nr; j += 4)
            {
                PackColumnBlockDouble(source + p + (j * stride), stride, cols - j, destination + j, nr);
            }

            destination += 4 * nr;
        }

        for (; p < kc; p++)
        {
            for (var j = 0; j < nr; j++)
            {
                destination[j] = j < cols ? source[(j * stride) + p] : 0;
            }

            destination += nr;
        }
    }

    /// <summary>Transposes 4 steps of up to 4 stored rows into 4 panel rows of 4 doubles, <paramref name="pitch"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackColumnBlockDouble(double* s, nint stride, int rows, double* destination, int pitch)
    {
        var zero = Vector256<double>.Zero;
        var r0 = rows > 0 ? Avx.LoadVector256(s) : zero;
        var r1 = rows > 1 ? Avx.LoadVector256(s + stride) : zero;
        var r2 = rows > 2 ? Avx.LoadVector256(s + (2 * stride)) : zero;
        var r3 = rows > 3 ? Avx.LoadVector256(s + (3 * stride)) : zero;
        Transpose4x4(ref r0, ref r1, ref r2, ref r3);
        Avx.Store(destination, r0);
        Avx.Store(destination + pitch, r1);
        Avx.Store(destination + (2 * pitch), r2);
        Avx.Store(destination + (3 * pitch), r3);
    }

    /// <summary>
    /// Transposes the 8×8 float block whose rows are r0…r7: afterwards r0…r5, c6 and c7 hold its columns 0…7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> c6, out Vector256<float> c7)
    {
        // Interleave pairs of rows, then pairs of pairs, within each 128-bit lane; then swap lane halves.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        c6 = Avx.Permute2x128(s2, s6, 0x31);
        c7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>Transposes the 4×4 double block whose rows are r0…r3 in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(ref Vector256<double> r0, ref Vector256<double> r1, ref Vector256<double> r2, ref Vector256<double> r3)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        r0 = Avx.Permute2x128(t0, t2, 0x20);
        r1 = Avx.Permute2x128(t1, t3, 0x20);
        r2 = Avx.Permute2x128(t0, t2, 0x31);
        r3 = Avx.Permute2x128(t1, t3, 0x31);
    }

    /// <summary>
    /// The calling thread's packing buffers, pinned and 64-byte aligned, kept between calls (one pair per thread
    /// that ever multiplies), so a product allocates nothing in steady state.
    /// </summary>
    private sealed class PackBuffers
    {
        private const int Alignment = 64;

        // PackRowsFloat's overlapping stores run up to 2 elements past a panel; the slack keeps them in the buffer.
        private const int Slack = 16;

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
        [ThreadStatic]
        private static PackBuffers? t_current;
#pragma warning restore IDE1006

        private T[] _a = [];
        private T[] _b = [];

        public T* A { get; private set; }

        public T* B { get; private set; }

        public static PackBuffers ForCurrentThread(int aLength, int bLength)
        {
            var buffers = t_current ??= new PackBuffers();
            if (buffers._a.Length < aLength + Slack + (Alignment / sizeof(T)))
            {
                buffers._a = Allocate(aLength, out var a);
                buffers.A = a;
            }

            if (buffers._b.Length < bLength + Slack + (Alignment / sizeof(T)))
            {
                buffers._b = Allocate(bLength, out var b);
                buffers.B = b;
            }

            return buffers;
        }

        private static T[] Allocate(int length, out T* aligned)
        {
            // Pinned (on the pinned object heap), so the raw pointer stays valid for the array's lifetime.
            var array = GC.AllocateUninitializedArray<T>(length + Slack + (Alignment / sizeof(T)), pinned: true);
            var address = (nint)Unsafe.AsPointer(ref array[0]);
            aligned = (T*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
            return array;
        }
    }
}
