using System.Globalization;
using System.Numerics;

namespace AutoGrad;

// Derivatives of the per-element losses before reduction. Every loss is a composite of differentiable ops, so
// these are what the engine derives, to every order, rather than rules of their own (d = input − target,
// p = softmax(x) and q = log-probabilities along the class axis, s = the smoothed and weighted target row,
// σ = sigmoid, p⁺ = positiveWeight, m = margin):
//
//   MeanSquaredError(input, target)          input: grad ⊙ 2d                        target: −(input's)
//   MeanAbsoluteError(input, target)         input: grad ⊙ sign(d)     (0 at d = 0)  target: −(input's)
//   Huber(input, target, δ)                  input: grad ⊙ clamp(d, −δ, δ)           target: −(input's)
//   CrossEntropy(x, class targets)           x: grad ⊙ (p·Σ_c s_c − s)               weight: through s and the Mean's divisor
//   CrossEntropy(x, probabilities t)         x: grad ⊙ (p·Σ_c s_c − s)               t: grad ⊙ −(1 − ε)·w·q
//   NegativeLogLikelihood(q, class targets)  q: grad ⊙ −w_y at the target class, 0 elsewhere (also where q is ±∞ or NaN)
//   BinaryCrossEntropyWithLogits(x, y)       x: grad ⊙ ((1 − y)·σ(x) − p⁺·y·σ(−x))   y: grad ⊙ (p⁺·softplus(−x) − softplus(x))
//   Hinge(f, y)                              f: grad ⊙ −y·[m − y·f > 0]  (0 at the margin)
//   KLDivergence(input, target)              input: grad ⊙ −target                   target: grad ⊙ (log target + 1 − input)
//   KLDivergence(input, target, logTarget)   input: grad ⊙ −exp(target)              target: grad ⊙ exp(target)·(target − input + 1)
//
// Mean divides by the number of per-element losses, except CrossEntropy and NegativeLogLikelihood with class
// targets, which divide by the summed weight of the non-ignored targets (their count without weights), as PyTorch does.

