using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Nn;

/// <summary>
/// Softmax, LogSoftmax and every loss against PyTorch (Fixtures/generate_softmax_losses.py → softmax_losses.json),
/// 1e-9 relative in double: values and gradients, every reduction, label smoothing, probability targets, N-D cross
/// entropy, class weights, ignored targets, and logits of magnitude 1e3 and 1e4.
/// </summary>
public class TorchLossTests : TorchFixtureTests<TorchLossTests>, ITorchFixture
{
    public static string File => "softmax_losses.json";

    public static IReadOnlyDictionary<string, Func<Variable<double>[], Indices[], Variable<double>>> Ops { get; } = new Dictionary<string, Func<Variable<double>[], Indices[], Variable<double>>>
    {
        ["softmax_last_axis"] = (x, _) => x[0].Softmax(-1),
        ["softmax_axis0"] = (x, _) => x[0].Softmax(0),
        ["softmax_middle_axis"] = (x, _) => x[0].Softmax(1),
        ["softmax_logits_1e3"] = (x, _) => x[0].Softmax(),
        ["softmax_dominant_1e4"] = (x, _) => x[0].Softmax(),
        ["softmax_scalar"] = (x, _) => x[0].Softmax(0),
        ["softmax_size_one_axis"] = (x, _) => x[0].Softmax(1),
        ["softmax_empty_batch"] = (x, _) => x[0].Softmax(1),
        ["log_softmax_last_axis"] = (x, _) => x[0].LogSoftmax(),
        ["log_softmax_axis0"] = (x, _) => x[0].LogSoftmax(0),
        ["log_softmax_logits_1e3"] = (x, _) => x[0].LogSoftmax(),
        ["log_softmax_dominant_1e4"] = (x, _) => x[0].LogSoftmax(),
        ["log_softmax_size_one_axis"] = (x, _) => x[0].LogSoftmax(-1),

        ["mse_mean"] = (x, _) => Loss.MeanSquaredError(x[0], x[1]),
        ["mse_sum"] = (x, _) => Loss.MeanSquaredError(x[0], x[1], Reduction.Sum),
        ["mse_none"] = (x, _) => Loss.MeanSquaredError(x[0], x[1], Reduction.None),
        ["mse_scalar"] = (x, _) => Loss.MeanSquaredError(x[0], x[1]),
        ["mae_mean"] = (x, _) => Loss.MeanAbsoluteError(x[0], x[1]),
        ["mae_sum"] = (x, _) => Loss.MeanAbsoluteError(x[0], x[1], Reduction.Sum),
        ["mae_none"] = (x, _) => Loss.MeanAbsoluteError(x[0], x[1], Reduction.None),
        ["huber_mean"] = (x, _) => Loss.Huber(x[0], x[1]),
        ["huber_delta_half_sum"] = (x, _) => Loss.Huber(x[0], x[1], delta: 0.5, Reduction.Sum),
        ["huber_delta_2_none"] = (x, _) => Loss.Huber(x[0], x[1], delta: 2.0, Reduction.None),

        ["cross_entropy_mean"] = (x, i) => Loss.CrossEntropy(x[0], i[0]),
        ["cross_entropy_sum"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.Sum),
        ["cross_entropy_none"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.None),
        ["cross_entropy_smoothing_mean"] = (x, i) => Loss.CrossEntropy(x[0], i[0], labelSmoothing: 0.2),
        ["cross_entropy_smoothing_sum"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.Sum, labelSmoothing: 0.2),
        ["cross_entropy_smoothing_none"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.None, labelSmoothing: 0.2),
        ["cross_entropy_single_sample"] = (x, i) => Loss.CrossEntropy(x[0], i[0]),
        ["cross_entropy_single_sample_none"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.None, labelSmoothing: 0.1),
        ["cross_entropy_nd_mean"] = (x, i) => Loss.CrossEntropy(x[0], i[0]),
        ["cross_entropy_nd_none_smoothing"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.None, labelSmoothing: 0.3),
        ["cross_entropy_logits_1e3"] = (x, i) => Loss.CrossEntropy(x[0], i[0]),
        ["cross_entropy_logits_1e4_smoothing"] = (x, i) => Loss.CrossEntropy(x[0], i[0], labelSmoothing: 0.1),
        ["cross_entropy_weight_mean"] = (x, i) => Loss.CrossEntropy(x[0], i[0], weight: x[1].Detach()),
        ["cross_entropy_weight_smoothing_mean"] = (x, i) => Loss.CrossEntropy(x[0], i[0], labelSmoothing: 0.25, weight: x[1].Detach()),
        ["cross_entropy_weight_sum"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.Sum, weight: x[1].Detach()),
        ["cross_entropy_ignore_mean"] = (x, i) => Loss.CrossEntropy(x[0], i[0]),
        ["cross_entropy_ignore_class_weight_smoothing"] = (x, i) => Loss.CrossEntropy(x[0], i[0], labelSmoothing: 0.15, weight: x[1].Detach(), ignoreIndex: 2),
        ["cross_entropy_ignore_none_smoothing"] = (x, i) => Loss.CrossEntropy(x[0], i[0], Reduction.None, labelSmoothing: 0.2, ignoreIndex: 0),

        ["cross_entropy_probs_mean"] = (x, _) => Loss.CrossEntropy(x[0], x[1]),
        ["cross_entropy_probs_sum"] = (x, _) => Loss.CrossEntropy(x[0], x[1], Reduction.Sum),
        ["cross_entropy_probs_none"] = (x, _) => Loss.CrossEntropy(x[0], x[1], Reduction.None),
        ["cross_entropy_probs_smoothing"] = (x, _) => Loss.CrossEntropy(x[0], x[1], labelSmoothing: 0.2),
        ["cross_entropy_probs_nd_none"] = (x, _) => Loss.CrossEntropy(x[0], x[1], Reduction.None),
        ["cross_entropy_probs_single_sample"] = (x, _) => Loss.CrossEntropy(x[0], x[1]),
        ["cross_entropy_probs_weight"] = (x, _) => Loss.CrossEntropy(x[0], x[1], labelSmoothing: 0.1, weight: x[2].Detach()),
        ["cross_entropy_probs_logits_1e3"] = (x, _) => Loss.CrossEntropy(x[0], x[1]),

        ["nll_mean"] = (x, i) => Loss.NegativeLogLikelihood(x[0], i[0]),
        ["nll_sum"] = (x, i) => Loss.NegativeLogLikelihood(x[0], i[0], Reduction.Sum),
        ["nll_none"] = (x, i) => Loss.NegativeLogLikelihood(x[0], i[0], Reduction.None),
        ["nll_weight_ignore"] = (x, i) => Loss.NegativeLogLikelihood(x[0], i[0], weight: x[1].Detach(), ignoreIndex: 1),
        ["nll_nd_none"] = (x, i) => Loss.NegativeLogLikelihood(x[0], i[0], Reduction.None),
        ["nll_single_sample"] = (x, i) => Loss.NegativeLogLikelihood(x[0], i[0]),

        ["bce_logits_mean"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1]),
        ["bce_logits_sum"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.Sum),
        ["bce_logits_none"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.None),
        ["bce_logits_hard_targets"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1]),
        ["bce_logits_pos_weight"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], positiveWeight: x[2].Detach()),
        ["bce_logits_weight_pos_weight_none"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.None, positiveWeight: x[3].Detach(), weight: x[2].Detach()),
        ["bce_logits_1e3"] = (x, _) => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.None),

        ["hinge_mean"] = (x, _) => Loss.Hinge(x[0], x[1]),
        ["hinge_sum"] = (x, _) => Loss.Hinge(x[0], x[1], Reduction.Sum),
        ["hinge_none"] = (x, _) => Loss.Hinge(x[0], x[1], Reduction.None),
        ["hinge_margin_half"] = (x, _) => Loss.Hinge(x[0], x[1], margin: 0.5),

        ["kl_div_mean"] = (x, _) => Loss.KLDivergence(x[0], x[1]),
        ["kl_div_sum"] = (x, _) => Loss.KLDivergence(x[0], x[1], Reduction.Sum),
        ["kl_div_none"] = (x, _) => Loss.KLDivergence(x[0], x[1], Reduction.None),
        ["kl_div_batchmean"] = (x, _) => Loss.KLDivergence(x[0], x[1], batchMean: true),
        ["kl_div_log_target"] = (x, _) => Loss.KLDivergence(x[0], x[1], Reduction.Sum, logTarget: true),
        ["kl_div_log_target_batchmean"] = (x, _) => Loss.KLDivergence(x[0], x[1], logTarget: true, batchMean: true),
        ["kl_div_zero_target"] = (x, _) => Loss.KLDivergence(x[0], x[1].Detach(), Reduction.None),
    };

}
