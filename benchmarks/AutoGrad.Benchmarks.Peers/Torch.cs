using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace AutoGrad.Benchmarks.Peers;

/// <summary>Shared TorchSharp setup and the conversions between AutoGrad's element types and LibTorch's.</summary>
internal static class Torch
{
    /// <summary>LibTorch's intra-op threads: the machine's two cores.</summary>
    public const int Threads = 2;

    /// <summary>Loads LibTorch (once) and sets its intra-op thread count to <see cref="Threads"/>.</summary>
    public static void Initialize()
    {
        torch.set_num_threads(Threads);
        if (torch.get_num_threads() != Threads)
        {
            throw new InvalidOperationException($"torch.set_num_threads({Threads}) left {torch.get_num_threads()} threads.");
        }
    }

    /// <summary>The LibTorch dtype of <typeparamref name="T"/>.</summary>
    public static ScalarType DType<T>() =>
        typeof(T) == typeof(float) ? ScalarType.Float32
        : typeof(T) == typeof(double) ? ScalarType.Float64
        : throw new NotSupportedException(typeof(T).Name);

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static Tensor FromArray<T>(T[] data, long[] shape, bool requiresGrad = false) =>
        data switch
        {
            float[] f => torch.tensor(f, shape, requires_grad: requiresGrad),
            double[] d => torch.tensor(d, shape, requires_grad: requiresGrad),
            _ => throw new NotSupportedException(typeof(T).Name),
        };

    /// <summary>A copy of the tensor's elements, converted to <see cref="double"/>.</summary>
    public static double[] ToDoubles(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }

    /// <summary>Checks that two arrays agree elementwise to <paramref name="relativeTolerance"/> (floored at 1).</summary>
    /// <exception cref="InvalidOperationException">They differ in length or in some element.</exception>
    public static void CheckClose<T>(string what, ReadOnlySpan<T> actual, ReadOnlySpan<double> expected, double relativeTolerance)
        where T : INumberBase<T>
    {
        if (actual.Length != expected.Length)
        {
            throw new InvalidOperationException($"{what}: {actual.Length} elements, expected {expected.Length}.");
        }

        for (var i = 0; i < actual.Length; i++)
        {
            var a = double.CreateChecked(actual[i]);
            if (!(Math.Abs(a - expected[i]) <= relativeTolerance * Math.Max(1.0, Math.Abs(expected[i]))))
            {
                throw new InvalidOperationException($"{what}[{i}] = {a:R}, TorchSharp gives {expected[i]:R} (relative tolerance {relativeTolerance}).");
            }
        }
    }
}
