using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Optim;

/// <summary>SGD against PyTorch trajectories (Fixtures/generate_optim_sgd.py → optim_sgd.json).</summary>
public class SgdTests
{
    private const string File = "optim_sgd.json";

    private static readonly Dictionary<string, Func<IEnumerable<IVariable>, Optimizer>> s_optimizers = new()
    {
        ["sgd_rosenbrock"] = p => new SGD(p, learningRate: 1e-4),
        ["sgd_momentum_rosenbrock"] = p => new SGD(p, learningRate: 1e-4, momentum: 0.9),
        ["sgd_dampening_rosenbrock"] = p => new SGD(p, learningRate: 1e-4, momentum: 0.9, dampening: 0.3),
        ["sgd_nesterov_rosenbrock"] = p => new SGD(p, learningRate: 1e-4, momentum: 0.8, nesterov: true),
        ["sgd_weight_decay_rosenbrock"] = p => new SGD(p, learningRate: 1e-4, momentum: 0.5, weightDecay: 0.1),
        ["sgd_least_squares"] = p => new SGD(p, learningRate: 0.05),
        ["sgd_momentum_least_squares"] = p => new SGD(p, learningRate: 0.05, momentum: 0.9),
        ["sgd_dampening_least_squares"] = p => new SGD(p, learningRate: 0.05, momentum: 0.9, dampening: 0.3),
        ["sgd_nesterov_least_squares"] = p => new SGD(p, learningRate: 0.05, momentum: 0.8, nesterov: true),
        ["sgd_weight_decay_least_squares"] = p => new SGD(p, learningRate: 0.05, momentum: 0.5, weightDecay: 0.1),
        ["sgd_maximize_least_squares"] = p => new SGD(p, learningRate: 0.01, maximize: true),
    };

    public static TheoryData<string> Names => OptimizerTrajectories.Names(File);

    [Theory]
    [MemberData(nameof(Names))]
    public void Trajectory_matches_PyTorch(string name) => OptimizerTrajectories.Check(File, name, s_optimizers[name]);

    [Fact]
    public void Every_run_has_an_optimizer() =>
        Assert.Equal(s_optimizers.Keys.Order(StringComparer.Ordinal), OptimizerTrajectories.Load(File).Select(r => r.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void Invalid_hyperparameters_are_rejected_with_the_name_and_range()
    {
        var lr = Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(learningRate: -1));
        Assert.Equal("LearningRate", lr.ParamName);
        Assert.Contains("≥ 0", lr.Message, StringComparison.Ordinal);
        Assert.Contains("Momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(momentum: double.NaN)).Message, StringComparison.Ordinal);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(nesterov: true)).Message, StringComparison.Ordinal);
    }
}
