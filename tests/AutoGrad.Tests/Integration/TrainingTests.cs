using AutoGrad;

namespace AutoGrad.Tests.Integration;

/// <summary>The pieces together: a small network trained end to end with the ops, a loss and an optimizer.</summary>
public class TrainingTests
{
    [Fact]
    public void A_two_layer_network_learns_XOR_with_cross_entropy_and_SGD()
    {
        var inputs = Variable.Constant(new[] { 0.0, 0, 0, 1, 1, 0, 1, 1 }, [4, 2]);
        var targets = new Indices([0, 1, 1, 0]);
        var w1 = Variable.Normal([2, 8], 0.0, 1.0, seed: 3, requiresGrad: true);
        var b1 = Variable.Zeros<double>([8], requiresGrad: true);
        var w2 = Variable.Normal([8, 2], 0.0, 1.0, seed: 4, requiresGrad: true);
        var b2 = Variable.Zeros<double>([2], requiresGrad: true);
        var optimizer = new SGD([w1, b1, w2, b2], learningRate: 0.5, momentum: 0.9);

        Variable<double> Logits() => (inputs.MatMul(w1) + b1).Tanh().MatMul(w2) + b2;

        var first = double.NaN;
        var last = double.NaN;
        for (var step = 0; step < 300; step++)
        {
            optimizer.ZeroGrad();
            var loss = Loss.CrossEntropy(Logits(), targets);
            loss.Backward();
            optimizer.Step();
            last = loss.ToScalar();
            if (step == 0)
            {
                first = last;
            }
        }

        Assert.True(last < 0.01 * first, $"loss went from {first} to {last}");
        using (Variable.NoGrad())
        {
            var predictions = Logits().ArgMax(1, keepDims: false).ToArray();
            Assert.Equal(targets.ToArray(), predictions);
        }
    }

    [Fact]
    public void A_convolution_and_pooling_pipeline_trains_on_float_data()
    {
        // Two 4×4 images: a bright left half versus a bright right half.
        var left = Enumerable.Range(0, 16).Select(i => i % 4 < 2 ? 1f : 0f);
        var right = Enumerable.Range(0, 16).Select(i => i % 4 < 2 ? 0f : 1f);
        var images = Variable.Constant(left.Concat(right).ToArray(), [2, 1, 4, 4]);
        var targets = new Indices([0, 1]);
        var kernel = Variable.Normal([2, 1, 3, 3], 0f, 0.5f, seed: 5, requiresGrad: true);
        var head = Variable.Normal([2, 2], 0f, 0.5f, seed: 6, requiresGrad: true);
        var optimizer = new SGD([kernel, head], learningRate: 0.2, momentum: 0.9);

        Variable<float> Logits()
        {
            // No padding: with zero padding both images would contain a dark-to-bright edge (one at the border).
            var features = NN.MaxPool2d(NN.Conv2d(images, kernel).Relu(), 2);   // [2, 2, 1, 1]
            return features.Reshape(2, 2).MatMul(head);
        }

        for (var step = 0; step < 100; step++)
        {
            optimizer.ZeroGrad();
            var loss = Loss.CrossEntropy(Logits(), targets);
            loss.Backward();
            optimizer.Step();
        }

        using (Variable.NoGrad())
        {
            Assert.Equal(targets.ToArray(), Logits().ArgMax(1).ToArray());
            Assert.True(Loss.CrossEntropy(Logits(), targets).ToScalar() < 0.1f);
        }
    }
}
