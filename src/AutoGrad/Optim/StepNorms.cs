using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoGrad;

/// <summary>
/// The sums of squares behind <see cref="StepReport.GradientNorm"/> and <see cref="StepReport.UpdateNorm"/>: every
/// element is converted to <see cref="double"/> before it is squared (so a float gradient's norm is as exact as a
/// double's), vectorized, allocation-free. The summation order is the vector loop's, not left to right, so a sum may
/// differ from a sequential one in its last bits.
/// </summary>
internal static class StepNorms
{
    /// <summary>Σ x², with each x converted to double first.</summary>
    public static double SumOfSquares<T>(ReadOnlySpan<T> x)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return TensorPrimitives.SumOfSquares(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(x)), x.Length));
        }

        ref var start = ref MemoryMarshal.GetReference(x);
        var i = 0;
        var sum = 0.0;
        if (Vectorizable<T>() && x.Length >= Vector<T>.Count)
        {
            var accumulator = Vector<double>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                accumulator = AddSquares(accumulator, Vector.LoadUnsafe(ref start, (nuint)i));
            }

            sum = Vector.Sum(accumulator);
        }

        for (; i < x.Length; i++)
        {
            var d = double.CreateTruncating(x[i]);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Σ (a − b)², the difference taken in <typeparamref name="T"/> and then converted to double and squared.</summary>
    public static double SquaredDistance<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"SquaredDistance: lengths {a.Length} and {b.Length} differ.", nameof(b));
        }

        ref var x = ref MemoryMarshal.GetReference(a);
        ref var y = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = 0.0;
        if (Vectorizable<T>() && a.Length >= Vector<T>.Count)
        {
            var accumulator = Vector<double>.Zero;
            for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                accumulator = AddSquares(accumulator, Vector.LoadUnsafe(ref x, (nuint)i) - Vector.LoadUnsafe(ref y, (nuint)i));
            }

            sum = Vector.Sum(accumulator);
        }

        for (; i < a.Length; i++)
        {
            sum = AddSquare(sum, a[i] - b[i]);
        }

        return sum;
    }

    /// <summary>Whether every element is finite (neither NaN nor ±∞).</summary>
    public static bool AllFinite<T>(ReadOnlySpan<T> x)
        where T : IFloatingPointIeee754<T>
    {
        foreach (var v in x)
        {
            if (!T.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the vector paths apply: hardware vectors, and <typeparamref name="T"/> is float or double (a JIT-time constant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Vectorizable<T>() =>
        Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>accumulator + x², lane by lane, with x widened to double (a float vector feeds two double vectors). Float or double only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> AddSquares<T>(Vector<double> accumulator, Vector<T> x)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            var d = x.As<T, double>();
            return accumulator + (d * d);
        }

        Vector.Widen(x.As<T, float>(), out var low, out var high);
        return accumulator + (low * low) + (high * high);
    }

    /// <summary>sum + x², with x converted to double first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AddSquare<T>(double sum, T x)
        where T : IFloatingPointIeee754<T>
    {
        var d = double.CreateTruncating(x);
        return sum + (d * d);
    }
}
