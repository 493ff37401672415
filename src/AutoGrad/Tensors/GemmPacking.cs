using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
            if (rows == mr && rowStride == 1)
            {
                // Transposed A: the Mr values of one column are adjacent.
                for (var p = 0; p < kc; p++)
                {
                    var column = source + (p * colStride);
                    for (var i = 0; i < mr; i++)
                    {
                        destination[i] = column[i];
                    }

                    destination += mr;
                }
            }
            else if (rows == mr && mr == 6 && colStride == 1)
            {
                // Row-major A: read the six rows in step so each stays a sequential stream.
                T* r0 = source, r1 = r0 + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride, r4 = r3 + rowStride, r5 = r4 + rowStride;
                for (var p = 0; p < kc; p++)
                {
                    destination[0] = r0[p];
                    destination[1] = r1[p];
                    destination[2] = r2[p];
                    destination[3] = r3[p];
                    destination[4] = r4[p];
                    destination[5] = r5[p];
                    destination += 6;
                }
            }
            else
            {
                for (var p = 0; p < kc; p++)
                {
                    var i = 0;
                    for (; i < rows; i++)
                    {
                        destination[i] = source[(i * rowStride) + (p * colStride)];
                    }

                    for (; i < mr; i++)
                    {
                        destination[i] = default;
                    }

                    destination += mr;
                }
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
            if (cols == nr && colStride == 1 && nr * sizeof(T) == 2 * Vector256<byte>.Count)
            {
                // Row-major B: each panel row is two contiguous vectors.
                for (var p = 0; p < kc; p++)
                {
                    var row = (byte*)(source + (p * rowStride));
                    Vector256.Store(Vector256.Load(row), (byte*)destination);
                    Vector256.Store(Vector256.Load(row + Vector256<byte>.Count), (byte*)destination + Vector256<byte>.Count);
                    destination += nr;
                }
            }
            else if (cols == nr && rowStride == 1)
            {
                // Transposed B: each panel column is contiguous in memory; walk it, scattering into the panel.
                for (var j = 0; j < nr; j++)
                {
                    var column = source + (j * colStride);
                    var target = destination + j;
                    for (var p = 0; p < kc; p++)
                    {
                        target[p * nr] = column[p];
                    }
                }
            }
            else
            {
                for (var p = 0; p < kc; p++)
                {
                    var j = 0;
                    for (; j < cols; j++)
                    {
                        destination[j] = source[(p * rowStride) + (j * colStride)];
                    }

                    for (; j < nr; j++)
                    {
                        destination[j] = default;
                    }

                    destination += nr;
                }
            }
        }
    }

    /// <summary>
    /// The calling thread's packing buffers, pinned and 64-byte aligned, kept between calls (one pair per thread
    /// that ever multiplies), so a product allocates nothing in steady state.
    /// </summary>
    private sealed class PackBuffers
    {
        private const int Alignment = 64;

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
            if (buffers._a.Length < aLength + (Alignment / sizeof(T)))
            {
                buffers._a = Allocate(aLength, out var a);
                buffers.A = a;
            }

            if (buffers._b.Length < bLength + (Alignment / sizeof(T)))
            {
                buffers._b = Allocate(bLength, out var b);
                buffers.B = b;
            }

            return buffers;
        }

        private static T[] Allocate(int length, out T* aligned)
        {
            // Pinned (on the pinned object heap), so the raw pointer stays valid for the array's lifetime.
            var array = GC.AllocateUninitializedArray<T>(length + (Alignment / sizeof(T)), pinned: true);
            var address = (nint)Unsafe.AsPointer(ref array[0]);
            aligned = (T*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
            return array;
        }
    }
}
