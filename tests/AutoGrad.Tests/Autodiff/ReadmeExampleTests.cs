using AutoGrad;

namespace AutoGrad.Tests.Autodiff;

/// <summary>The README's example: Rosenbrock at (-1.2, 1), its gradient, and the first Hessian row.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Rosenbrock_value_and_gradient_match_the_hand_derived_formula()
    {
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var f = (1 - x[0]).Square() + 100 * (x[1] - x[0].Square()).Square();

        Assert.Equal(24.2, f.ToScalar(), 12);
        f.Backward();

        // ∂f/∂x0 = -2(1 - x0) - 400 x0 (x1 - x0²); ∂f/∂x1 = 200 (x1 - x0²).
        var g = x.Grad!.ToArray();
        Assert.Equal(-2 * (1 - -1.2) - 400 * -1.2 * (1.0 - 1.44), g[0], 10);
        Assert.Equal(200 * (1.0 - 1.44), g[1], 10);
        Assert.Equal(-215.6, g[0], 10);
        Assert.Equal(-88.0, g[1], 10);
    }

    [Fact]
    public void Gradient_of_the_gradient_gives_the_first_Hessian_row()
    {
        var y = Variable.Parameter(new[] { -1.2, 1.0 });
        var g = (1 - y[0]).Square() + 100 * (y[1] - y[0].Square()).Square();
        g.Backward(createGraph: true);
        var dy = y.Grad!;
        Assert.True(dy.RequiresGrad);

        y.ZeroGrad();
        dy[0].Backward();

        // ∂²f/∂x0² = 2 - 400 (x1 - 3 x0²); ∂²f/∂x0∂x1 = -400 x0.
        var h = y.Grad!.ToArray();
        Assert.Equal(2 - 400 * (1.0 - 3 * 1.44), h[0], 9);
        Assert.Equal(-400 * -1.2, h[1], 9);
        Assert.Equal(1330.0, h[0], 9);
        Assert.Equal(480.0, h[1], 9);
    }

    [Fact]
    public void Cross_entropy_snippet_runs_and_its_gradient_is_softmax_minus_smoothed_targets()
    {
        var logits = Variable.Normal([32, 10], 0.0, 1.0, seed: 1, requiresGrad: true);
        var targets = new Indices(Enumerable.Range(0, 32).Select(i => i % 10).ToArray());
        var loss = Loss.CrossEntropy(logits, targets, labelSmoothing: 0.1);
        loss.Backward();

        // ∂loss/∂logits = (softmax − ((1 − ε)·onehot + ε/C)) / N.
        var softmax = logits.Detach().Softmax(-1).ToArray();
        var g = logits.Grad!.ToArray();
        for (var i = 0; i < 32; i++)
        {
            for (var j = 0; j < 10; j++)
            {
                var target = (j == i % 10 ? 0.9 : 0.0) + 0.01;
                Assert.Equal((softmax[(i * 10) + j] - target) / 32, g[(i * 10) + j], 15);
            }
        }
    }

    [Fact]
    public void GradCheck_snippet_passes()
    {
        var report = GradCheck.Run(
            v => (v[0].Sin() * v[1]).Sum(),
            Variable.Constant(new[] { 0.1, 0.2 }),
            Variable.Constant(new[] { 3.0, 4.0 }));
        report.ThrowIfFailed();
        Assert.True(report.Passed);
        Assert.Equal(2, report.Inputs.Count);
    }

    [Fact]
    public void Optimizer_snippet_trains_a_linear_classifier()
    {
        // Three separable classes in 4-D: class k is centred on +2 along axis k.
        var rng = new Random(5);
        var n = 90;
        var data = new double[n * 4];
        var classes = new int[n];
        for (var i = 0; i < n; i++)
        {
            classes[i] = i % 3;
            for (var j = 0; j < 4; j++)
            {
                data[(i * 4) + j] = (j == classes[i] ? 2.0 : 0.0) + (0.3 * (rng.NextDouble() - 0.5));
            }
        }

        var x = Variable.Constant(data, [n, 4]);
        var labels = new Indices(classes);

        var w = Variable.Normal([4, 3], 0.0, 0.1, seed: 1, requiresGrad: true);
        var b = Variable.Zeros<double>([3], requiresGrad: true);
        var adam = new Adam([w, b], learningRate: 1e-2);
        var schedule = new CosineAnnealingLR(adam, tMax: 500);
        StepReport? report = null;
        for (var step = 0; step < 500; step++)
        {
            adam.ZeroGrad();
            var loss = Loss.CrossEntropy(x.MatMul(w) + b, labels);
            loss.Backward();
            GradientClipping.ClipByNorm(adam.Parameters, maxNorm: 1.0);
            report = adam.Step();
            schedule.Step();
        }

        Assert.Equal(500, report!.Step);
        Assert.Equal(labels.ToArray(), (x.MatMul(w) + b).ArgMax(1).ToArray());
        Assert.True(Loss.CrossEntropy(x.MatMul(w) + b, labels).ToScalar() < 0.1);
    }

    [Fact]
    public void ScalarTape_snippet_gives_the_hand_derived_gradient_and_minimizes_to_the_all_ones_point()
    {
        const int N = 10_000;
        var tape = new ScalarTape<double>();
        static double[] Start(int n) => Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        var start = Start(N);
        var x = Variable.Parameter(start);

        Variable<double> Rosenbrock(Variable<double> x)
        {
            tape.Reset();
            var xs = tape.Watch(x);
            Scalar<double> f = 0.0;
            for (var i = 0; i < xs.Length - 1; i++)
            {
                var a = xs[i + 1] - xs[i].Square();
                var b = 1.0 - xs[i];
                f += (100.0 * a.Square()) + b.Square();
            }

            return tape.ToVariable(f);
        }

        var loss = Rosenbrock(x);
        loss.Backward();

        // ∂f/∂xᵢ = −400 xᵢ (xᵢ₊₁ − xᵢ²) − 2 (1 − xᵢ) for i < n − 1, plus 200 (xᵢ − xᵢ₋₁²) for i > 0.
        var expectedValue = 0.0;
        var expected = new double[N];
        for (var i = 0; i < N - 1; i++)
        {
            var a = start[i + 1] - (start[i] * start[i]);
            var b = 1.0 - start[i];
            expectedValue += (100.0 * a * a) + (b * b);
            expected[i] += (-400.0 * start[i] * a) - (2.0 * b);
            expected[i + 1] += 200.0 * a;
        }

        Assert.Equal(expectedValue, loss.ToScalar(), expectedValue * 1e-13);
        var g = x.Grad!.ToArray();
        for (var i = 0; i < N; i++)
        {
            Assert.Equal(expected[i], g[i], Math.Max(1.0, Math.Abs(expected[i])) * 1e-12);
        }

        // The same function minimized in 100 variables (the tape adapts to any size).
        var result = Minimize.Function(Rosenbrock, start: Start(100)).With(new LBFGS()).Until(gradientNorm: 1e-8).Run();
        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.All(result.Minimizer, v => Assert.Equal(1.0, v, 1e-6));
    }
}
