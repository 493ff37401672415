using AutoGrad;

namespace AutoGrad.Tests.Nn;

/// <summary>The losses: hand-computed values, reductions, equivalences, stability at 1e3 and 1e4, float, and errors.</summary>
public class LossTests
{
    private static Variable<double> Logits23() => Variable.Parameter(new[] { 1.0, 2.0, 0.5, -1.0, 0.0, 3.0 }, [2, 3]);

    [Fact]
    public void Regression_losses_by_hand()
    {
        var input = Variable.Parameter(new[] { 1.0, -2.0, 3.5, 0.0 });
        var target = Variable.Constant(new[] { 1.5, -2.0, 1.0, -0.25 });
        Assert.Equal((0.25 + 0 + 6.25 + 0.0625) / 4, Loss.MeanSquaredError(input, target).ToScalar(), 15);
        Assert.Equal(0.25 + 0 + 6.25 + 0.0625, Loss.MeanSquaredError(input, target, Reduction.Sum).ToScalar(), 15);
        Assert.Equal(new[] { 0.25, 0, 6.25, 0.0625 }, Loss.MeanSquaredError(input, target, Reduction.None).ToArray());
        Assert.Equal((0.5 + 0 + 2.5 + 0.25) / 4, Loss.MeanAbsoluteError(input, target).ToScalar(), 15);
        Assert.Equal(new[] { 0.5, 0, 2.5, 0.25 }, Loss.MeanAbsoluteError(input, target, Reduction.None).ToArray());

        // Huber, δ = 1: quadratic below 1, δ(|d| − δ/2) above.
        Assert.Equal(new[] { 0.125, 0, 2.0, 0.03125 }, Loss.Huber(input, target, reduction: Reduction.None).ToArray());
        Assert.Equal(new[] { 0.125, 0, 2.5 * 0.5 - 0.125, 0.03125 }, Loss.Huber(input, target, 0.5, Reduction.None).ToArray());
    }

    [Fact]
    public void Absolute_error_gradient_is_zero_where_input_equals_target_and_Huber_is_continuous_at_delta()
    {
        var input = Variable.Parameter(new[] { 2.0, 3.0, 0.0 });
        var target = Variable.Constant(new[] { 2.0, 1.0, 1.0 });
        Loss.MeanAbsoluteError(input, target, Reduction.Sum).Backward();
        Assert.Equal(new[] { 0.0, 1, -1 }, input.Grad!.ToArray());

        input.ZeroGrad();
        Loss.Huber(input, target, delta: 2.0, Reduction.Sum).Backward();
        Assert.Equal(new[] { 0.0, 2, -1 }, input.Grad!.ToArray());
    }

