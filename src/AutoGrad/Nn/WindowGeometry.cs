using System.Numerics;

namespace AutoGrad;

/// <summary>
/// Where the sliding windows of a convolution or pool fall on a [B, C, H, W] image: kernel, stride, zero padding and
/// dilation per spatial axis (a 1-D signal is an image of height 1). No autodiff knowledge lives here; the loops below
/// are the raw kernels behind the Unfold and Fold primitives and the max-pool selection mask.
/// </summary>
/// <remarks>
/// Window position (oh, ow), kernel offset (i, j) reads image row <c>oh·StrideHeight − PaddingHeight + i·DilationHeight</c>
/// and column <c>ow·StrideWidth − PaddingWidth + j·DilationWidth</c>; positions outside the image are padding.
/// Columns are laid out as torch.nn.functional.unfold lays them out: [B, C·kH·kW, oH·oW], row <c>(c·kH + i)·kW + j</c>.
/// </remarks>
internal sealed record WindowGeometry(
    int Channels,
    int Height,
    int Width,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    int PaddingHeight,
    int PaddingWidth,
    int DilationHeight,
    int DilationWidth)
{
    /// <summary>The number of window positions along the height: ⌊(H + 2p − d·(k − 1) − 1) / s⌋ + 1.</summary>
    public int OutputHeight => OutputSize(Height, KernelHeight, StrideHeight, PaddingHeight, DilationHeight);

    /// <summary>The number of window positions along the width.</summary>
    public int OutputWidth => OutputSize(Width, KernelWidth, StrideWidth, PaddingWidth, DilationWidth);

    /// <summary>The number of elements in one window (per channel).</summary>
    public int WindowSize => KernelHeight * KernelWidth;

    /// <summary>The number of window positions, oH·oW.</summary>
    public int Positions => OutputHeight * OutputWidth;

    /// <summary>The number of column rows, C·kH·kW.</summary>
    public int Rows => Channels * WindowSize;

    /// <summary>Whether every window fits inside the padded image (each axis: H + 2p ≥ d·(k − 1) + 1).</summary>
    public bool Fits =>
        Height + (2 * PaddingHeight) >= (DilationHeight * (KernelHeight - 1)) + 1 &&
        Width + (2 * PaddingWidth) >= (DilationWidth * (KernelWidth - 1)) + 1;

    private static int OutputSize(int size, int kernel, int stride, int padding, int dilation) =>
        ((size + (2 * padding) - (dilation * (kernel - 1)) - 1) / stride) + 1;

    /// <summary>
    /// im2col: columns[b, (c·kH + i)·kW + j, oh·oW + ow] = image[b, c, row, column] of that window element, 0 in the
    /// padding. <paramref name="columns"/> must be zeroed by the caller (fresh arrays are).
    /// </summary>
    public void Unfold<T>(T[] image, Span<T> columns, int batch)
        where T : INumberBase<T> => Walk(image, columns, batch, fold: false);

    /// <summary>
    /// col2im, the adjoint of <see cref="Unfold{T}"/>: adds every column entry into the image element it was read from
    /// (entries read from the padding are dropped). <paramref name="image"/> must be zeroed by the caller. The order of
    /// the additions is fixed, so results are deterministic.
    /// </summary>
    public void Fold<T>(T[] columns, Span<T> image, int batch)
        where T : INumberBase<T> => Walk(image, columns, batch, fold: true);

    /// <summary>
    /// The one traversal behind both directions: for every (image element, column entry) pair of a window, copy the
    /// image value into the column (unfold) or add the column value into the image (fold, the adjoint). The side that
    /// is only read is never written.
    /// </summary>
    private void Walk<T>(Span<T> image, Span<T> columns, int batch, bool fold)
        where T : INumberBase<T>
    {
        int oh = OutputHeight, ow = OutputWidth, positions = oh * ow, plane = Height * Width;
        for (var bc = 0; bc < batch * Channels; bc++)
        {
            var picture = image.Slice(bc * plane, plane);
            for (var i = 0; i < KernelHeight; i++)
            {
                for (var j = 0; j < KernelWidth; j++)
                {
                    var column = columns.Slice(((bc * WindowSize) + (i * KernelWidth) + j) * positions, positions);
                    for (var y = 0; y < oh; y++)
                    {
                        var row = (y * StrideHeight) - PaddingHeight + (i * DilationHeight);
                        if ((uint)row >= (uint)Height)
                        {
                            continue;
                        }

                        for (var x = 0; x < ow; x++)
                        {
                            var col = (x * StrideWidth) - PaddingWidth + (j * DilationWidth);
                            if ((uint)col < (uint)Width)
                            {
                                if (fold)
                                {
                                    picture[(row * Width) + col] += column[(y * ow) + x];
                                }
                                else
                                {
                                    column[(y * ow) + x] = picture[(row * Width) + col];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A 0/1 mask with the layout of the columns that marks, in every window, the one element max pooling selects.
    /// PyTorch's rule (aten/src/ATen/native/cpu/MaxPoolKernel.cpp): scan the window's in-image elements row by row,
    /// starting from the first of them with the running maximum at −∞, and move the selection when
    /// <c>value &gt; max || IsNaN(value)</c>. So the first maximum wins a tie, a NaN wins over numbers (the last NaN
    /// if several), and a window of −∞ selects its first in-image element. Padding is never selected; a window
    /// lying wholly in the padding (possible with dilation) selects nothing.
    /// </summary>
    public void MaxMask<T>(ReadOnlySpan<T> image, Span<T> mask, int batch)
        where T : IFloatingPointIeee754<T>
    {
        int oh = OutputHeight, ow = OutputWidth, positions = oh * ow, plane = Height * Width;
        for (var bc = 0; bc < batch * Channels; bc++)
        {
            var source = image.Slice(bc * plane, plane);
            var destination = mask.Slice(bc * WindowSize * positions, WindowSize * positions);
            for (var y = 0; y < oh; y++)
            {
                for (var x = 0; x < ow; x++)
                {
                    var best = -1;
                    var max = T.NegativeInfinity;
                    for (var i = 0; i < KernelHeight; i++)
                    {
                        var row = (y * StrideHeight) - PaddingHeight + (i * DilationHeight);
                        if ((uint)row >= (uint)Height)
                        {
                            continue;
                        }

                        for (var j = 0; j < KernelWidth; j++)
                        {
                            var column = (x * StrideWidth) - PaddingWidth + (j * DilationWidth);
                            if ((uint)column >= (uint)Width)
                            {
                                continue;
                            }

                            var value = source[(row * Width) + column];
                            var index = (i * KernelWidth) + j;
                            if (best < 0)
                            {
                                best = index;
                            }

                            if (value > max || T.IsNaN(value))
                            {
                                max = value;
                                best = index;
                            }
                        }
                    }

                    if (best >= 0)
                    {
                        destination[(best * positions) + (y * ow) + x] = T.One;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The number of in-image elements of each window, oH·oW of them (average pooling without counting the padding).
    /// </summary>
    public T[] InImageCounts<T>()
        where T : INumberBase<T>
    {
        int oh = OutputHeight, ow = OutputWidth;
        var counts = new T[oh * ow];
        for (var y = 0; y < oh; y++)
        {
            var rows = InRange(y * StrideHeight, PaddingHeight, KernelHeight, DilationHeight, Height);
            for (var x = 0; x < ow; x++)
            {
                counts[(y * ow) + x] = T.CreateChecked(rows * InRange(x * StrideWidth, PaddingWidth, KernelWidth, DilationWidth, Width));
            }
        }

        return counts;
    }

    private static int InRange(int start, int padding, int kernel, int dilation, int size)
    {
        var count = 0;
        for (var i = 0; i < kernel; i++)
        {
            count += (uint)(start - padding + (i * dilation)) < (uint)size ? 1 : 0;
        }

        return count;
    }
}
