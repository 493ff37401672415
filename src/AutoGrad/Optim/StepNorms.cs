using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            // Two sums, so that consecutive additions do not wait on each other.
            var even = default(SquareSum);
            var odd = default(SquareSum);
            for (; i <= x.Length - (2 * Vector<T>.Count); i += 2 * Vector<T>.Count)
            {
                even.Add(Vector.LoadUnsafe(ref start, (nuint)i));
                odd.Add(Vector.LoadUnsafe(ref start, (nuint)(i + Vector<T>.Count)));
            }

            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                even.Add(Vector.LoadUnsafe(ref start, (nuint)i));
            }

            sum = even.Total + odd.Total;
        }

        for (; i < x.Length; i++)
        {
            sum = AddSquare(sum, x[i]);
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
            var even = default(SquareSum);
            var odd = default(SquareSum);
            for (; i <= a.Length - (2 * Vector<T>.Count); i += 2 * Vector<T>.Count)
            {
                even.Add(Vector.LoadUnsafe(ref x, (nuint)i) - Vector.LoadUnsafe(ref y, (nuint)i));
                var j = (nuint)(i + Vector<T>.Count);
                odd.Add(Vector.LoadUnsafe(ref x, j) - Vector.LoadUnsafe(ref y, j));
            }

            for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                even.Add(Vector.LoadUnsafe(ref x, (nuint)i) - Vector.LoadUnsafe(ref y, (nuint)i));
            }

            sum = even.Total + odd.Total;
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

    /// <summary>sum + x², with x converted to double first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AddSquare<T>(double sum, T x)
        where T : IFloatingPointIeee754<T>
    {
        var d = double.CreateTruncating(x);
        return sum + (d * d);
    }

    /// <summary>
    /// A running Σ x² over vectors of float or double, lane by lane in double. It sits inside the fused update loops,
    /// whose float versions are bound by arithmetic throughput, so it takes the fewest instructions the machine allows:
    /// with AVX-512 a float vector widens to one 512-bit double vector in one instruction; with FMA each square is added
    /// in one fused multiply-add (the sum is no less exact for it; only the update itself must keep PyTorch's rounding).
    /// A float vector's low and high halves otherwise go to two accumulators, so their additions do not wait on each other.
    /// </summary>
    internal struct SquareSum
    {
        private Vector<double> _first;
        private Vector<double> _second;
        private Vector512<double> _wide;

        /// <summary>The sum so far.</summary>
        public readonly double Total => Vector.Sum(_first + _second) + Vector512.Sum(_wide);

        /// <summary>Adds the squares of <paramref name="x"/>'s lanes (float or double only).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add<T>(Vector<T> x)
            where T : IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(double))
            {
                var d = x.As<T, double>();
                if (Fma.IsSupported && Vector<double>.Count == Vector256<double>.Count)
                {
                    _first = Fma.MultiplyAdd(d.AsVector256(), d.AsVector256(), _first.AsVector256()).AsVector();
                }
                else
                {
                    _first += d * d;
                }

                return;
            }

            var f = x.As<T, float>();
            if (Avx512F.IsSupported && Vector<float>.Count == Vector256<float>.Count)
            {
                var wide = Avx512F.ConvertToVector512Double(f.AsVector256());
                _wide = Avx512F.FusedMultiplyAdd(wide, wide, _wide);
                return;
            }

            Vector.Widen(f, out var low, out var high);
            if (Fma.IsSupported && Vector<double>.Count == Vector256<double>.Count)
            {
                _first = Fma.MultiplyAdd(low.AsVector256(), low.AsVector256(), _first.AsVector256()).AsVector();
                _second = Fma.MultiplyAdd(high.AsVector256(), high.AsVector256(), _second.AsVector256()).AsVector();
            }
            else
            {
                _first += low * low;
                _second += high * high;
            }
        }
    }
}

/// <summary>What an update measured for its <see cref="StepReport"/>: Σg² over the gradient and Σ(Δθ)² over the change, in double.</summary>
/// <param name="Gradient">Σg².</param>
/// <param name="Change">Σ(θ_new − θ_old)².</param>
internal readonly record struct StepSquares(double Gradient, double Change)
{
    /// <summary>Both sums added.</summary>
    public static StepSquares operator +(StepSquares a, StepSquares b) => new(a.Gradient + b.Gradient, a.Change + b.Change);
}