/// <summary>
/// Loss functions with PyTorch's semantics and defaults (<c>torch.nn.functional</c>): each takes a prediction and a
/// target and returns the loss reduced by <see cref="Reduction"/> (the mean by default), ready for
/// <see cref="Variable{T}.Backward(bool, bool)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every loss is built from differentiable ops, so second derivatives (Hessians, Newton steps) work through all of
/// them; every variable argument, targets and weights included, receives a gradient when it requires one. The
/// classification losses use stable forms (log-softmax, softplus), so logits of magnitude 1e3 and beyond give finite
/// values and gradients.
/// </para>
/// <para>
/// Unlike PyTorch, the elementwise losses do not broadcast the input against the target: a [N, 1] prediction
/// against a [N] target would silently become an [N, N] loss, so mismatched shapes throw instead.
/// </para>
/// </remarks>
public static class Loss
{
    /// <summary>The mean squared error, mean((input − target)²) (PyTorch's <c>mse_loss</c>).</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets; the same shape as <paramref name="input"/>.</param>
    /// <param name="reduction">Mean (default) or Sum over all elements, or None for the per-element losses.</param>
    /// <returns>A scalar, or the per-element losses (the input's shape) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is not a defined value.</exception>
    /// <remarks>ℓᵢ = (inputᵢ − targetᵢ)²; ∂ℓᵢ/∂inputᵢ = 2(inputᵢ − targetᵢ). The mean of an empty input is NaN, as in PyTorch.</remarks>
    public static Variable<T> MeanSquaredError<T>(Variable<T> input, Variable<T> target, Reduction reduction = Reduction.Mean)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "MeanSquaredError";
        CheckSameShape(Name, input, target, "input", "target");
        CheckReduction(Name, reduction);
        return Reduce((input - target).Square(), reduction);
    }

    /// <summary>The mean absolute error, mean(|input − target|) (PyTorch's <c>l1_loss</c>).</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets; the same shape as <paramref name="input"/>.</param>
    /// <param name="reduction">Mean (default) or Sum over all elements, or None for the per-element losses.</param>
    /// <returns>A scalar, or the per-element losses (the input's shape) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is not a defined value.</exception>
    /// <remarks>ℓᵢ = |inputᵢ − targetᵢ|; the derivative is sign(inputᵢ − targetᵢ), 0 where they are equal (the kink convention of <c>Abs</c>, as in PyTorch).</remarks>
    public static Variable<T> MeanAbsoluteError<T>(Variable<T> input, Variable<T> target, Reduction reduction = Reduction.Mean)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "MeanAbsoluteError";
        CheckSameShape(Name, input, target, "input", "target");
        CheckReduction(Name, reduction);
        return Reduce((input - target).Abs(), reduction);
    }

    /// <summary>The Huber loss: quadratic for small errors, linear for large ones (PyTorch's <c>huber_loss</c>).</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets; the same shape as <paramref name="input"/>.</param>
    /// <param name="delta">The threshold δ between the quadratic and the linear part; finite and positive (default 1).</param>
    /// <param name="reduction">Mean (default) or Sum over all elements, or None for the per-element losses.</param>
    /// <returns>A scalar, or the per-element losses (the input's shape) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not finite and positive, or the reduction is not a defined value.</exception>
    /// <remarks>
    /// With d = input − target: ℓ = d²/2 for |d| &lt; δ, and δ·(|d| − δ/2) otherwise. The derivative clamp(d, −δ, δ) is
    /// continuous; with δ = 1 this is also PyTorch's <c>smooth_l1_loss</c>.
    /// </remarks>
    public static Variable<T> Huber<T>(Variable<T> input, Variable<T> target, double delta = 1.0, Reduction reduction = Reduction.Mean)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "Huber";
        CheckSameShape(Name, input, target, "input", "target");
        CheckReduction(Name, reduction);
        if (!double.IsFinite(delta) || delta <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), string.Create(CultureInfo.InvariantCulture, $"{Name}: delta must be finite and positive; got {delta} (input shape {input.Shape})."));
        }

        var d = input - target;
        var absolute = d.Abs();
        var threshold = T.CreateChecked(delta);
        var half = T.CreateChecked(0.5);
        var loss = Variable.Where(absolute < threshold, d.Square() * half, (absolute - (threshold * half)) * threshold);
        return Reduce(loss, reduction);
    }

    /// <summary>
    /// The cross entropy between logits and class indices: the negative log-probability of each target class under
    /// the softmax of the logits (PyTorch's <c>cross_entropy</c> with class targets).
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="logits">Unnormalized scores of shape [C] (one sample), [N, C], or [N, C, d₁, …, dₖ]; the class axis is 1 (0 for [C]).</param>
    /// <param name="target">
    /// The class of each sample, in 0..C−1 or equal to <paramref name="ignoreIndex"/>: shape [] for [C] logits (a scalar:
    /// <c>new Indices([y], Shape.Scalar)</c>), [N] for [N, C], [N, d₁, …, dₖ] for [N, C, d₁, …, dₖ].
    /// </param>
    /// <param name="reduction">
    /// Mean (default): the sum divided by the total weight of the non-ignored targets (their count without
    /// <paramref name="weight"/>); Sum; or None: one loss per sample, the target's shape (0 for ignored samples).
    /// </param>
    /// <param name="labelSmoothing">
    /// ε in [0, 1]: the target becomes (1 − ε)·one-hot + ε/C, a mix with the uniform distribution (default 0).
    /// </param>
    /// <param name="weight">Optional per-class weights of shape [C] (PyTorch's <c>weight</c>); unlike PyTorch, it receives a gradient if it requires one.</param>
    /// <param name="ignoreIndex">A target value that contributes neither to the loss nor to the Mean's divisor (default −100, as in PyTorch).</param>
    /// <returns>A scalar, or the per-sample losses with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The logits are a scalar, or the target's or the weight's shape does not fit the logits'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside 0..C−1 and not the ignore index, ε is outside [0, 1], or the reduction is not a defined value.</exception>
    /// <remarks>
    /// <para>With q = LogSoftmax(logits) along the class axis and w = 1 without weights, the loss of a sample with
    /// target y is −(1 − ε)·w_y·q_y − (ε/C)·Σ_c w_c·q_c; its gradient with respect to the logits is
    /// softmax·Σ_c s_c − s for the smoothed, weighted target row s. Log-softmax is computed stably, so logits of
    /// magnitude 1e3 and beyond give finite values and gradients.</para>
    /// <para>An empty batch, or one whose targets are all ignored, has Mean NaN (0/0), as in PyTorch.</para>
    /// </remarks>
    public static Variable<T> CrossEntropy<T>(
        Variable<T> logits,
        Indices target,
        Reduction reduction = Reduction.Mean,
        double labelSmoothing = 0.0,
        Variable<T>? weight = null,
        int ignoreIndex = -100)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "CrossEntropy";
        var classAxis = ClassAxis(Name, logits, "logits");
        ArgumentNullException.ThrowIfNull(target);
        CheckLabelSmoothing(Name, labelSmoothing);
        CheckReduction(Name, reduction);
        if (logits.Rank == 2 && reduction != Reduction.None && labelSmoothing == 0 && weight is null && FusableTargets(target, logits.Shape, ignoreIndex))
        {
            // The common training case as one op: same values, one node, a single-pass backward.
            return Variable<T>.FusedCrossEntropy(logits, target.Array, ignoreIndex, reduction == Reduction.Mean);
        }

        return ClassTargetLoss(Name, logits.LogSoftmax(classAxis), "logits", target, reduction, labelSmoothing, weight, ignoreIndex);
    }

    /// <summary>
    /// The cross entropy between logits and target class probabilities, −Σ_c t_c·log softmax(x)_c per sample
    /// (PyTorch's <c>cross_entropy</c> with probability targets, "soft labels").
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="logits">Unnormalized scores of shape [C], [N, C], or [N, C, d₁, …, dₖ]; the class axis is 1 (0 for [C]).</param>
    /// <param name="targetProbabilities">The target distribution of each sample, the logits' shape (each row normally sums to 1; not checked).</param>
    /// <param name="reduction">Mean (default): the sum divided by the number of samples (N·d₁⋯dₖ, 1 for [C]); Sum; or None: one loss per sample.</param>
    /// <param name="labelSmoothing">ε in [0, 1]: the target becomes (1 − ε)·t + ε/C (default 0).</param>
    /// <param name="weight">Optional per-class weights of shape [C], multiplying each class's term; they do not change the Mean's divisor.</param>
    /// <returns>A scalar, or the per-sample losses (the logits' shape without the class axis) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The logits are a scalar, or the target's or the weight's shape does not fit the logits'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">ε is outside [0, 1], or the reduction is not a defined value.</exception>
    /// <remarks>
    /// The targets receive a gradient too when they require one (−(1 − ε)·w·log softmax(x)). A class whose target
    /// probability is exactly 0 contributes 0 even where its log-probability is −∞ (a masked logit), the limit of t·log p.
    /// </remarks>
    public static Variable<T> CrossEntropy<T>(
        Variable<T> logits,
        Variable<T> targetProbabilities,
        Reduction reduction = Reduction.Mean,
        double labelSmoothing = 0.0,
        Variable<T>? weight = null)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "CrossEntropy";
        var classAxis = ClassAxis(Name, logits, "logits");
        CheckSameShape(Name, logits, targetProbabilities, "logits", "targetProbabilities");
        CheckLabelSmoothing(Name, labelSmoothing);
        CheckReduction(Name, reduction);
        var classes = logits.Shape[classAxis];
        var classWeight = ClassWeight(Name, weight, logits, classAxis);

        var t = targetProbabilities;
        if (labelSmoothing > 0)
        {
            t = (t * T.CreateChecked(1 - labelSmoothing)) + T.CreateChecked(labelSmoothing / classes);
        }

        var terms = Variable<T>.ChainMultiply(t, logits.LogSoftmax(classAxis));
        if (classWeight is not null)
        {
            terms *= classWeight;
        }

        return Reduce(-terms.Sum(classAxis), reduction);
    }

    /// <summary>
    /// The negative log-likelihood of class indices under given log-probabilities, −q[y] per sample (PyTorch's
    /// <c>nll_loss</c>); <c>CrossEntropy(x, y)</c> is <c>NegativeLogLikelihood(x.LogSoftmax(1), y)</c>.
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="logProbabilities">Log-probabilities (usually from <see cref="Variable{T}.LogSoftmax(int)"/>) of shape [C], [N, C], or [N, C, d₁, …, dₖ]; the class axis is 1 (0 for [C]).</param>
    /// <param name="target">The class of each sample, in 0..C−1 or equal to <paramref name="ignoreIndex"/>: shape [] for [C], [N] for [N, C], [N, d₁, …, dₖ] otherwise.</param>
    /// <param name="reduction">Mean (default): the sum divided by the total weight of the non-ignored targets (their count without weights); Sum; or None: one loss per sample.</param>
    /// <param name="weight">Optional per-class weights of shape [C]; unlike PyTorch, it receives a gradient if it requires one.</param>
    /// <param name="ignoreIndex">A target value that contributes neither to the loss nor to the Mean's divisor (default −100).</param>
    /// <returns>A scalar, or the per-sample losses with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The input is a scalar, or the target's or the weight's shape does not fit the input's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside 0..C−1 and not the ignore index, or the reduction is not a defined value.</exception>
    /// <remarks>ℓ = −w_y·q_y; the gradient is −w_y at the target class and 0 elsewhere, even where another class's log-probability is −∞ or NaN.</remarks>
    public static Variable<T> NegativeLogLikelihood<T>(
        Variable<T> logProbabilities,
        Indices target,
        Reduction reduction = Reduction.Mean,
        Variable<T>? weight = null,
        int ignoreIndex = -100)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "NegativeLogLikelihood";
        ClassAxis(Name, logProbabilities, "logProbabilities");
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(Name, reduction);
        return ClassTargetLoss(Name, logProbabilities, "logProbabilities", target, reduction, 0.0, weight, ignoreIndex);
    }

    /// <summary>
    /// The binary cross entropy between logits and targets in [0, 1], −[y·log σ(x) + (1 − y)·log(1 − σ(x))], computed
    /// from the logits stably (PyTorch's <c>binary_cross_entropy_with_logits</c>).
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="logits">The logits x (any shape).</param>
    /// <param name="target">The targets y (usually in [0, 1]; not checked), the logits' shape.</param>
    /// <param name="reduction">Mean (default) or Sum over all elements, or None for the per-element losses.</param>
    /// <param name="positiveWeight">Optional weight p⁺ of the positive term (PyTorch's <c>pos_weight</c>), broadcast to the logits' shape (typically [C] for the last axis); p⁺ &gt; 1 favours recall.</param>
    /// <param name="weight">Optional rescaling of each element's loss (PyTorch's <c>weight</c>), broadcast to the logits' shape.</param>
    /// <returns>A scalar, or the per-element losses (the logits' shape) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The target's shape differs from the logits', or a weight does not broadcast to it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is not a defined value.</exception>
    /// <remarks>
    /// ℓ = p⁺·y·softplus(−x) + (1 − y)·softplus(x), which equals max(x, 0) − x·y + log(1 + e^(−|x|)) for p⁺ = 1. Each
    /// term is non-negative for y in [0, 1] and softplus is evaluated stably, so nothing cancels or overflows: logits of
    /// magnitude 1e3 give finite losses and the gradient (1 − y)·σ(x) − p⁺·y·σ(−x) (σ(x) − y without p⁺). Unlike PyTorch,
    /// <paramref name="positiveWeight"/> and <paramref name="weight"/> receive gradients if they require them.
    /// </remarks>
    public static Variable<T> BinaryCrossEntropyWithLogits<T>(
        Variable<T> logits,
        Variable<T> target,
        Reduction reduction = Reduction.Mean,
        Variable<T>? positiveWeight = null,
        Variable<T>? weight = null)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "BinaryCrossEntropyWithLogits";
        CheckSameShape(Name, logits, target, "logits", "target");
        CheckReduction(Name, reduction);
        CheckBroadcastsTo(Name, positiveWeight, nameof(positiveWeight), logits);
        CheckBroadcastsTo(Name, weight, nameof(weight), logits);

        var positive = target * (-logits).Softplus();
        if (positiveWeight is not null)
        {
            positive *= positiveWeight;
        }

        var loss = positive + ((T.One - target) * logits.Softplus());
        if (weight is not null)
        {
            loss *= weight;
        }

        return Reduce(loss, reduction);
    }

    /// <summary>The hinge loss of a binary support vector machine, max(0, margin − y·f) with labels y = ±1.</summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="scores">The decision values f (any shape).</param>
    /// <param name="target">The labels y, each −1 or +1, the scores' shape.</param>
    /// <param name="reduction">Mean (default) or Sum over all elements, or None for the per-element losses.</param>
    /// <param name="margin">The margin (default 1): a correctly classified sample with y·f ≥ margin costs nothing.</param>
    /// <returns>A scalar, or the per-element losses (the scores' shape) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The shapes differ, or a label is not −1 or +1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The margin is not finite, or the reduction is not a defined value.</exception>
    /// <remarks>
    /// ℓ = max(0, margin − y·f); the subgradient with respect to f is −y where y·f &lt; margin and 0 elsewhere,
    /// including exactly at the margin (the kink convention of <c>Relu</c>). Add an L2 penalty on the weights for the
    /// soft-margin SVM objective.
    /// </remarks>
    public static Variable<T> Hinge<T>(Variable<T> scores, Variable<T> target, Reduction reduction = Reduction.Mean, double margin = 1.0)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "Hinge";
        CheckSameShape(Name, scores, target, "scores", "target");
        CheckReduction(Name, reduction);
        if (!double.IsFinite(margin))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), string.Create(CultureInfo.InvariantCulture, $"{Name}: margin must be finite; got {margin}."));
        }

        var labels = target.Values;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] != T.One && labels[i] != -T.One)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{Name}: every target must be -1 or +1 (binary SVM labels); element {i} of the target (shape {target.Shape}) is {labels[i]}. Map 0/1 labels with 2·y − 1."),
                    nameof(target));
            }
        }

        return Reduce((T.CreateChecked(margin) - (target * scores)).Relu(), reduction);
    }

    /// <summary>
    /// The Kullback–Leibler divergence KL(target ‖ input) pointwise, with the input given as log-probabilities
    /// (PyTorch's <c>kl_div</c>).
    /// </summary>
    /// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
    /// <param name="input">Log-probabilities log q (usually from <see cref="Variable{T}.LogSoftmax(int)"/>).</param>
    /// <param name="target">The target distribution p as probabilities, or as log-probabilities with <paramref name="logTarget"/>; the input's shape.</param>
    /// <param name="reduction">
    /// Mean (default): PyTorch's elementwise mean, the sum divided by the number of elements (not the true KL
    /// divergence per sample; see <paramref name="batchMean"/>); Sum; or None for the per-element terms.
    /// </param>
    /// <param name="logTarget">Whether <paramref name="target"/> holds log-probabilities (default false).</param>
    /// <param name="batchMean">
    /// With Mean, divide the sum by the batch size (the first dimension; 1 for a scalar) instead of the element count:
    /// PyTorch's <c>reduction='batchmean'</c>, the mathematically correct mean KL divergence per sample. Only valid with Mean.
    /// </param>
    /// <returns>A scalar, or the per-element terms (the input's shape) with <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="batchMean"/> is set with a reduction other than Mean.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is not a defined value.</exception>
    /// <remarks>
    /// ℓ = p·(log p − input), taken as 0 where p = 0; with <paramref name="logTarget"/>, ℓ = exp(t)·(t − input). The
    /// gradient with respect to the input is −p. <c>reduction='batchmean'</c> in PyTorch is
    /// <c>KLDivergence(input, target, batchMean: true)</c> here.
    /// </remarks>
    public static Variable<T> KLDivergence<T>(
        Variable<T> input,
        Variable<T> target,
        Reduction reduction = Reduction.Mean,
        bool logTarget = false,
        bool batchMean = false)
        where T : IFloatingPointIeee754<T>
    {
        const string Name = "KLDivergence";
        CheckSameShape(Name, input, target, "input", "target");
        CheckReduction(Name, reduction);
        if (batchMean && reduction != Reduction.Mean)
        {
            throw new ArgumentException($"{Name}: batchMean divides the summed divergence by the batch size and applies only to Reduction.Mean; got Reduction.{reduction}.", nameof(batchMean));
        }

        var loss = logTarget
            ? target.Exp() * (target - input)
            : Variable<T>.ChainMultiply(target, target.Log() - input);
        if (batchMean)
        {
            return loss.Sum() / T.CreateChecked(input.Rank == 0 ? 1 : input.Shape[0]);
        }

        return Reduce(loss, reduction);
    }

    /// <summary>
    /// The class-target losses: −Σ_c s_c·q_c along the class axis, with s = w ⊙ ((1 − ε)·one-hot(y) + ε/C) for each
    /// non-ignored sample and 0 for ignored ones. The one-hot rows and the Mean's divisor are built as constants from
    /// the indices; the weights enter as a broadcast factor, so they stay differentiable.
    /// </summary>
    private static Variable<T> ClassTargetLoss<T>(
        string name,
        Variable<T> logProbabilities,
        string inputName,
        Indices target,
        Reduction reduction,
        double labelSmoothing,
        Variable<T>? weight,
        int ignoreIndex)
        where T : IFloatingPointIeee754<T>
    {
        var shape = logProbabilities.Shape;
        var classAxis = shape.Rank == 1 ? 0 : 1;
        var classes = shape[classAxis];
        var samples = shape.Rank == 1 ? Shape.Scalar : new Shape([shape[0], .. shape.ToArray()[2..]]);
        if (target.Shape != samples)
        {
            throw new ArgumentException(
                $"{name}: {inputName} of shape {shape} need class targets of shape {samples} (the {inputName}' shape without the class axis {classAxis}); got targets of shape {target.Shape}."
                + (shape.Rank == 1 ? " For a single sample pass a scalar: new Indices([y], Shape.Scalar)." : string.Empty),
                nameof(target));
        }

        var classWeight = ClassWeight(name, weight, logProbabilities, classAxis);

        var outer = shape.Rank == 1 ? 1 : shape[0];
        var inner = samples.ElementCount / Math.Max(outer, 1);
        var smooth = T.CreateChecked(labelSmoothing / classes);
        var hit = T.CreateChecked(1 - labelSmoothing) + smooth;
        var rows = Variable<T>.NewZeroedBuffer(shape.ElementCount);
        var oneHot = weight is null ? null : new T[shape.ElementCount];
        var counted = 0;
        var values = target.Values;
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                var position = (o * inner) + i;
                var y = values[position];
                if (y == ignoreIndex)
                {
                    continue;
                }

                if ((uint)y >= (uint)classes)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(target),
                        $"{name}: target {y} at position {position} (targets of shape {target.Shape}) is not a class of {inputName} of shape {shape}; valid targets are 0..{classes - 1} along the class axis {classAxis}, or ignoreIndex ({ignoreIndex}).");
                }

                counted++;
                for (var c = 0; c < classes; c++)
                {
                    rows[(((o * classes) + c) * inner) + i] = c == y ? hit : smooth;
                }

                if (oneHot is not null)
                {
                    oneHot[(((o * classes) + y) * inner) + i] = T.One;
                }
            }
        }

        Variable<T> s = Variable<T>.Result(rows, shape, node: null);
        if (classWeight is not null)
        {
            s *= classWeight;
        }

        var perSample = -Variable<T>.ChainMultiply(s, logProbabilities).Sum(classAxis);
        return reduction switch
        {
            Reduction.None => perSample,
            Reduction.Sum => perSample.Sum(),
            _ => classWeight is null
                ? perSample.Sum() / T.CreateChecked(counted)
                : perSample.Sum() / (Variable.Constant(oneHot!, shape) * classWeight).Sum(),
        };
    }

    /// <summary>
    /// Whether class targets fit [N, C] logits for the fused cross entropy: shape [N], each a class or the ignore
    /// index. Anything else takes the general path, which reports the problem.
    /// </summary>
    private static bool FusableTargets(Indices target, Shape logits, int ignoreIndex)
    {
        if (target.Shape.Rank != 1 || target.Shape[0] != logits[0])
        {
            return false;
        }

        var classes = (uint)logits[1];
        foreach (var y in target.Values)
        {
            if ((uint)y >= classes && y != ignoreIndex)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The class axis (1, or 0 for a single sample of shape [C]); throws for a scalar.</summary>
    private static int ClassAxis<T>(string name, Variable<T> input, string inputName)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input, inputName);
        if (input.Rank == 0)
        {
            throw new ArgumentException($"{name}: {inputName} need a class axis, shape [C], [N, C] or [N, C, d1, ...]; got a scalar (shape []).", inputName);
        }

        return input.Rank == 1 ? 0 : 1;
    }

    /// <summary>Per-class weights of shape [C], reshaped to broadcast along the class axis (null when absent).</summary>
    private static Variable<T>? ClassWeight<T>(string name, Variable<T>? weight, Variable<T> input, int classAxis)
        where T : IFloatingPointIeee754<T>
    {
        if (weight is null)
        {
            return null;
        }

        var classes = input.Shape[classAxis];
        if (weight.Shape != new Shape(classes))
        {
            throw new ArgumentException($"{name}: weight must hold one value per class, shape [{classes}] for input of shape {input.Shape} (class axis {classAxis}); got shape {weight.Shape}.", nameof(weight));
        }

        var dims = new int[input.Rank - classAxis];
        dims.AsSpan().Fill(1);
        dims[0] = classes;
        return weight.Reshape(dims);
    }

    private static void CheckSameShape<T>(string name, Variable<T> input, Variable<T> target, string inputName, string targetName)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input, inputName);
        ArgumentNullException.ThrowIfNull(target, targetName);
        if (input.Shape != target.Shape)
        {
            throw new ArgumentException(
                $"{name}: {inputName} has shape {input.Shape} but {targetName} has shape {target.Shape}; they must have the same shape (losses do not broadcast, because a [N, 1] prediction against a [N] target would silently give an [N, N] loss). Reshape one of them.",
                targetName);
        }
    }

    private static void CheckBroadcastsTo<T>(string name, Variable<T>? weight, string weightName, Variable<T> input)
        where T : IFloatingPointIeee754<T>
    {
        if (weight is not null && !Broadcasting.CanBroadcastTo(weight.Shape, input.Shape))
        {
            throw new ArgumentException($"{name}: {weightName} of shape {weight.Shape} does not broadcast to the input's shape {input.Shape} (aligned at the last axis, each dimension must match or be 1).", weightName);
        }
    }

    private static void CheckLabelSmoothing(string name, double labelSmoothing)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), string.Create(CultureInfo.InvariantCulture, $"{name}: labelSmoothing must be in [0, 1]; got {labelSmoothing}."));
        }
    }

    private static void CheckReduction(string name, Reduction reduction)
    {
        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), $"{name}: reduction {(int)reduction} is not one of Reduction.Mean, Reduction.Sum, Reduction.None.");
        }
    }

    private static Variable<T> Reduce<T>(Variable<T> loss, Reduction reduction)
        where T : IFloatingPointIeee754<T> => reduction switch
        {
            Reduction.Sum => loss.Sum(),
            Reduction.None => loss,
            _ => loss.Mean(),
        };
}
