using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks.Kernels;

/// <summary>
/// The machine's fused multiply-add peak, measured in the same run as the GEMM so "% of peak" compares like with
/// like on a noisy machine: a loop of independent FMAs on 12 vector accumulators, on 1 and 2 threads.
/// </summary>
/// <remarks>
/// Twelve accumulators cover the FMA latency (4 cycles on Zen 3 to Zen 5) times its throughput (2 per cycle) with room
/// to spare, so the loop is bound by the FMA units alone. Each thread runs <see cref="Iterations"/> iterations; the flop
/// count is threads × iterations × 12 × lanes × 2. The 512-bit cases appear only where AVX-512 is available: Zen 4
/// splits a 512-bit FMA into two 256-bit halves (same peak as 256 bits), Zen 5 runs it at full width (twice the peak).
/// </remarks>
[Config(typeof(GflopsConfig))]
public class FmaPeakBenchmarks
{
    /// <summary>Loop trips per thread: 50M FMAs, about 6.5 ms on one 3.9 GHz core.</summary>
    public const int Iterations = 1 << 22;

    /// <summary>The element type, vector width and thread count.</summary>
    [ParamsSource(nameof(Cases))]
    public FmaPeakCase Case { get; set; } = null!;

    /// <summary>float and double at 256 bits (and 512 where available), on 1 and 2 threads.</summary>
    public static IEnumerable<FmaPeakCase> Cases()
    {
        int[] widths = Avx512F.IsSupported ? [256, 512] : [256];
        foreach (var width in widths)
        {
            foreach (var isDouble in new[] { false, true })
            {
                foreach (var threads in new[] { 1, 2 })
                {
                    yield return new FmaPeakCase(isDouble, width, threads);
                }
            }
        }
    }

    /// <summary>Runs the FMA loop on <see cref="FmaPeakCase.Threads"/> threads.</summary>
    /// <returns>A value depending on every accumulator, so the loop is not dead code.</returns>
    [Benchmark]
    public double Peak()
    {
        if (Case.Threads == 1)
        {
            return Loop(Case);
        }

        var results = new double[Case.Threads];
        Parallel.For(0, Case.Threads, new ParallelOptions { MaxDegreeOfParallelism = Case.Threads }, t => results[t] = Loop(Case));
        return results.Sum();
    }

    private static double Loop(FmaPeakCase c) => (c.IsDouble, c.Width) switch
    {
        (false, 256) => Float256(),
        (true, 256) => Double256(),
        (false, _) => Float512(),
        (true, _) => Double512(),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Float256()
    {
        var x = Vector256.Create(0.999999f);
        var y = Vector256.Create(1e-6f);
        Vector256<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (var i = 0; i < Iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y);
            a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y);
            a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y);
            a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y);
            a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y);
            a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y);
            a11 = Fma.MultiplyAdd(a11, x, y);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Double256()
    {
        var x = Vector256.Create(0.999999);
        var y = Vector256.Create(1e-6);
        Vector256<double> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (var i = 0; i < Iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y);
            a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y);
            a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y);
            a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y);
            a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y);
            a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y);
            a11 = Fma.MultiplyAdd(a11, x, y);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Float512()
    {
        var x = Vector512.Create(0.999999f);
        var y = Vector512.Create(1e-6f);
        Vector512<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (var i = 0; i < Iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y);
            a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y);
            a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y);
            a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y);
            a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y);
            a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y);
            a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Double512()
    {
        var x = Vector512.Create(0.999999);
        var y = Vector512.Create(1e-6);
        Vector512<double> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (var i = 0; i < Iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y);
            a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y);
            a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y);
            a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y);
            a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y);
            a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y);
            a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}

/// <summary>One FMA-peak configuration.</summary>
/// <param name="IsDouble">double lanes rather than float.</param>
/// <param name="Width">Vector width in bits (256 or 512).</param>
/// <param name="Threads">Threads running the loop at once.</param>
public sealed record FmaPeakCase(bool IsDouble, int Width, int Threads) : IFlopCount
{
    /// <inheritdoc/>
    public double Flops => 2.0 * Threads * FmaPeakBenchmarks.Iterations * 12 * (Width / (IsDouble ? 64 : 32));

    /// <inheritdoc/>
    public override string ToString() => $"{(IsDouble ? "double" : "float")} V{Width} x{Threads}";
}
