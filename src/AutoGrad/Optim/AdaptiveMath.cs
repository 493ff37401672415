using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad;

/// <summary>
/// The in-place tensor steps the adaptive optimizers share, each rounded exactly as PyTorch's CPU kernel rounds it
/// (<c>mul_</c> then <c>add_(x, alpha)</c>, <c>addcmul_</c>, <c>addcdiv_</c>), so trajectories agree with PyTorch's to
/// the last few bits rather than merely mathematically.
/// </summary>
internal static class AdaptiveMath
{
    /// <summary>
    /// The block length of the multi-step optimizers (Adadelta, Adamax, NAdam, RAdam): they run their sequence of
    /// elementwise steps over one block at a time, so a block of every buffer stays in cache between steps instead of
    /// each step streaming whole buffers through memory. Internal and settable only so a benchmark can compare with one
    /// block (the unblocked passes); the results are the same bits either way.
    /// </summary>
    internal static int BlockLength = 4096;

    /// <summary>
    /// The length of the next block when <paramref name="remaining"/> elements are left: a whole block, or all of them
    /// when fewer than two blocks are left, so the last block is never shorter than a block (or the whole buffer), and
    /// every element goes through the same vectorized path as in one pass over the whole buffer.
    /// </summary>
    public static int NextBlock(int remaining) => remaining < 2L * BlockLength ? remaining : BlockLength;

    /// <summary>The longest block <see cref="NextBlock"/> gives for a buffer of <paramref name="length"/> elements.</summary>
    public static int LongestBlock(int length) => (int)Math.Min(length, (2L * BlockLength) - 1);

    /// <summary>a ← β·a + (1 − β)·x, rounded as <c>a.mul_(β).add_(x, alpha=1 − β)</c>.</summary>
    public static void Average<T>(Span<T> average, ReadOnlySpan<T> x, double beta)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(average, T.CreateChecked(beta), average);
        TensorPrimitives.MultiplyAdd(x, T.CreateChecked(1 - beta), average, average);
    }

    /// <summary>a ← β·a + (1 − β)·x², rounded as <c>a.mul_(β).addcmul_(x, x, value=1 − β)</c>; uses <paramref name="work"/>.</summary>
    public static void AverageOfSquares<T>(Span<T> average, ReadOnlySpan<T> x, double beta, Span<T> work)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(average, T.CreateChecked(beta), average);
        TensorPrimitives.Multiply(x, T.CreateChecked(1 - beta), work);
        TensorPrimitives.MultiplyAdd(work, x, average, average);
    }

    /// <summary>θ ← θ + (c·x)/y, rounded as <c>θ.addcdiv_(x, y, value=c)</c>; <paramref name="work"/> may alias <paramref name="x"/>.</summary>
    public static void AddScaledQuotient<T>(Span<T> value, double c, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> work)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(x, T.CreateChecked(c), work);
        TensorPrimitives.Divide(work, y, work);
        TensorPrimitives.Add(value, work, value);
    }

    /// <summary>
    /// The steps NAdam and RAdam begin with, on one block: d ← the direction (negated when maximizing, with λθ added when
    /// the weight decay is coupled), θ decayed when it is decoupled, then m ← β₁·m + (1 − β₁)·d and
    /// v ← β₂·v + (1 − β₂)·d² (<paramref name="work"/> is scratch).
    /// </summary>
    public static void DirectionAndMoments<T>(AdamFamilyOptions options, bool decoupledWeightDecay, ReadOnlySpan<T> grad, Span<T> value, Span<T> d, Span<T> m, Span<T> v, Span<T> work)
        where T : IFloatingPointIeee754<T>
    {
        SGD.Direction(grad, value, d, options.Maximize, decoupledWeightDecay ? 0 : options.WeightDecay);
        if (decoupledWeightDecay)
        {
            DecayWeights(value, options.LearningRate, options.WeightDecay);
        }

        Average<T>(m, d, options.Beta1);
        AverageOfSquares<T>(v, d, options.Beta2, work);
    }

    /// <summary>Decoupled weight decay θ ← θ·(1 − lr·λ) (AdamW), skipped when λ = 0.</summary>
    public static void DecayWeights<T>(Span<T> value, double learningRate, double weightDecay)
        where T : IFloatingPointIeee754<T>
    {
        if (weightDecay != 0)
        {
            TensorPrimitives.Multiply(value, T.CreateChecked(1 - (learningRate * weightDecay)), value);
        }
    }
}
