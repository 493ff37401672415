using AutoGrad;

namespace AutoGrad.Tests.Nn;

/// <summary>
/// The fused cross entropy ([N, C] logits, class targets, no weights or smoothing): its single-pass backward agrees
/// with its recorded (createGraph) rule and with the general composite path, and both match finite differences.
/// </summary>
public class FusedCrossEntropyTests
{
    private static readonly int[] s_targets = [2, 0, -100, 4, 1, 4, 3];

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void The_raw_backward_agrees_with_the_recorded_rule(Reduction reduction)
    {
        var logits = Logits(seed: 1);
        var raw = Gradient(logits, reduction, createGraph: false);
        var recorded = Gradient(logits, reduction, createGraph: true);
        for (var i = 0; i < raw.Length; i++)
        {
            Assert.Equal(recorded[i], raw[i], 1e-15);
        }

        // The ignored row (index 2) gets exactly zero.
        Assert.All(raw.AsSpan(2 * 5, 5).ToArray(), g => Assert.Equal(0.0, g));
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void The_fused_loss_and_gradient_agree_with_the_general_composite_path(Reduction reduction)
    {
        var values = Logits(seed: 2).ToArray();
        var fused = Variable.Parameter(values, [7, 5]);
        var fusedLoss = Loss.CrossEntropy(fused, new Indices(s_targets), reduction);
        fusedLoss.Backward();

        // LogSoftmax then NegativeLogLikelihood is the general path (the fused op is an optimization of it).
        var general = Variable.Parameter(values, [7, 5]);
        var generalLoss = Loss.NegativeLogLikelihood(general.LogSoftmax(1), new Indices(s_targets), reduction);
        generalLoss.Backward();

        Assert.Equal(generalLoss.ToScalar(), fusedLoss.ToScalar(), 1e-14);
        var expected = general.Grad!.ToArray();
        var actual = fused.Grad!.ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-15);
        }
    }

    [Fact]
    public void First_and_second_derivatives_match_finite_differences()
    {
        var report = GradCheck.Run(
            x => Loss.CrossEntropy(x[0], new Indices(s_targets)),
            [Logits(seed: 3)],
            new GradCheckOptions { CheckSecondOrder = true });
        report.ThrowIfFailed();
    }

    [Fact]
    public void Large_logits_stay_finite_and_an_all_ignored_batch_gives_NaN_with_zero_gradient()
    {
        var big = Variable.Parameter([1e4, -1e4, 3e3, 0.0, 5e3, -2e3], [2, 3]);
        var loss = Loss.CrossEntropy(big, new Indices([1, 2]));
        loss.Backward();
        Assert.Equal((2e4 + 2e3 + 5e3) / 2, loss.ToScalar(), 1e-9);
        Assert.All(big.Grad!.ToArray(), g => Assert.True(double.IsFinite(g)));

        var none = Variable.Parameter([1.0, 2.0, 3.0, 4.0], [2, 2]);
        var empty = Loss.CrossEntropy(none, new Indices([-100, -100]));
        Assert.True(double.IsNaN(empty.ToScalar()));
        empty.Backward();
        Assert.Equal([0.0, 0.0, 0.0, 0.0], none.Grad!.ToArray());
    }

    private static Variable<double> Logits(int seed)
    {
        var random = new Random(seed);
        return Variable.Parameter(Enumerable.Range(0, 35).Select(_ => (random.NextDouble() * 6) - 3).ToArray(), [7, 5]);
    }

    private static double[] Gradient(Variable<double> logits, Reduction reduction, bool createGraph)
    {
        var x = Variable.Parameter(logits.ToArray(), logits.Shape);
        Loss.CrossEntropy(x, new Indices(s_targets), reduction).Backward(createGraph: createGraph);
        return x.Grad!.ToArray();
    }
}
