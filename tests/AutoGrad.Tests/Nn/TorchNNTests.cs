using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Nn;

/// <summary>The NN ops against PyTorch (Fixtures/generate_nn.py → nn.json), 1e-9 relative in double.</summary>
public class TorchNNTests : TorchFixtureTests<TorchNNTests>, ITorchFixture
{
    public static string File => "nn.json";

    public static IReadOnlyDictionary<string, Func<Variable<double>[], Indices[], Variable<double>>> Ops { get; } = new Dictionary<string, Func<Variable<double>[], Indices[], Variable<double>>>
    {
        ["conv2d_basic"] = (x, _) => NN.Conv2d(x[0], x[1], x[2]),
        ["conv2d_no_bias"] = (x, _) => NN.Conv2d(x[0], x[1]),
        ["conv2d_stride"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], stride: 2),
        ["conv2d_padding"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], padding: 1),
        ["conv2d_dilation"] = (x, _) => NN.Conv2d(x[0], x[1], dilation: 2),
        ["conv2d_all_options"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], stride: (2, 1), padding: (1, 2), dilation: (2, 1)),
        ["conv2d_groups"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], padding: 1, groups: 2),
        ["conv2d_depthwise"] = (x, _) => NN.Conv2d(x[0], x[1], stride: 2, groups: 3),
        ["conv2d_groups_all_options"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], stride: (1, 2), padding: (2, 1), dilation: (1, 2), groups: 2),
        ["conv2d_1x1"] = (x, _) => NN.Conv2d(x[0], x[1], x[2]),
        ["conv2d_1x1_stride"] = (x, _) => NN.Conv2d(x[0], x[1], stride: 2),
        ["conv2d_batch_1"] = (x, _) => NN.Conv2d(x[0], x[1], x[2]),
        ["conv2d_empty_batch"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], padding: 1),
        ["conv2d_unbatched"] = (x, _) => NN.Conv2d(x[0], x[1], x[2], padding: 1),
        ["conv2d_kernel_fills_input"] = (x, _) => NN.Conv2d(x[0], x[1], x[2]),

        ["conv1d_basic"] = (x, _) => NN.Conv1d(x[0], x[1], x[2]),
        ["conv1d_all_options"] = (x, _) => NN.Conv1d(x[0], x[1], x[2], stride: 2, padding: 2, dilation: 2, groups: 2),
        ["conv1d_1x1"] = (x, _) => NN.Conv1d(x[0], x[1]),
        ["conv1d_batch_1"] = (x, _) => NN.Conv1d(x[0], x[1], padding: 1),
        ["conv1d_empty_batch"] = (x, _) => NN.Conv1d(x[0], x[1], x[2]),
        ["conv1d_unbatched"] = (x, _) => NN.Conv1d(x[0], x[1], x[2], stride: 2),

        ["max_pool2d_basic"] = (x, _) => NN.MaxPool2d(x[0], 2),
        ["max_pool2d_stride_padding"] = (x, _) => NN.MaxPool2d(x[0], 3, stride: 2, padding: 1),
        ["max_pool2d_overlapping"] = (x, _) => NN.MaxPool2d(x[0], 3, stride: 1),
        ["max_pool2d_dilation"] = (x, _) => NN.MaxPool2d(x[0], 2, stride: 1, dilation: 2),
        ["max_pool2d_rect"] = (x, _) => NN.MaxPool2d(x[0], (2, 3), stride: (1, 2), padding: (1, 1)),
        ["max_pool2d_ties"] = (x, _) => NN.MaxPool2d(x[0], 2, stride: 1, padding: 1),
        ["max_pool2d_negative_padding_ties"] = (x, _) => NN.MaxPool2d(x[0], 3, stride: 2, padding: 1),
        ["max_pool2d_unbatched"] = (x, _) => NN.MaxPool2d(x[0], 2, stride: 1),
        ["max_pool2d_empty_batch"] = (x, _) => NN.MaxPool2d(x[0], 2),

        ["avg_pool2d_basic"] = (x, _) => NN.AvgPool2d(x[0], 2),
        ["avg_pool2d_padding_include"] = (x, _) => NN.AvgPool2d(x[0], 3, stride: 2, padding: 1),
        ["avg_pool2d_padding_exclude"] = (x, _) => NN.AvgPool2d(x[0], 3, stride: 2, padding: 1, countIncludePad: false),
        ["avg_pool2d_rect"] = (x, _) => NN.AvgPool2d(x[0], (2, 3), stride: (1, 2), padding: (1, 1), countIncludePad: false),
        ["avg_pool2d_unbatched"] = (x, _) => NN.AvgPool2d(x[0], 2, stride: 1),

        ["layer_norm_last"] = (x, _) => NN.LayerNorm(x[0], [5]),
        ["layer_norm_affine"] = (x, _) => NN.LayerNorm(x[0], [3, 4], x[1], x[2]),
        ["layer_norm_weight_only"] = (x, _) => NN.LayerNorm(x[0], [4], x[1], eps: 1e-3),
        ["layer_norm_large_magnitude"] = (x, _) => NN.LayerNorm(x[0], [6], x[1], x[2]),
        ["layer_norm_offset"] = (x, _) => NN.LayerNorm(x[0], [8]),

        ["batch_norm_train_4d"] = (x, _) => NN.BatchNorm(x[0], Buffer(x[1]), Buffer(x[2]), x[3], x[4], training: true),
        ["batch_norm_train_3d"] = (x, _) => NN.BatchNorm(x[0], Buffer(x[1]), Buffer(x[2]), x[3], x[4], training: true, momentum: 0.3, eps: 1e-3),
        ["batch_norm_train_2d_no_stats"] = (x, _) => NN.BatchNorm(x[0], null, null, training: true),
        ["batch_norm_train_large_magnitude"] = (x, _) => NN.BatchNorm(x[0], Buffer(x[1]), Buffer(x[2]), x[3], x[4], training: true),
        ["batch_norm_eval"] = (x, _) => NN.BatchNorm(x[0], Buffer(x[1]), Buffer(x[2]), x[3], x[4]),
        ["batch_norm_eval_no_affine"] = (x, _) => NN.BatchNorm(x[0], Buffer(x[1]), Buffer(x[2])),
        ["batch_norm_running_stats"] = (x, _) => RunningStatisticsAfterTwoSteps(x[0], x[1], x[2], x[3]),

        ["dropout_eval"] = (x, _) => NN.Dropout(x[0], 0.5, training: false, seed: 1),
        ["dropout_p0_training"] = (x, _) => NN.Dropout(x[0], 0.0, training: true, seed: 1),
    };


    /// <summary>
    /// The running buffers after two training steps (momentum 0.2) equal PyTorch's, including the unbiased-variance update;
    /// the fixture records them as the case's output.
    /// </summary>
    [Fact]
    public void BatchNorm_running_statistics_match_PyTorch_after_two_training_steps()
    {
        var c = TorchFixture.Load(File).Single(c => c.Name == "batch_norm_running_stats");
        var stats = RunningStatisticsAfterTwoSteps(c.Inputs[0], c.Inputs[1], c.Inputs[2], c.Inputs[3]);
        TorchFixture.AssertClose(c.Output, stats.Values, 1e-9, 1e-12, "running mean and variance");
        Assert.NotEqual(c.Inputs[2].Values.ToArray(), stats.Values[..2].ToArray());
    }

    /// <summary>A running statistic is a buffer: a constant copy of the recorded values.</summary>
    private static Variable<double> Buffer(Variable<double> recorded) => Variable.Constant(recorded.ToArray(), recorded.Shape);

    private static Variable<double> RunningStatisticsAfterTwoSteps(Variable<double> x1, Variable<double> x2, Variable<double> mean, Variable<double> variance)
    {
        var runningMean = Buffer(mean);
        var runningVar = Buffer(variance);
        NN.BatchNorm(x1, runningMean, runningVar, training: true, momentum: 0.2);
        NN.BatchNorm(x2, runningMean, runningVar, training: true, momentum: 0.2);
        return Variable.Constant([.. runningMean.Values, .. runningVar.Values]);
    }
}