    [Fact]
    public void Cross_entropy_by_hand_for_every_reduction()
    {
        var x = Logits23();
        Indices y = new[] { 1, 2 };
        var l0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5)) - 2;
        var l1 = Math.Log(Math.Exp(-1) + Math.Exp(0) + Math.Exp(3)) - 3;
        Assert.Equal(new[] { l0, l1 }, Loss.CrossEntropy(x, y, Reduction.None).ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(l0 + l1, Loss.CrossEntropy(x, y, Reduction.Sum).ToScalar(), 15);
        var mean = Loss.CrossEntropy(x, y);
        Assert.Equal((l0 + l1) / 2, mean.ToScalar(), 15);

        // Gradient (softmax − one-hot) / N.
        mean.Backward();
        var p = Logits23().Softmax().ToArray();
        Assert.Equal(new[] { p[0] / 2, (p[1] - 1) / 2, p[2] / 2, p[3] / 2, p[4] / 2, (p[5] - 1) / 2 }, x.Grad!.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void Class_targets_and_one_hot_probability_targets_agree_with_and_without_label_smoothing()
    {
        var x = Logits23();
        Indices y = new[] { 2, 0 };
        var oneHot = Variable.Constant(new[] { 0.0, 0, 1, 1, 0, 0 }, [2, 3]);
        foreach (var smoothing in new[] { 0.0, 0.1, 1.0 })
        {
            Assert.Equal(
                Loss.CrossEntropy(x, y, Reduction.None, smoothing).ToArray(),
                Loss.CrossEntropy(x, oneHot, Reduction.None, smoothing).ToArray(),
                (a, b) => Math.Abs(a - b) < 1e-14);
        }

        // ε = 1 is the cross entropy against the uniform distribution.
        var uniform = Variable.Full<double>([2, 3], 1.0 / 3);
        Assert.Equal(Loss.CrossEntropy(x, uniform).ToScalar(), Loss.CrossEntropy(x, y, labelSmoothing: 1).ToScalar(), 14);
    }

    [Fact]
    public void Cross_entropy_is_negative_log_likelihood_of_log_softmax()
    {
        var x = Variable.Parameter(new[] { 0.2, -1.0, 0.4, 1.5, 0.0, 2.0, -0.3, 0.8 }, [2, 2, 2]);
        var y = new Indices([1, 0, 0, 1], [2, 2]);
        Assert.Equal(
            Loss.NegativeLogLikelihood(x.LogSoftmax(1), y, Reduction.None).ToArray(),
            Loss.CrossEntropy(x, y, Reduction.None).ToArray());
    }

    [Fact]
    public void A_single_sample_takes_a_scalar_target()
    {
        var x = Variable.Parameter(new[] { 0.5, 1.5, -0.5 });
        var loss = Loss.CrossEntropy(x, new Indices([1], Shape.Scalar), Reduction.None);
        Assert.Equal(Shape.Scalar, loss.Shape);
        Assert.Equal(Math.Log(Math.Exp(0.5) + Math.Exp(1.5) + Math.Exp(-0.5)) - 1.5, loss.ToScalar(), 15);
    }

    [Fact]
    public void Weighted_mean_divides_by_the_weights_of_the_non_ignored_targets()
    {
        var x = Logits23();
        var w = Variable.Parameter(new[] { 0.5, 2.0, 4.0 });
        Indices y = new[] { 1, 2 };
        var none = Loss.CrossEntropy(x, y, Reduction.None, weight: w).ToArray();
        var plain = Loss.CrossEntropy(x, y, Reduction.None).ToArray();
        Assert.Equal(2.0 * plain[0], none[0], 14);
        Assert.Equal(4.0 * plain[1], none[1], 14);
        var mean = Loss.CrossEntropy(x, y, weight: w);
        Assert.Equal((none[0] + none[1]) / 6.0, mean.ToScalar(), 14);

        // The weights are differentiable (PyTorch refuses): ∂mean/∂w₁ = (plain₀ − mean)/6, ∂mean/∂w₂ = (plain₁ − mean)/6.
        mean.Backward();
        Assert.Equal(new[] { 0.0, (plain[0] - mean.ToScalar()) / 6, (plain[1] - mean.ToScalar()) / 6 }, w.Grad!.ToArray(), (a, b) => Math.Abs(a - b) < 1e-14);

        // Ignored samples cost nothing, get no gradient and do not count in the mean.
        var x2 = Logits23();
        var ignored = Loss.CrossEntropy(x2, new[] { -100, 2 });
        Assert.Equal(plain[1], ignored.ToScalar(), 14);
        Assert.Equal(0.0, Loss.CrossEntropy(x2, new[] { 1, 7 }, Reduction.None, ignoreIndex: 7).Values[1]);
        ignored.Backward();
        Assert.Equal(new[] { 0.0, 0, 0 }, x2.Grad!.ToArray()[..3]);
        Assert.True(double.IsNaN(Loss.CrossEntropy(Logits23(), new[] { -100, -100 }).ToScalar()));
    }

    [Theory]
    [InlineData(1e3)]
    [InlineData(1e4)]
    public void Cross_entropy_of_large_logits_is_finite_with_finite_gradients(double scale)
    {
        var x = Variable.Parameter(new[] { 1.0, -1.0, 0.5, -0.25, 0.75, 0.0 }.Select(v => v * scale).ToArray(), [2, 3]);
        var loss = Loss.CrossEntropy(x, new[] { 1, 0 }, labelSmoothing: 0.1);
        Assert.Equal(((0.9 * 2.0) + (0.1 / 3 * 2.5) + (0.9 * 1.0) + (0.1 / 3 * 1.75)) * scale / 2, loss.ToScalar(), 9);
        loss.Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.True(double.IsFinite(g)));

        var probs = Variable.Parameter(new[] { 0.2, 0.8, 0, 0.5, 0.5, 0 }, [2, 3]);
        var soft = Loss.CrossEntropy(x.Detach(), probs);
        Assert.True(double.IsFinite(soft.ToScalar()));
        soft.Backward();
        Assert.All(probs.Grad!.ToArray(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void Float_cross_entropy_and_bce_of_logits_at_1e3_are_finite()
    {
        var x = Variable.Parameter(new[] { 1000f, -1000f, 500f, 0f, -2000f, 1000f }, [2, 3]);
        var ce = Loss.CrossEntropy(x, new[] { 1, 2 });
        Assert.Equal(1000f, ce.ToScalar(), 3);
        ce.Backward();
        // (softmax − one-hot) / 2; float's vectorized exp is within an ulp or two of the exact value.
        Assert.Equal(new[] { 0.5f, -0.5f, 0, 0, 0, 0 }, x.Grad!.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-6f);

        var z = Variable.Parameter(new[] { 1000f, -1000f, 1e4f, -1e4f });
        var bce = Loss.BinaryCrossEntropyWithLogits(z, Variable.Constant(new[] { 1f, 1f, 0f, 0.5f }), Reduction.None);
        Assert.Equal(new[] { 0f, 1000f, 1e4f, 5000f }, bce.ToArray());
        bce.Sum().Backward();
        Assert.Equal(new[] { 0f, -1f, 1f, -0.5f }, z.Grad!.ToArray());
    }

    [Fact]
    public void Masked_logits_of_minus_infinity_are_ignored_by_class_targets()
    {
        var x = Variable.Parameter(new[] { 0.0, double.NegativeInfinity, 1.0 });
        var loss = Loss.CrossEntropy(x, new Indices([2], Shape.Scalar));
        Assert.Equal(Math.Log(1 + Math.Exp(-1)), loss.ToScalar(), 15);
        loss.Backward();
        Assert.Equal(0.0, x.Grad!.Values[1]);
        Assert.True(double.IsFinite(x.Grad.Values[0]));
    }

    [Fact]
    public void Binary_cross_entropy_by_hand_and_with_weights()
    {
        var x = Variable.Parameter(new[] { 0.0, 2.0, -1.0 });
        var y = Variable.Constant(new[] { 1.0, 0.0, 0.25 });
        static double Sp(double v) => Math.Log(1 + Math.Exp(v));
        var expected = new[] { Math.Log(2), Sp(2), (0.25 * Sp(1)) + (0.75 * Sp(-1)) };
        Assert.Equal(expected, Loss.BinaryCrossEntropyWithLogits(x, y, Reduction.None).ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);

        // Gradient σ(x) − y, also at x = 0 (no Relu/Abs kink in the stable form).
        Loss.BinaryCrossEntropyWithLogits(x, y, Reduction.Sum).Backward();
        Assert.Equal(new[] { -0.5, 1 / (1 + Math.Exp(-2)), (1 / (1 + Math.Exp(1))) - 0.25 }, x.Grad!.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);

        var weighted = Loss.BinaryCrossEntropyWithLogits(x, y, Reduction.None, positiveWeight: Variable.Constant(3.0), weight: Variable.Constant(new[] { 1.0, 2.0, 0.5 }));
        var w = new[] { 3 * Math.Log(2), 2 * Sp(2), 0.5 * ((3 * 0.25 * Sp(1)) + (0.75 * Sp(-1))) };
        Assert.Equal(w, weighted.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void Hinge_is_the_binary_svm_loss()
    {
        var f = Variable.Parameter(new[] { 2.0, 0.5, -0.3, 0.7 });
        var y = Variable.Constant(new[] { 1.0, 1.0, -1.0, -1.0 });
        Assert.Equal(new[] { 0.0, 0.5, 0.7, 1.7 }, Loss.Hinge(f, y, Reduction.None).ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(new[] { 0.0, 0.0, 0.2, 1.2 }, Loss.Hinge(f, y, Reduction.None, margin: 0.5).ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Loss.Hinge(f, y).Backward();
        Assert.Equal(new[] { 0.0, -0.25, 0.25, 0.25 }, f.Grad!.ToArray());

        // Exactly on the margin: subgradient 0 (Relu's convention).
        var onMargin = Variable.Parameter(new[] { 1.0 });
        Loss.Hinge(onMargin, Variable.Constant(new[] { 1.0 })).Backward();
        Assert.Equal(0.0, onMargin.Grad!.Values[0]);
    }

    [Fact]
    public void KL_divergence_reductions_and_log_target()
    {
        var p = new[] { 0.2, 0.3, 0.5, 0.6, 0.0, 0.4 };
        var q = new[] { 0.25, 0.25, 0.5, 0.5, 0.25, 0.25 };
        var logQ = Variable.Parameter(q.Select(v => Math.Log(v)).ToArray(), [2, 3]);
        var target = Variable.Constant(p, [2, 3]);
        var terms = p.Zip(q, (a, b) => a == 0 ? 0 : a * Math.Log(a / b)).ToArray();
        Assert.Equal(terms, Loss.KLDivergence(logQ, target, Reduction.None).ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(terms.Sum() / 6, Loss.KLDivergence(logQ, target).ToScalar(), 14);
        Assert.Equal(terms.Sum(), Loss.KLDivergence(logQ, target, Reduction.Sum).ToScalar(), 14);
        Assert.Equal(terms.Sum() / 2, Loss.KLDivergence(logQ, target, batchMean: true).ToScalar(), 14);

        var logTarget = Variable.Constant(new[] { 0.2, 0.3, 0.5 }.Select(v => Math.Log(v)).ToArray());
        var logQ1 = Variable.Constant(new[] { 0.25, 0.25, 0.5 }.Select(v => Math.Log(v)).ToArray());
        Assert.Equal(terms[..3].Sum(), Loss.KLDivergence(logQ1, logTarget, Reduction.Sum, logTarget: true).ToScalar(), 14);

        // ∂/∂input = −p (0 where p = 0) / batch size.
        Loss.KLDivergence(logQ, target, batchMean: true).Backward();
        Assert.Equal(p.Select(v => -v / 2).ToArray(), logQ.Grad!.ToArray());
    }

    [Fact]
    public void Mismatched_shapes_name_the_loss_and_both_shapes()
    {
        var a = Variable.Zeros<double>([3, 1]);
        var b = Variable.Zeros<double>([3]);
        foreach (var (name, call) in new (string, Action)[]
        {
            ("MeanSquaredError", () => Loss.MeanSquaredError(a, b)),
            ("MeanAbsoluteError", () => Loss.MeanAbsoluteError(a, b)),
            ("Huber", () => Loss.Huber(a, b)),
            ("BinaryCrossEntropyWithLogits", () => Loss.BinaryCrossEntropyWithLogits(a, b)),
            ("Hinge", () => Loss.Hinge(a, b)),
            ("KLDivergence", () => Loss.KLDivergence(a, b)),
            ("CrossEntropy", () => Loss.CrossEntropy(a, b)),
        })
        {
            var e = Assert.Throws<ArgumentException>(call);
            Assert.StartsWith(name + ":", e.Message, StringComparison.Ordinal);
            Assert.Contains("[3, 1]", e.Message, StringComparison.Ordinal);
            Assert.Contains("[3]", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Class_target_errors_name_the_shapes_the_value_and_the_valid_range()
    {
        var x = Variable.Zeros<double>([4, 3]);
        var shape = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(x, new[] { 0, 1, 2 }));
        Assert.Contains("CrossEntropy: logits of shape [4, 3] need class targets of shape [4]", shape.Message, StringComparison.Ordinal);
        Assert.Contains("got targets of shape [3]", shape.Message, StringComparison.Ordinal);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Loss.NegativeLogLikelihood(x, new[] { 0, 1, 3, 2 }));
        Assert.Contains("NegativeLogLikelihood: target 3 at position 2", range.Message, StringComparison.Ordinal);
        Assert.Contains("valid targets are 0..2", range.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(x, new[] { 0, -1, 0, 0 }));

        var nd = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(Variable.Zeros<double>([2, 3, 5]), new Indices(new int[10], [5, 2])));
        Assert.Contains("[2, 3, 5] need class targets of shape [2, 5]", nd.Message, StringComparison.Ordinal);

        var single = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(Variable.Zeros<double>([3]), new[] { 1 }));
        Assert.Contains("Shape.Scalar", single.Message, StringComparison.Ordinal);

        var scalar = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(Variable.Constant(1.0), new Indices([0], Shape.Scalar)));
        Assert.Contains("CrossEntropy: logits need a class axis", scalar.Message, StringComparison.Ordinal);

        var weight = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(x, new[] { 0, 1, 2, 0 }, weight: Variable.Ones<double>([4])));
        Assert.Contains("CrossEntropy: weight must hold one value per class, shape [3]", weight.Message, StringComparison.Ordinal);
        Assert.Contains("got shape [4]", weight.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_hyperparameters_are_rejected_with_the_loss_name()
    {
        var x = Variable.Zeros<double>([2, 3]);
        var y = Variable.Zeros<double>([2, 3]);
        Assert.Contains("CrossEntropy: labelSmoothing must be in [0, 1]; got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(x, new[] { 0, 1 }, labelSmoothing: 1.5)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(x, y, labelSmoothing: double.NaN));
        Assert.Contains("Huber: delta must be finite and positive; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Huber(x, y, delta: 0)).Message, StringComparison.Ordinal);
        Assert.Contains("MeanSquaredError: reduction 7", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.MeanSquaredError(x, y, (Reduction)7)).Message, StringComparison.Ordinal);
        Assert.Contains("KLDivergence: batchMean", Assert.Throws<ArgumentException>(() => Loss.KLDivergence(x, y, Reduction.Sum, batchMean: true)).Message, StringComparison.Ordinal);
        Assert.Contains(
            "BinaryCrossEntropyWithLogits: positiveWeight of shape [2] does not broadcast to the input's shape [2, 3]",
            Assert.Throws<ArgumentException>(() => Loss.BinaryCrossEntropyWithLogits(x, y, positiveWeight: Variable.Ones<double>([2]))).Message,
            StringComparison.Ordinal);

        var labels = Assert.Throws<ArgumentException>(() => Loss.Hinge(Variable.Zeros<double>([3]), Variable.Constant(new[] { 1.0, 0.0, -1.0 })));
        Assert.Contains("Hinge: every target must be -1 or +1", labels.Message, StringComparison.Ordinal);
        Assert.Contains("element 1 of the target (shape [3]) is 0", labels.Message, StringComparison.Ordinal);
    }
}
