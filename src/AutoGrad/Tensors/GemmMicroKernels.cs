using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad;

internal static unsafe partial class Gemm<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// C[0:Mr, 0:Nr] = (or +=) the product of a packed Mr×kc A panel and a packed kc×Nr B panel: kc rank-1 updates
    /// of an Mr×Nr tile held in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(int kc, T* a, T* b, T* c, nint ldc, bool overwrite)
    {
        if (Kernel == GemmKernel.Avx512)
        {
            MicroKernel512(kc, a, b, c, ldc, overwrite);
        }
        else if (IsAccelerated && typeof(T) == typeof(float))
        {
            MicroKernelFloat(kc, (float*)a, (float*)b, (float*)c, ldc, overwrite);
        }
        else if (IsAccelerated && typeof(T) == typeof(double))
        {
            MicroKernelDouble(kc, (double*)a, (double*)b, (double*)c, ldc, overwrite);
        }
        else
        {
            MicroKernelPortable(kc, a, b, c, ldc, overwrite);
        }
    }

    /// <summary>
    /// The AVX-512 tile: 12 rows by two Vector512 (12×32 float, 12×16 double), 24 zmm accumulators. With the two B
    /// vectors and one broadcast A value that is 27 of the 32 zmm registers, and each loaded pair of B vectors feeds
    /// 24 FMAs (the 6×2 ymm tile feeds 12), so the loads per FMA halve and each FMA does twice the work of a ymm one.
    /// </summary>
    private static void MicroKernel512(int kc, T* a, T* b, T* c, nint ldc, bool overwrite)
    {
        Vector512<T> c00l = default, c00r = default, c01l = default, c01r = default, c02l = default, c02r = default, c03l = default, c03r = default;
        Vector512<T> c04l = default, c04r = default, c05l = default, c05r = default, c06l = default, c06r = default, c07l = default, c07r = default;
        Vector512<T> c08l = default, c08r = default, c09l = default, c09r = default, c10l = default, c10r = default, c11l = default, c11r = default;
        var width = Vector512<T>.Count;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + width);
            var ai = Vector512.Create(a[0]);
            c00l = Fma512(ai, b0, c00l);
            c00r = Fma512(ai, b1, c00r);
            ai = Vector512.Create(a[1]);
            c01l = Fma512(ai, b0, c01l);
            c01r = Fma512(ai, b1, c01r);
            ai = Vector512.Create(a[2]);
            c02l = Fma512(ai, b0, c02l);
            c02r = Fma512(ai, b1, c02r);
            ai = Vector512.Create(a[3]);
            c03l = Fma512(ai, b0, c03l);
            c03r = Fma512(ai, b1, c03r);
            ai = Vector512.Create(a[4]);
            c04l = Fma512(ai, b0, c04l);
            c04r = Fma512(ai, b1, c04r);
            ai = Vector512.Create(a[5]);
            c05l = Fma512(ai, b0, c05l);
            c05r = Fma512(ai, b1, c05r);
            ai = Vector512.Create(a[6]);
            c06l = Fma512(ai, b0, c06l);
            c06r = Fma512(ai, b1, c06r);
            ai = Vector512.Create(a[7]);
            c07l = Fma512(ai, b0, c07l);
            c07r = Fma512(ai, b1, c07r);
            ai = Vector512.Create(a[8]);
            c08l = Fma512(ai, b0, c08l);
            c08r = Fma512(ai, b1, c08r);
            ai = Vector512.Create(a[9]);
            c09l = Fma512(ai, b0, c09l);
            c09r = Fma512(ai, b1, c09r);
            ai = Vector512.Create(a[10]);
            c10l = Fma512(ai, b0, c10l);
            c10r = Fma512(ai, b1, c10r);
            ai = Vector512.Create(a[11]);
            c11l = Fma512(ai, b0, c11l);
            c11r = Fma512(ai, b1, c11r);
            a += 12;
            b += 2 * width;
        }

        StoreRow512(c, c00l, c00r, overwrite);
        StoreRow512(c + ldc, c01l, c01r, overwrite);
        StoreRow512(c + (2 * ldc), c02l, c02r, overwrite);
        StoreRow512(c + (3 * ldc), c03l, c03r, overwrite);
        StoreRow512(c + (4 * ldc), c04l, c04r, overwrite);
        StoreRow512(c + (5 * ldc), c05l, c05r, overwrite);
        StoreRow512(c + (6 * ldc), c06l, c06r, overwrite);
        StoreRow512(c + (7 * ldc), c07l, c07r, overwrite);
        StoreRow512(c + (8 * ldc), c08l, c08r, overwrite);
        StoreRow512(c + (9 * ldc), c09l, c09r, overwrite);
        StoreRow512(c + (10 * ldc), c10l, c10r, overwrite);
        StoreRow512(c + (11 * ldc), c11l, c11r, overwrite);
    }

    /// <summary>x·y + z with a single rounding (vfmadd on zmm registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma512(Vector512<T> x, Vector512<T> y, Vector512<T> z)
    {
        if (typeof(T) == typeof(float))
        {
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        }

        return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512(T* c, Vector512<T> left, Vector512<T> right, bool overwrite)
    {
        if (!overwrite)
        {
            left += Vector512.Load(c);
            right += Vector512.Load(c + Vector512<T>.Count);
        }

        Vector512.Store(left, c);
        Vector512.Store(right, c + Vector512<T>.Count);
    }

    /// <summary>The 6×16 float tile: 12 Vector256 accumulators, 12 FMAs per loaded pair of B vectors.</summary>
    private static void MicroKernelFloat(int kc, float* a, float* b, float* c, nint ldc, bool overwrite)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var ai = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
            a += 6;
            b += 16;
        }

        StoreRow(c, c00, c01, overwrite);
        StoreRow(c + ldc, c10, c11, overwrite);
        StoreRow(c + (2 * ldc), c20, c21, overwrite);
        StoreRow(c + (3 * ldc), c30, c31, overwrite);
        StoreRow(c + (4 * ldc), c40, c41, overwrite);
        StoreRow(c + (5 * ldc), c50, c51, overwrite);
    }

    /// <summary>The 6×8 double tile: 12 Vector256 accumulators, 12 FMAs per loaded pair of B vectors.</summary>
    private static void MicroKernelDouble(int kc, double* a, double* b, double* c, nint ldc, bool overwrite)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 4);
            var ai = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
            a += 6;
            b += 8;
        }

        StoreRow(c, c00, c01, overwrite);
        StoreRow(c + ldc, c10, c11, overwrite);
        StoreRow(c + (2 * ldc), c20, c21, overwrite);
        StoreRow(c + (3 * ldc), c30, c31, overwrite);
        StoreRow(c + (4 * ldc), c40, c41, overwrite);
        StoreRow(c + (5 * ldc), c50, c51, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TElement>(TElement* c, Vector256<TElement> left, Vector256<TElement> right, bool overwrite)
        where TElement : unmanaged
    {
        if (!overwrite)
        {
            left += Vector256.Load(c);
            right += Vector256.Load(c + Vector256<TElement>.Count);
        }

        Vector256.Store(left, c);
        Vector256.Store(right, c + Vector256<TElement>.Count);
    }

    /// <summary>
    /// The fallback without AVX2/FMA (for example under <c>DOTNET_EnableAVX2=0</c>): a 4×(2·Vector&lt;T&gt;.Count)
    /// tile in 8 <see cref="Vector{T}"/> accumulators, multiply then add.
    /// </summary>
    private static void MicroKernelPortable(int kc, T* a, T* b, T* c, nint ldc, bool overwrite)
    {
        var width = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<T> c20 = default, c21 = default, c30 = default, c31 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + width);
            var ai = new Vector<T>(a[0]);
            c00 += ai * b0;
            c01 += ai * b1;
            ai = new Vector<T>(a[1]);
            c10 += ai * b0;
            c11 += ai * b1;
            ai = new Vector<T>(a[2]);
            c20 += ai * b0;
            c21 += ai * b1;
            ai = new Vector<T>(a[3]);
            c30 += ai * b0;
            c31 += ai * b1;
            a += 4;
            b += 2 * width;
        }

        StoreRow(c, c00, c01, overwrite);
        StoreRow(c + ldc, c10, c11, overwrite);
        StoreRow(c + (2 * ldc), c20, c21, overwrite);
        StoreRow(c + (3 * ldc), c30, c31, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, Vector<T> left, Vector<T> right, bool overwrite)
    {
        if (!overwrite)
        {
            left += Vector.Load(c);
            right += Vector.Load(c + Vector<T>.Count);
        }

        Vector.Store(left, c);
        Vector.Store(right, c + Vector<T>.Count);
    }
}
