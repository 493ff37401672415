using AutoGrad;

namespace AutoGrad.Tests.Minimization;

/// <summary>Full-batch, stochastic and mini-batch gradient descent on linear regression, whose least-squares solution is known.</summary>
public class MinimizeOverDataTests
{
    /// <summary>One observation y ≈ 1.5·x1 − 2·x2 + 0.5 + noise.</summary>
    public readonly record struct Sample(double X1, double X2, double Y);

    private static readonly Sample[] s_data = MakeData(40, noise: 0.1);

    private static Sample[] MakeData(int count, double noise)
    {
        var random = new Random(7);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var x1 = (2 * random.NextDouble()) - 1;
            var x2 = (2 * random.NextDouble()) - 1;
            return new Sample(x1, x2, (1.5 * x1) - (2 * x2) + 0.5 + (noise * ((2 * random.NextDouble()) - 1)));
        }).ToArray();
    }

    /// <summary>Mean squared error of y ≈ w0·x1 + w1·x2 + w2 over a batch.</summary>
    private static Variable<double> BatchLoss(IReadOnlyList<Sample> batch, Variable<double> w)
    {
        var x = new double[batch.Count * 3];
        var y = new double[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            (x[3 * i], x[(3 * i) + 1], x[(3 * i) + 2], y[i]) = (batch[i].X1, batch[i].X2, 1, batch[i].Y);
        }

        var residual = Variable.Constant(x, [batch.Count, 3]).MatMul(w) - Variable.Constant(y);
        return residual.Square().Mean();
    }

    /// <summary>The least-squares solution, from the normal equations XᵀX w = Xᵀy (Gaussian elimination with pivoting).</summary>
    private static double[] LeastSquares(IReadOnlyList<Sample> data)
    {
        var a = new double[3, 4];
        foreach (var s in data)
        {
            double[] row = [s.X1, s.X2, 1];
            for (var i = 0; i < 3; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    a[i, j] += row[i] * row[j];
                }

                a[i, 3] += row[i] * s.Y;
            }
        }

        for (var c = 0; c < 3; c++)
        {
            var pivot = Enumerable.Range(c, 3 - c).MaxBy(r => Math.Abs(a[r, c]));
            for (var j = 0; j < 4; j++)
            {
                (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            }

            for (var r = 0; r < 3; r++)
            {
                if (r != c)
                {
                    var f = a[r, c] / a[c, c];
                    for (var j = 0; j < 4; j++)
                    {
                        a[r, j] -= f * a[c, j];
                    }
                }
            }
        }

        return [a[0, 3] / a[0, 0], a[1, 3] / a[1, 1], a[2, 3] / a[2, 2]];
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"w[{i}] = {actual[i]}, least squares {expected[i]} (tolerance {tolerance})");
        }
    }

    [Fact]
    public void Full_batch_gradient_descent_reaches_the_least_squares_solution()
    {
        var w = Variable.Parameter(new double[3]);
        var result = Minimize.OverData(s_data, b => BatchLoss(b, w), [w])
            .With(new SGD(learningRate: 0.5))
            .Until(gradientNorm: 1e-12)
            .Epochs(10_000)
            .Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.Equal(result.Iterations, result.Epochs);   // one full batch per epoch
        AssertClose(LeastSquares(s_data), result.Minimizer, 1e-10);
        Assert.Equal(BatchLoss(s_data, Variable.Constant(result.Minimizer)).ToScalar(), result.Value, 1e-15);
    }

    [Fact]
    public void Full_batch_over_data_is_the_same_run_as_the_whole_loss_over_parameters()
    {
        var w1 = Variable.Parameter(new double[3]);
        var data = Minimize.OverData(s_data, b => BatchLoss(b, w1), [w1]).With(new SGD(learningRate: 0.3, momentum: 0.5)).Epochs(20).Run();
        var w2 = Variable.Parameter(new double[3]);
        var whole = Minimize.Parameters([w2], () => BatchLoss(s_data, w2)).With(new SGD(learningRate: 0.3, momentum: 0.5)).Until(maxIterations: 20).Run();

        Assert.Equal(StopReason.MaxEpochs, data.StopReason);
        Assert.Equal(whole.Minimizer, data.Minimizer);
        Assert.Equal(whole.History.Select(h => h.Loss), data.History.Select(h => h.Loss));
        Assert.Equal(Enumerable.Range(1, 20), data.History.Select(h => h.Epoch));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void Stochastic_and_mini_batch_gradient_descent_approach_the_least_squares_solution_with_a_decaying_rate(int batchSize)
    {
        // Constant-rate SGD hovers around the solution at a distance set by the rate; halving the rate every
        // 20 epochs (a step schedule) shrinks the hovering until the iterates settle near it.
        var w = Variable.Parameter(new double[3]);
        var result = Minimize.OverData(s_data, b => BatchLoss(b, w), [w])
            .BatchSize(batchSize)
            .Shuffle(seed: 3)
            .With(new SGD(learningRate: 0.2))
            .WithSchedule(c => c.Optimizer.ParameterGroups[0].LearningRate *= c.Epoch % 20 == 0 ? 0.5 : 1, ScheduleInterval.Epoch)
            .Epochs(150)
            .Run();

        Assert.Equal(StopReason.MaxEpochs, result.StopReason);
        Assert.Equal(150, result.Epochs);
        Assert.Equal(150 * ((40 + batchSize - 1) / batchSize), result.Iterations);
        AssertClose(LeastSquares(s_data), result.Minimizer, 1e-4);
    }

    [Fact]
    public void Constant_rate_stochastic_gradient_descent_hovers_near_the_solution_but_not_on_it()
    {
        var w = Variable.Parameter(new double[3]);
        var result = Minimize.OverData(s_data, b => BatchLoss(b, w), [w]).BatchSize(1).Shuffle(seed: 3).With(new SGD(learningRate: 0.1)).Epochs(100).Run();
        var exact = LeastSquares(s_data);
        AssertClose(exact, result.Minimizer, 0.05);
        Assert.True(exact.Zip(result.Minimizer).Max(p => Math.Abs(p.First - p.Second)) > 1e-4);
    }

    [Fact]
    public void Batches_cover_the_data_in_order_with_a_short_last_batch()
    {
        var seen = new List<double[]>();
        var data = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();
        var w = Variable.Parameter(new[] { 0.0 });
        var result = Minimize.OverData(data, b =>
            {
                seen.Add(b.ToArray());
                return (w - Variable.Constant(b.ToArray())).Square().Mean();
            },
            [w])
            .BatchSize(4)
            .With(new SGD(learningRate: 0.1))
            .Epochs(2)
            .Run();

        Assert.Equal(6, result.Iterations);
        Assert.Equal(2, result.Epochs);
        double[][] expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]];
        Assert.Equal(expected, seen.Take(6));
        Assert.Equal(data, seen[6]);   // the final evaluation sees the whole dataset
        Assert.Equal(new[] { 1, 1, 1, 2, 2, 2 }, result.History.Select(h => h.Epoch));
    }

    [Fact]
    public void Seeded_shuffling_visits_every_sample_once_per_epoch_and_is_reproducible()
    {
        List<int[]> Batches(int seed, out MinimizationResult<double> result)
        {
            var seen = new List<int[]>();
            var data = Enumerable.Range(0, 12).ToArray();
            var w = Variable.Parameter(new[] { 0.0 });
            result = Minimize.OverData(data, b =>
                {
                    seen.Add(b.ToArray());
                    return (w - Variable.Constant(b.Select(i => (double)i).ToArray())).Square().Mean();
                },
                [w])
                .BatchSize(5)
                .Shuffle(seed)
                .With(new SGD(learningRate: 0.1))
                .Epochs(3)
                .Run();
            return seen.Take(9).ToList();
        }

        var first = Batches(42, out var r1);
        var again = Batches(42, out var r2);
        var other = Batches(43, out _);

        Assert.Equal(first, again);
        Assert.Equal(r1.History.Select(h => h.Loss), r2.History.Select(h => h.Loss));
        Assert.Equal(r1.Minimizer, r2.Minimizer);
        Assert.NotEqual(first, other);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var batches = first.Skip(3 * epoch).Take(3).ToList();
            Assert.Equal(new[] { 5, 5, 2 }, batches.Select(b => b.Length));
            Assert.Equal(Enumerable.Range(0, 12), batches.SelectMany(b => b).Order());
        }

        Assert.NotEqual(first[0], first[3]);   // reshuffled between epochs
        Assert.NotEqual(Enumerable.Range(0, 5), first[0]);
    }

    [Fact]
    public void Epoch_history_holds_each_epochs_mean_loss_and_the_schedule_can_run_per_epoch()
    {
        var contexts = new List<ScheduleContext>();
        var w = Variable.Parameter(new double[3]);
        var result = Minimize.OverData(s_data, b => BatchLoss(b, w), [w])
            .BatchSize(16)
            .With(new SGD(learningRate: 0.1))
            .WithSchedule(contexts.Add, ScheduleInterval.Epoch)
            .Epochs(4)
            .Run();

        Assert.Equal(12, result.Iterations);
        Assert.Equal(4, result.EpochHistory.Count);
        for (var e = 0; e < 4; e++)
        {
            var epoch = result.EpochHistory[e];
            Assert.Equal(e + 1, epoch.Epoch);
            Assert.Equal(3 * (e + 1), epoch.LastIteration);
            Assert.Equal(result.History.Skip(3 * e).Take(3).Average(h => h.Loss), epoch.MeanLoss, 1e-15);
            Assert.Equal(result.History[(3 * e) + 2].Elapsed, epoch.Elapsed);
            Assert.Equal(new[] { 0.1 }, epoch.LearningRates);
            Assert.Equal(epoch.LastIteration, contexts[e].Iteration);
            Assert.Equal(epoch.Epoch, contexts[e].Epoch);
            Assert.Equal(epoch.MeanLoss, contexts[e].Loss);
        }
    }

    [Fact]
    public void Loss_change_rules_compare_epoch_means_over_data()
    {
        var w = Variable.Parameter(new double[3]);
        var result = Minimize.OverData(s_data, b => BatchLoss(b, w), [w])
            .BatchSize(10)
            .With(new SGD(learningRate: 0.05))
            .Until(relativeLossChange: 1e-3, lossChangeWindow: 2)
            .Epochs(1000)
            .Run();

        Assert.Equal(StopReason.RelativeLossChange, result.StopReason);
        Assert.Contains("epoch mean loss", result.StopDetail, StringComparison.Ordinal);
        Assert.Contains("over the last 2 epochs", result.StopDetail, StringComparison.Ordinal);
        Assert.Equal(0, result.Iterations % 4);
        var means = result.EpochHistory.Select(e => e.MeanLoss).ToArray();
        Assert.True(means[^3..].Max() - means[^3..].Min() <= 1e-3 * means[^3..].Max());
    }

    [Fact]
    public void A_run_over_data_stops_after_one_epoch_unless_told_otherwise()
    {
        var w = Variable.Parameter(new double[3]);
        var one = Minimize.OverData(s_data, b => BatchLoss(b, w), [w]).BatchSize(10).With(new SGD(learningRate: 0.1)).Run();
        Assert.Equal(StopReason.MaxEpochs, one.StopReason);
        Assert.Equal(4, one.Iterations);

        var v = Variable.Parameter(new double[3]);
        var limited = Minimize.OverData(s_data, b => BatchLoss(b, v), [v]).BatchSize(10).With(new SGD(learningRate: 0.1)).Until(maxIterations: 10).Run();
        Assert.Equal(StopReason.MaxIterations, limited.StopReason);
        Assert.Equal(10, limited.Iterations);
        Assert.Equal(2, limited.Epochs);
        Assert.Equal(3, limited.History[^1].Epoch);
    }

    [Fact]
    public void Float_data_runs_work_in_float()
    {
        var w = Variable.Parameter(new float[3]);
        var result = Minimize.OverData(
                s_data,
                b => (Variable.Constant(b.SelectMany(s => new[] { (float)s.X1, (float)s.X2, 1f }).ToArray(), [b.Count, 3]).MatMul(w) - Variable.Constant(b.Select(s => (float)s.Y).ToArray())).Square().Mean(),
                [w])
            .With(new SGD(learningRate: 0.5f))
            .Until(gradientNorm: 1e-5)
            .Epochs(5000)
            .Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        var exact = LeastSquares(s_data);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(exact[i], result.Minimizer[i], 1e-4);
        }
    }

    [Fact]
    public void Data_arguments_are_validated_with_clear_messages()
    {
        var w = Variable.Parameter(new double[3]);
        Assert.Throws<ArgumentNullException>(() => Minimize.OverData<Sample>(null!, b => BatchLoss(b, w), [w]));
        Assert.Throws<ArgumentNullException>(() => Minimize.OverData(s_data, (Func<IReadOnlyList<Sample>, Variable<double>>)null!, [w]));
        Assert.Contains("dataset is empty", Assert.Throws<ArgumentException>(() => Minimize.OverData(Array.Empty<Sample>(), b => BatchLoss(b, w), [w])).Message, StringComparison.Ordinal);
        Assert.Contains("Minimize.OverData: parameter 0", Assert.Throws<ArgumentException>(() => Minimize.OverData(s_data, b => BatchLoss(b, w), [Variable.Constant(1.0)])).Message, StringComparison.Ordinal);

        var builder = Minimize.OverData(s_data, b => BatchLoss(b, w), [w]);
        Assert.Contains("batch size must be ≥ 1 (1 for stochastic, 40 for full-batch", Assert.Throws<ArgumentOutOfRangeException>(() => builder.BatchSize(0)).Message, StringComparison.Ordinal);
        Assert.Contains("number of epochs must be ≥ 1; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => builder.Epochs(0)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.WithSchedule(_ => { }, (ScheduleInterval)7));

        // A batch size above the count means full batches.
        var full = builder.BatchSize(1000).With(new SGD(learningRate: 0.1)).Epochs(3).Run();
        Assert.Equal(3, full.Iterations);
    }
}
