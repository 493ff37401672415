using System.Globalization;
using System.Numerics;

namespace AutoGrad;

// Derivatives: every op below is a composite of differentiable ops, so it needs no rule of its own and inherits
// gradients of every order. The one new primitive pair is Unfold/Fold (Nn/Unfold.cs).
//
//   Conv2d/Conv1d(x, w, b)   = reshape(w) · Unfold(x) (+ b)            groups: a batch axis of the MatMul
//   MaxPool2d(x)             = Σ_window Unfold(x) ⊙ m                  m: constant 0/1 mask of the selected element
//   AvgPool2d(x)             = Σ_window Unfold(x) / count              count: kH·kW, or the in-image elements
//   Dropout(x)               = x ⊙ m                                   m: constant, 0 or 1/(1 − p)
//   LayerNorm(x, γ, β)       = (x − μ) / √(σ² + ε) · γ + β             μ, σ² over the normalized (trailing) axes
//   BatchNorm(x, γ, β)       = (x − μ) / √(σ² + ε) · γ + β             μ, σ² per channel: batch or running statistics
//
// Max pooling's derivative goes wholly to the one element m selects (PyTorch's max_pool2d: the first maximum of
// the window; see WindowGeometry.MaxMask), not shared among ties as Max(axis) shares it.

/// <summary>
/// Neural-network building ops with PyTorch's semantics and defaults (<c>torch.nn.functional</c>): convolutions, pools,
/// dropout and normalization layers. All are functions of <see cref="Variable{T}"/>s; parameters (weights, biases) are
/// ordinary variables, so gradients flow to them, and every op is differentiable twice and more.
/// </summary>
public static class NN
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as in PyTorch's <c>conv2d</c>) of an image batch with a filter bank.
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The images, [N, C, H, W], or one unbatched image [C, H, W].</param>
    /// <param name="weight">The filters, [O, C / groups, kH, kW].</param>
    /// <param name="bias">One bias per output channel, [O]; none when <c>null</c>.</param>
    /// <param name="stride">The step between windows: one int for both axes or <c>(height, width)</c>; 1 when <c>null</c>.</param>
    /// <param name="padding">Zeros added on both sides of each spatial axis (default 0).</param>
    /// <param name="dilation">The spacing between kernel elements; 1 when <c>null</c>.</param>
    /// <param name="groups">
    /// Split the input channels into this many groups, each convolved with its own O / groups filters (1: an ordinary
    /// convolution; C: a depthwise convolution). C and O must both be divisible by it.
    /// </param>
    /// <returns>[N, O, oH, oW] (or [O, oH, oW] for an unbatched input), oH = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="weight"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The ranks or channel counts do not match, the bias is not [O], or the (dilated) kernel is larger than the padded input.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A stride, dilation or groups is below 1, or a padding is negative.</exception>
    /// <remarks>
    /// <para>
    /// <c>y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x[n, g·C/G + c, i·s_h − pad_h + p·d_h, j·s_w − pad_w + q·d_w]</c>,
    /// with g = o / (O / G) the group of output channel o and x zero outside the image.
    /// </para>
    /// <para>
    /// Computed by im2col: the windows are unfolded into columns [N, C·kH·kW, oH·oW] and multiplied by the weight reshaped to
    /// [O, C·kH·kW] (per group, as a batch axis of <see cref="Variable{T}.MatMul"/>). An empty batch (N = 0) gives an empty result.
    /// </para>
    /// </remarks>
    public static Variable<T> Conv2d<T>(
        Variable<T> input,
        Variable<T> weight,
        Variable<T>? bias = null,
        Size2? stride = null,
        Size2 padding = default,
        Size2? dilation = null,
        int groups = 1)
        where T : IFloatingPointIeee754<T> =>
        Convolve("Conv2d", 2, input, weight, bias, stride ?? 1, padding, dilation ?? 1, groups);

    /// <summary>1-D convolution (cross-correlation, as in PyTorch's <c>conv1d</c>) of a batch of signals with a filter bank.</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The signals, [N, C, L], or one unbatched signal [C, L].</param>
    /// <param name="weight">The filters, [O, C / groups, k].</param>
    /// <param name="bias">One bias per output channel, [O]; none when <c>null</c>.</param>
    /// <param name="stride">The step between windows (default 1).</param>
    /// <param name="padding">Zeros added at both ends (default 0).</param>
    /// <param name="dilation">The spacing between kernel elements (default 1).</param>
    /// <param name="groups">The number of channel groups (see <see cref="Conv2d"/>).</param>
    /// <returns>[N, O, oL] (or [O, oL] unbatched), oL = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="weight"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The ranks or channel counts do not match, the bias is not [O], or the (dilated) kernel is longer than the padded input.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A stride, dilation or groups is below 1, or the padding is negative.</exception>
    /// <remarks>
    /// <c>y[n, o, i] = b[o] + Σ_{c, p} w[o, c, p] · x[n, g·C/G + c, i·stride − padding + p·dilation]</c>, computed as
    /// <see cref="Conv2d"/> on an image of height 1.
    /// </remarks>
    public static Variable<T> Conv1d<T>(
        Variable<T> input,
        Variable<T> weight,
        Variable<T>? bias = null,
        int stride = 1,
        int padding = 0,
        int dilation = 1,
        int groups = 1)
        where T : IFloatingPointIeee754<T> =>
        Convolve("Conv1d", 1, input, weight, bias, (1, stride), (0, padding), (1, dilation), groups);

    /// <summary>2-D max pooling: the largest element of each window (PyTorch's <c>max_pool2d</c>).</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The images, [N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">The window size: one int or <c>(height, width)</c>.</param>
    /// <param name="stride">The step between windows; <paramref name="kernelSize"/> when <c>null</c> (PyTorch's default).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0); at most half the kernel size.</param>
    /// <param name="dilation">The spacing between window elements; 1 when <c>null</c>.</param>
    /// <returns>[N, C, oH, oW] (or [C, oH, oW]), with oH as for <see cref="Conv2d"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">The input is not of rank 3 or 4, or the (dilated) window is larger than the padded input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A kernel size, stride or dilation is below 1, or a padding is negative or more than half the kernel size.
    /// </exception>
    /// <remarks>
    /// <para>
    /// The gradient of each output goes wholly to the one element of its window that was selected, exactly as in
    /// PyTorch 1.13: the first maximum in row-major window order (ties do not share the gradient, unlike
    /// <see cref="Variable{T}.Max(int, bool)"/>), a NaN if the window holds one (NaN propagates), and for a window of −∞
    /// its first element inside the image. Where windows overlap, an element selected by several receives the sum.
    /// The padding is never selected. A window lying wholly in the padding (possible only with dilation) gives −∞ and no gradient.
    /// </para>
    /// <para>Max pooling is piecewise linear, so its second derivative is zero.</para>
    /// </remarks>
    public static Variable<T> MaxPool2d<T>(Variable<T> input, Size2 kernelSize, Size2? stride = null, Size2 padding = default, Size2? dilation = null)
        where T : IFloatingPointIeee754<T>
    {
        const string Op = "MaxPool2d";
        var (x, geometry, unbatched) = PoolGeometry(Op, input, kernelSize, stride ?? kernelSize, padding, dilation ?? 1);
        var batch = x.Shape[0];
        var columns = Variable<T>.Unfold(x, geometry);
        var mask = new T[columns.Length];
        geometry.MaxMask<T>(x.Values, mask, batch);
        var selected = Variable<T>.ChainMultiply(columns, new Variable<T>(mask, columns.Shape, requiresGrad: false));
        var y = selected.Reshape(batch, geometry.Channels, geometry.WindowSize, geometry.Positions).Sum(2);
        var counts = geometry.InImageCounts<T>();
        if (Array.IndexOf(counts, T.Zero) >= 0)
        {
            var empty = counts.Select(c => T.IsZero(c) ? T.NegativeInfinity : T.Zero).ToArray();
            y += new Variable<T>(empty, [geometry.Positions], requiresGrad: false);
        }

        return PoolResult(y, geometry, unbatched);
    }

    /// <summary>2-D average pooling: the mean of each window (PyTorch's <c>avg_pool2d</c>).</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The images, [N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">The window size: one int or <c>(height, width)</c>.</param>
    /// <param name="stride">The step between windows; <paramref name="kernelSize"/> when <c>null</c> (PyTorch's default).</param>
    /// <param name="padding">Zero padding on both sides (default 0); at most half the kernel size.</param>
    /// <param name="countIncludePad">
    /// Divide by the full window size kH·kW, counting the padding (PyTorch's default, <c>true</c>), or only by the number of
    /// window elements inside the image (<c>false</c>).
    /// </param>
    /// <returns>[N, C, oH, oW] (or [C, oH, oW]), oH = ⌊(H + 2·padding − kH) / stride⌋ + 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">The input is not of rank 3 or 4, or the window is larger than the padded input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A kernel size or stride is below 1, or a padding is negative or more than half the kernel size.
    /// </exception>
    /// <remarks>PyTorch's <c>ceil_mode</c> and <c>divisor_override</c> are not offered; windows never extend past the padded input.</remarks>
    public static Variable<T> AvgPool2d<T>(Variable<T> input, Size2 kernelSize, Size2? stride = null, Size2 padding = default, bool countIncludePad = true)
        where T : IFloatingPointIeee754<T>
    {
        const string Op = "AvgPool2d";
        var (x, geometry, unbatched) = PoolGeometry(Op, input, kernelSize, stride ?? kernelSize, padding, 1);
        var sums = Variable<T>.Unfold(x, geometry)
            .Reshape(x.Shape[0], geometry.Channels, geometry.WindowSize, geometry.Positions)
            .Sum(2);
        var y = countIncludePad
            ? sums / T.CreateChecked(geometry.WindowSize)
            : sums / new Variable<T>(geometry.InImageCounts<T>(), [geometry.Positions], requiresGrad: false);
        return PoolResult(y, geometry, unbatched);
    }

    /// <summary>
    /// Dropout (PyTorch's <c>dropout</c>): in training, zeroes each element independently with probability
    /// <paramref name="p"/> and scales the survivors by 1/(1 − p), so the expectation is unchanged; otherwise the identity.
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The activations, any shape.</param>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <param name="training">Apply dropout (<c>true</c>) or return <paramref name="input"/> unchanged (<c>false</c>).</param>
    /// <param name="random">The generator that draws the mask: one <see cref="Random.NextDouble"/> per element, in row-major order.</param>
    /// <returns><paramref name="input"/> itself when not training or p = 0; otherwise a new variable of its shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="random"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1] or NaN.</exception>
    /// <remarks>
    /// <c>y = x ⊙ m</c> with <c>m = 0</c> where the draw u &lt; p and <c>m = 1/(1 − p)</c> elsewhere; the mask is a constant, so
    /// <c>∂y/∂x = m</c>. With p = 1 every element is zeroed (x·0, so ±∞ and NaN give NaN, as in PyTorch). The same generator
    /// state gives the same mask, so a fixed seed makes dropout a deterministic function.
    /// </remarks>
    public static Variable<T> Dropout<T>(Variable<T> input, double p, bool training, Random random)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(random);
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), string.Create(CultureInfo.InvariantCulture, $"Dropout: the drop probability p must be in [0, 1]; got {p} (input shape {input.Shape})."));
        }

        if (!training || p == 0)
        {
            return input;
        }

        var scale = p == 1 ? T.Zero : T.One / (T.One - T.CreateChecked(p));
        var mask = new T[input.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < p ? T.Zero : scale;
        }

        return input * new Variable<T>(mask, input.Shape, requiresGrad: false);
    }

    /// <summary>Dropout with a generator seeded by <paramref name="seed"/>: the same seed gives the same mask.</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The activations, any shape.</param>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <param name="training">Apply dropout (<c>true</c>) or return <paramref name="input"/> unchanged (<c>false</c>).</param>
    /// <param name="seed">The seed of a new <see cref="Random"/>.</param>
    /// <returns>See <see cref="Dropout{T}(Variable{T}, double, bool, Random)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1] or NaN.</exception>
    public static Variable<T> Dropout<T>(Variable<T> input, double p, bool training, int seed)
        where T : IFloatingPointIeee754<T> => Dropout(input, p, training, new Random(seed));

    /// <summary>
    /// Layer normalization (PyTorch's <c>layer_norm</c>): normalizes over the trailing axes given by
    /// <paramref name="normalizedShape"/>, then applies an optional elementwise affine map.
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The activations [..., *normalizedShape].</param>
    /// <param name="normalizedShape">The trailing dimensions of <paramref name="input"/> to normalize over (at least one axis).</param>
    /// <param name="weight">The scale γ, of shape <paramref name="normalizedShape"/>; 1 when <c>null</c>.</param>
    /// <param name="bias">The shift β, of shape <paramref name="normalizedShape"/>; 0 when <c>null</c>.</param>
    /// <param name="eps">Added to the variance for stability (default 1e-5), non-negative.</param>
    /// <returns>A variable of the input's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="normalizedShape"/> is empty or not the input's trailing dimensions, or the weight or bias has another shape.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is negative or not finite.</exception>
    /// <remarks>
    /// <c>y = (x − μ) / √(σ² + ε) · γ + β</c>, with μ and σ² the mean and the biased variance (divided by n, as PyTorch) of the
    /// n = ∏ normalizedShape elements of each normalized slice; the variance is computed from the centred values (two-pass).
    /// </remarks>
    public static Variable<T> LayerNorm<T>(Variable<T> input, Shape normalizedShape, Variable<T>? weight = null, Variable<T>? bias = null, double eps = 1e-5)
        where T : IFloatingPointIeee754<T>
    {
        const string Op = "LayerNorm";
        ArgumentNullException.ThrowIfNull(input);
        CheckEps(Op, eps);
        var rank = normalizedShape.Rank;
        if (rank == 0 || rank > input.Rank || !input.Shape.Dimensions[^rank..].SequenceEqual(normalizedShape.Dimensions))
        {
            throw new ArgumentException(
                $"{Op}: normalizedShape {normalizedShape} must be the trailing dimensions of the input (at least one axis); the input has shape {input.Shape}.",
                nameof(normalizedShape));
        }

        CheckAffine(Op, "weight", weight, normalizedShape, input.Shape);
        CheckAffine(Op, "bias", bias, normalizedShape, input.Shape);

        var n = normalizedShape.ElementCount;
        var outer = 1;
        foreach (var d in input.Shape.Dimensions[..^rank])
        {
            outer *= d;
        }

        var x = input.Reshape(outer, n);
        var centred = x - x.Mean(1, keepDims: true);
        var variance = centred.Square().Mean(1, keepDims: true);
        var y = (centred / (variance + T.CreateChecked(eps)).Sqrt()).Reshape(input.Shape);
        if (weight is not null)
        {
            y *= weight;
        }

        if (bias is not null)
        {
            y += bias;
        }

        return y;
    }

    /// <summary>
    /// Batch normalization (PyTorch's <c>batch_norm</c>): normalizes each channel (axis 1) by batch statistics in training
    /// or by running statistics in evaluation, then applies an optional per-channel affine map.
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The activations [N, C, ...] (rank ≥ 2).</param>
    /// <param name="runningMean">
    /// The running mean, [C]: a buffer the caller owns (it must not require gradients). Read in evaluation; updated in place in
    /// training. May be <c>null</c> in training (no running statistics are kept).
    /// </param>
    /// <param name="runningVar">The running (unbiased) variance, [C]; the same rules as <paramref name="runningMean"/>.</param>
    /// <param name="weight">The per-channel scale γ, [C]; 1 when <c>null</c>.</param>
    /// <param name="bias">The per-channel shift β, [C]; 0 when <c>null</c>.</param>
    /// <param name="training">Use the batch's statistics and update the running ones (<c>true</c>), or use the running ones (<c>false</c>, PyTorch's default).</param>
    /// <param name="momentum">The weight of the new batch in the running update (default 0.1), in [0, 1].</param>
    /// <param name="eps">Added to the variance for stability (default 1e-5), non-negative.</param>
    /// <returns>A variable of the input's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The input has rank below 2; a statistic or affine parameter is not [C]; only one running statistic is given; a running
    /// statistic requires gradients; evaluation without running statistics; or training with one value per channel.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1] or <paramref name="eps"/> is negative.</exception>
    /// <remarks>
    /// <para>
    /// <c>y = (x − μ) / √(σ² + ε) · γ + β</c> per channel. In training μ and σ² are the mean and the biased variance (divided by
    /// m = N·∏spatial) of the channel over the batch and spatial axes, and the gradient flows through them. In evaluation they
    /// are the running statistics, constants.
    /// </para>
    /// <para>
    /// The running update, in training, is PyTorch's: <c>runningMean ← (1 − momentum)·runningMean + momentum·μ</c> and
    /// <c>runningVar ← (1 − momentum)·runningVar + momentum·σ²·m/(m − 1)</c> (the unbiased variance). It writes into the buffers'
    /// own storage outside the graph: the caller owns them, and no gradient reaches them. An empty batch (m = 0) leaves them unchanged.
    /// </para>
    /// </remarks>
    public static Variable<T> BatchNorm<T>(
        Variable<T> input,
        Variable<T>? runningMean,
        Variable<T>? runningVar,
        Variable<T>? weight = null,
        Variable<T>? bias = null,
        bool training = false,
        double momentum = 0.1,
        double eps = 1e-5)
        where T : IFloatingPointIeee754<T>
    {
        const string Op = "BatchNorm";
        ArgumentNullException.ThrowIfNull(input);
        CheckEps(Op, eps);
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), string.Create(CultureInfo.InvariantCulture, $"{Op}: momentum must be in [0, 1]; got {momentum}."));
        }

        if (input.Rank < 2)
        {
            throw new ArgumentException($"{Op}: expected an input of shape [N, C, ...] (rank at least 2, channels on axis 1); got shape {input.Shape}.", nameof(input));
        }

        var c = input.Shape[1];
        Shape channels = [c];
        CheckAffine(Op, "runningMean", runningMean, channels, input.Shape);
        CheckAffine(Op, "runningVar", runningVar, channels, input.Shape);
        CheckAffine(Op, "weight", weight, channels, input.Shape);
        CheckAffine(Op, "bias", bias, channels, input.Shape);
        if ((runningMean is null) != (runningVar is null))
        {
            throw new ArgumentException($"{Op}: pass both runningMean and runningVar, or neither; got only {(runningMean is null ? "runningVar" : "runningMean")} (input shape {input.Shape}).");
        }

        if (runningMean?.RequiresGrad == true || runningVar?.RequiresGrad == true)
        {
            throw new ArgumentException($"{Op}: the running statistics are buffers updated in place, not parameters, and must not require gradients; create them with requiresGrad: false (input shape {input.Shape}).");
        }

        if (!training && runningMean is null)
        {
            throw new ArgumentException($"{Op}: evaluation (training: false) normalizes with the running statistics, so runningMean and runningVar are required; pass them, or set training: true to use the batch statistics (input shape {input.Shape}).");
        }

        var n = input.Shape[0];
        var spatial = 1;
        foreach (var d in input.Shape.Dimensions[2..])
        {
            spatial *= d;
        }

        var count = n * spatial;
        if (training && count == 1)
        {
            throw new ArgumentException($"{Op}: training needs more than one value per channel to compute a batch variance; got input of shape {input.Shape}.", nameof(input));
        }

        var x = input.Reshape(n, c, spatial);
        Variable<T> centred, variance;
        if (training)
        {
            var mean = x.Mean(2, keepDims: true).Mean(0, keepDims: true);
            centred = x - mean;
            variance = centred.Square().Mean(2, keepDims: true).Mean(0, keepDims: true);
            if (runningMean is not null && count > 0)
            {
                UpdateRunningStatistics(runningMean, runningVar!, mean.Values, variance.Values, count, momentum);
            }
        }
        else
        {
            centred = x - Copy(runningMean!).Reshape(1, c, 1);
            variance = Copy(runningVar!).Reshape(1, c, 1);
        }

        var y = centred / (variance + T.CreateChecked(eps)).Sqrt();
        if (weight is not null)
        {
            y *= weight.Reshape(1, c, 1);
        }

        if (bias is not null)
        {
            y += bias.Reshape(1, c, 1);
        }

        return y.Reshape(input.Shape);
    }

    private static Variable<T> Copy<T>(Variable<T> buffer)
        where T : IFloatingPointIeee754<T> =>
        new(buffer.ToArray(), buffer.Shape, requiresGrad: false);

    /// <summary>
    /// PyTorch's running update, written straight into the buffers' storage: it is not an op on the graph (the buffers
    /// are constants the caller owns), so nothing is recorded whatever the grad mode.
    /// </summary>
    private static void UpdateRunningStatistics<T>(Variable<T> runningMean, Variable<T> runningVar, ReadOnlySpan<T> batchMean, ReadOnlySpan<T> biasedVariance, int count, double momentum)
        where T : IFloatingPointIeee754<T>
    {
        var m = T.CreateChecked(momentum);
        var keep = T.One - m;
        var correction = T.CreateChecked(count) / T.CreateChecked(count - 1);
        var mean = runningMean.Data;
        var variance = runningVar.Data;
        for (var ch = 0; ch < mean.Length; ch++)
        {
            mean[ch] = (m * batchMean[ch]) + (keep * mean[ch]);
            variance[ch] = (m * biasedVariance[ch] * correction) + (keep * variance[ch]);
        }
    }

    private static Variable<T> Convolve<T>(string op, int spatialRank, Variable<T> input, Variable<T> weight, Variable<T>? bias, Size2 stride, Size2 padding, Size2 dilation, int groups)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var rank = spatialRank + 2;
        var spatialNames = spatialRank == 2 ? "H, W" : "L";
        if (input.Rank != rank && input.Rank != rank - 1)
        {
            throw new ArgumentException($"{op}: expected a batched input [N, C, {spatialNames}] or an unbatched input [C, {spatialNames}]; got shape {input.Shape}.", nameof(input));
        }

        if (weight.Rank != rank)
        {
            throw new ArgumentException($"{op}: expected a weight [outChannels, inChannels / groups, {(spatialRank == 2 ? "kH, kW" : "k")}]; got shape {weight.Shape} (input shape {input.Shape}).", nameof(weight));
        }

        CheckWindowArguments(op, spatialRank, stride, padding, dilation);
        if (groups < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"{op}: groups must be at least 1; got {groups} (input shape {input.Shape}, weight shape {weight.Shape}).");
        }

        var unbatched = input.Rank == rank - 1;
        var x = unbatched ? input.Reshape([1, .. input.Shape]) : input;
        int n = x.Shape[0], c = x.Shape[1], o = weight.Shape[0], cg = weight.Shape[1];
        if (o % groups != 0)
        {
            throw new ArgumentException($"{op}: the weight's {o} output channels (weight shape {weight.Shape}) must be divisible by groups = {groups}.", nameof(weight));
        }

        if (cg * groups != c)
        {
            throw new ArgumentException($"{op}: with groups = {groups}, a weight of shape {weight.Shape} expects an input with {cg * groups} channels (axis {(unbatched ? 0 : 1)}), but the input of shape {input.Shape} has {c}.", nameof(input));
        }

        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != o))
        {
            throw new ArgumentException($"{op}: the bias must have shape [{o}], one value per output channel of the weight {weight.Shape}; got shape {bias.Shape}.", nameof(bias));
        }

        int h = spatialRank == 2 ? x.Shape[2] : 1, w = x.Shape[-1];
        int kh = spatialRank == 2 ? weight.Shape[2] : 1, kw = weight.Shape[-1];
        if (kh < 1 || kw < 1)
        {
            throw new ArgumentException($"{op}: the kernel must have at least one element per spatial axis; got weight shape {weight.Shape}.", nameof(weight));
        }

        var geometry = new WindowGeometry(c, h, w, kh, kw, stride.Height, stride.Width, padding.Height, padding.Width, dilation.Height, dilation.Width);
        CheckFits(op, spatialRank, geometry, input.Shape, "kernel");

        var columns = Variable<T>.Unfold(x.Reshape(n, c, h, w), geometry);
        var rows = cg * kh * kw;
        var y = groups == 1
            ? weight.Reshape(o, rows).MatMul(columns)
            : weight.Reshape(groups, o / groups, rows).MatMul(columns.Reshape(n, groups, rows, geometry.Positions)).Reshape(n, o, geometry.Positions);
        if (bias is not null)
        {
            y += bias.Reshape(o, 1);
        }

        Shape spatialOut = spatialRank == 2 ? [geometry.OutputHeight, geometry.OutputWidth] : [geometry.OutputWidth];
        return unbatched ? y.Reshape([o, .. spatialOut]) : y.Reshape([n, o, .. spatialOut]);
    }

    private static (Variable<T> Images, WindowGeometry Geometry, bool Unbatched) PoolGeometry<T>(string op, Variable<T> input, Size2 kernelSize, Size2 stride, Size2 padding, Size2 dilation)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not 3 and not 4)
        {
            throw new ArgumentException($"{op}: expected a batched input [N, C, H, W] or an unbatched input [C, H, W]; got shape {input.Shape}.", nameof(input));
        }

        if (kernelSize.Height < 1 || kernelSize.Width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"{op}: the kernel size must be at least 1 on each axis; got {kernelSize} (input shape {input.Shape}).");
        }

        CheckWindowArguments(op, 2, stride, padding, dilation);
        if (padding.Height > kernelSize.Height / 2 || padding.Width > kernelSize.Width / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: the padding must be at most half the kernel size; got padding {padding} for kernel size {kernelSize} (input shape {input.Shape}).");
        }

        var unbatched = input.Rank == 3;
        var x = unbatched ? input.Reshape([1, .. input.Shape]) : input;
        var geometry = new WindowGeometry(x.Shape[1], x.Shape[2], x.Shape[3], kernelSize.Height, kernelSize.Width, stride.Height, stride.Width, padding.Height, padding.Width, dilation.Height, dilation.Width);
        CheckFits(op, 2, geometry, input.Shape, "window");
        return (x, geometry, unbatched);
    }

    private static Variable<T> PoolResult<T>(Variable<T> y, WindowGeometry geometry, bool unbatched)
        where T : IFloatingPointIeee754<T> =>
        unbatched
            ? y.Reshape(geometry.Channels, geometry.OutputHeight, geometry.OutputWidth)
            : y.Reshape(y.Shape[0], geometry.Channels, geometry.OutputHeight, geometry.OutputWidth);

    private static void CheckWindowArguments(string op, int spatialRank, Size2 stride, Size2 padding, Size2 dilation)
    {
        if (stride.Height < 1 || stride.Width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: the stride must be at least 1; got {Describe(stride, spatialRank)}.");
        }

        if (padding.Height < 0 || padding.Width < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: the padding must be non-negative; got {Describe(padding, spatialRank)}.");
        }

        if (dilation.Height < 1 || dilation.Width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dilation), $"{op}: the dilation must be at least 1; got {Describe(dilation, spatialRank)}.");
        }
    }

    private static void CheckFits(string op, int spatialRank, WindowGeometry g, Shape inputShape, string what)
    {
        if (!g.Fits)
        {
            Size2 kernel = (g.KernelHeight, g.KernelWidth);
            Size2 span = ((g.DilationHeight * (g.KernelHeight - 1)) + 1, (g.DilationWidth * (g.KernelWidth - 1)) + 1);
            Size2 padded = (g.Height + (2 * g.PaddingHeight), g.Width + (2 * g.PaddingWidth));
            throw new ArgumentException(
                $"{op}: the {what} {Describe(kernel, spatialRank)} with dilation {Describe((g.DilationHeight, g.DilationWidth), spatialRank)} spans {Describe(span, spatialRank)}, " +
                $"larger than the padded input {Describe(padded, spatialRank)} (input shape {inputShape}, padding {Describe((g.PaddingHeight, g.PaddingWidth), spatialRank)}); " +
                $"use a smaller {what} or dilation, or more padding.");
        }
    }

    private static string Describe(Size2 size, int spatialRank) =>
        spatialRank == 1 ? size.Width.ToString(CultureInfo.InvariantCulture) : size.ToString();

    private static void CheckEps(string op, double eps)
    {
        if (!(eps >= 0) || !double.IsFinite(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), string.Create(CultureInfo.InvariantCulture, $"{op}: eps must be finite and non-negative; got {eps}."));
        }
    }

    private static void CheckAffine<T>(string op, string name, Variable<T>? parameter, Shape expected, Shape inputShape)
        where T : IFloatingPointIeee754<T>
    {
        if (parameter is not null && parameter.Shape != expected)
        {
            throw new ArgumentException($"{op}: {name} must have shape {expected} for an input of shape {inputShape}; got shape {parameter.Shape}.", name);
        }
    }
}
