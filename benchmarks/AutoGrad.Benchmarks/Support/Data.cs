using System.Numerics;

namespace AutoGrad.Benchmarks.Support;

/// <summary>Seeded input data, so every run of a benchmark sees the same values.</summary>
internal static class Data
{
    /// <summary>n values uniform in [low, high), drawn in <see cref="double"/> from <c>new Random(seed)</c> and rounded to T.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="n">The number of values.</param>
    /// <param name="low">The lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>A new array.</returns>
    public static T[] Uniform<T>(int n, double low, double high, int seed)
        where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var values = new T[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = T.CreateTruncating(low + ((high - low) * random.NextDouble()));
        }

        return values;
    }
}
