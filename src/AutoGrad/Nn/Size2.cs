using System.Globalization;

namespace AutoGrad;

/// <summary>
/// A pair of sizes for the two spatial axes of an image, (height, width): a kernel size, stride, padding or dilation
/// of <see cref="NN.Conv2d"/> and the 2-D pools. Converts implicitly from one <see cref="int"/> (used for both axes)
/// and from a tuple <c>(height, width)</c>, as PyTorch's <c>int or (int, int)</c> arguments do.
/// </summary>
/// <param name="Height">The size along the height (second-to-last) axis.</param>
/// <param name="Width">The size along the width (last) axis.</param>
/// <example><c>NN.Conv2d(x, w, stride: 2, padding: (1, 0))</c></example>
public readonly record struct Size2(int Height, int Width)
{
    /// <summary>The same size on both axes.</summary>
    /// <param name="size">The size.</param>
    public static implicit operator Size2(int size) => new(size, size);

    /// <summary>A (height, width) pair.</summary>
    /// <param name="size">The sizes.</param>
    public static implicit operator Size2((int Height, int Width) size) => new(size.Height, size.Width);

    /// <summary>The same size on both axes.</summary>
    /// <param name="size">The size.</param>
    /// <returns>The pair.</returns>
    public static Size2 FromInt32(int size) => size;

    /// <summary>A (height, width) pair.</summary>
    /// <param name="size">The sizes.</param>
    /// <returns>The pair.</returns>
    public static Size2 FromValueTuple((int Height, int Width) size) => size;

    /// <summary>Formats the pair as <c>(height, width)</c>.</summary>
    /// <returns>For example <c>(3, 3)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Height}, {Width})");
}
