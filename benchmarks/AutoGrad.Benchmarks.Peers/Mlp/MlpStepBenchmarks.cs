using System.Numerics;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AutoGrad.Benchmarks.Peers.Mlp;

/// <summary>
/// One training step of a 784-256-256-10 multilayer perceptron (ReLU after the two hidden layers, softmax cross
/// entropy over 10 classes, Adam with learning rate 1e-3): forward, loss, backward, optimizer step, zero grad.
/// The batch is fixed and seeded; both libraries start from the same weights.
/// </summary>
/// <remarks>
/// AutoGrad computes each layer as <c>x.MatMul(W) + b</c> with W of shape [in, out]; TorchSharp uses its idiomatic
/// <c>nn.Sequential</c> of <c>nn.Linear</c> (weight [out, in], one <c>addmm</c> per layer) and frees each step's
/// temporaries with a dispose scope. TorchSharp runs on two threads.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
[MemoryDiagnoser]
public class MlpStepBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int[] s_widths = [784, 256, 256, 10];
    private const int Classes = 10;
    private const double LearningRate = 1e-3;

    private Variable<T>[] _weights = [];
    private Variable<T>[] _biases = [];
    private Variable<T> _x = null!;
    private Indices _targets = null!;
    private Adam _adam = null!;

    private Sequential _model = null!;
    private Tensor _tx = null!;
    private Tensor _ty = null!;
    private optim.Optimizer _torchAdam = null!;

    /// <summary>The batch size.</summary>
    [Params(32, 128)]
    public int Batch { get; set; }

    /// <summary>
    /// Builds both models from the same seeded weights (uniform in ±1/√fan-in, PyTorch's default range) and the
    /// same seeded batch, then checks that the two libraries agree on the loss before and after one step.
    /// </summary>
    /// <exception cref="InvalidOperationException">The losses disagree.</exception>
    [GlobalSetup]
    public void Setup()
    {
        Torch.Initialize();
        var layers = s_widths.Length - 1;
        _weights = new Variable<T>[layers];
        _biases = new Variable<T>[layers];
        var torchLayers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var l = 0; l < layers; l++)
        {
            int fanIn = s_widths[l], fanOut = s_widths[l + 1];
            var bound = T.CreateChecked(1.0 / Math.Sqrt(fanIn));
            _weights[l] = Variable.Uniform([fanIn, fanOut], -bound, bound, seed: 10 + l, requiresGrad: true);
            _biases[l] = Variable.Uniform([fanOut], -bound, bound, seed: 20 + l, requiresGrad: true);

            var linear = nn.Linear(fanIn, fanOut, hasBias: true, dtype: Torch.DType<T>());
            using (no_grad())
            {
                using var w = Torch.FromArray(_weights[l].ToArray(), [fanIn, fanOut]);
                using var wt = w.t();
                linear.weight!.copy_(wt);
                using var b = Torch.FromArray(_biases[l].ToArray(), [fanOut]);
                linear.bias!.copy_(b);
            }

            torchLayers.Add(($"linear{l}", linear));
            if (l < layers - 1)
            {
                torchLayers.Add(($"relu{l}", nn.ReLU()));
            }
        }

        _model = nn.Sequential(torchLayers);
        _torchAdam = optim.Adam(_model.parameters(), lr: LearningRate);
        _adam = new Adam([.. _weights, .. _biases], learningRate: LearningRate);

        _x = Variable.Normal([Batch, s_widths[0]], T.Zero, T.One, seed: 30);
        var random = new Random(31);
        var targets = Enumerable.Range(0, Batch).Select(_ => random.Next(Classes)).ToArray();
        _targets = new Indices(targets);
        _tx = Torch.FromArray(_x.ToArray(), [Batch, s_widths[0]]);
        _ty = torch.tensor(targets.Select(t => (long)t).ToArray(), [Batch]);

        Verify();
    }

    /// <summary>Releases the TorchSharp model, optimizer and tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _tx.Dispose();
        _ty.Dispose();
        _torchAdam.Dispose();
        _model.Dispose();
    }

    /// <summary>One training step with AutoGrad.</summary>
    /// <returns>The step's loss.</returns>
    [Benchmark]
    public T AutoGrad()
    {
        var loss = AutoGradLoss();
        loss.Backward();
        _adam.Step();
        _adam.ZeroGrad();
        return loss.ToScalar();
    }

    /// <summary>
    /// One training step with AutoGrad inside a recycling step scope, the counterpart of TorchSharp's dispose scope: the
    /// step's intermediates, their buffers and nodes come from per-thread pools.
    /// </summary>
    /// <returns>The step's loss.</returns>
    [Benchmark]
    public T AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        var loss = AutoGradLoss();
        loss.Backward();
        _adam.Step();
        _adam.ZeroGrad();
        return loss.ToScalar();
    }

    /// <summary>One training step with TorchSharp (two threads).</summary>
    /// <returns>The loss tensor's number of elements (reading the loss back is not part of the step).</returns>
    [Benchmark(Baseline = true)]
    public long TorchSharp()
    {
        using var scope = NewDisposeScope();
        var loss = nn.functional.cross_entropy(_model.forward(_tx), _ty);
        loss.backward();
        _torchAdam.step();
        _torchAdam.zero_grad();
        return loss.numel();
    }

    private Variable<T> AutoGradLoss()
    {
        var h = _x;
        for (var l = 0; l < _weights.Length; l++)
        {
            h = h.MatMul(_weights[l]) + _biases[l];
            if (l < _weights.Length - 1)
            {
                h = h.Relu();
            }
        }

        return Loss.CrossEntropy(h, _targets);
    }

    private void Verify()
    {
        var tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-10;
        for (var step = 0; step < 2; step++)
        {
            double torchLoss;
            using (var scope = NewDisposeScope())
            {
                var loss = nn.functional.cross_entropy(_model.forward(_tx), _ty);
                torchLoss = loss.to_type(ScalarType.Float64).item<double>();
                loss.backward();
                _torchAdam.step();
                _torchAdam.zero_grad();
            }

            var ours = AutoGradLoss();
            Torch.CheckClose($"MLP {typeof(T).Name} batch {Batch}: loss at step {step}", [ours.ToScalar()], [torchLoss], tolerance);
            ours.Backward();
            _adam.Step();
            _adam.ZeroGrad();
        }
    }
}
