using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Ops;

/// <summary>Core ops and MatMul against PyTorch (Fixtures/generate_core.py → core.json), 1e-9 relative in double.</summary>
public class TorchCoreTests : TorchFixtureTests<TorchCoreTests>, ITorchFixture
{
    public static string File => "core.json";

    public static IReadOnlyDictionary<string, Func<Variable<double>[], Indices[], Variable<double>>> Ops { get; } = new Dictionary<string, Func<Variable<double>[], Indices[], Variable<double>>>
    {
        ["matmul_1d_1d"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_2d_2d"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_1d_3d"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_3d_1d"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_batch_broadcast"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_2d_batched"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_size_one"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_empty_inner"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_empty_rows"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_empty_batch"] = (x, _) => x[0].MatMul(x[1]),
        ["matmul_empty_columns"] = (x, _) => x[0].MatMul(x[1]),
        ["permute"] = (x, _) => x[0].Permute(2, 0, 1),
        ["transpose"] = (x, _) => x[0].Transpose(-2, -1),
        ["broadcast_arithmetic"] = (x, _) => ((x[0] * x[1]) - (x[1] / (x[0].Abs() + 1))).Square(),
        ["pow_tensor"] = (x, _) => x[0].Pow(x[1]),
        ["logsumexp_axis"] = (x, _) => x[0].LogSumExp(1),
        ["mean_axis_keepdim"] = (x, _) => x[0].Mean(0, keepDims: true),
        ["gelu"] = (x, _) => x[0].Gelu(),
        ["softplus"] = (x, _) => x[0].Softplus(),
        ["elu"] = (x, _) => x[0].Elu(0.7),
        ["index_slices"] = (x, _) => x[0][1.., TensorIndex.Slice(.., step: 2)] * 3,
    };


    [Fact]
    public void MatMul_in_float_handles_size_one_and_empty_dimensions()
    {
        var a = Variable.Parameter(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, [1, 2, 3]);
        var b = Variable.Parameter(new[] { 1f, 0f, 0f, 1f, 1f, 1f }, [3, 2]);
        var c = a.MatMul(b);
        Assert.Equal(new Shape(1, 2, 2), c.Shape);
        Assert.Equal(new[] { 4f, 5f, 10f, 11f }, c.ToArray());
        c.Sum().Backward();
        Assert.Equal(new[] { 1f, 1f, 2f, 1f, 1f, 2f }, a.Grad!.ToArray());
        Assert.Equal(new[] { 5f, 5f, 7f, 7f, 9f, 9f }, b.Grad!.ToArray());

        var empty = Variable.Parameter(Array.Empty<float>(), [0, 3]).MatMul(b);
        Assert.Equal(new Shape(0, 2), empty.Shape);
        var emptyInner = Variable.Parameter(Array.Empty<float>(), [2, 0]).MatMul(Variable.Parameter(Array.Empty<float>(), [0, 4]));
        Assert.Equal(new float[8], emptyInner.ToArray());
    }
}
