using AutoGrad;

namespace AutoGrad.Tests.Optim;

/// <summary>What every optimizer inherits: groups, reports, skipping non-finite steps, save/load, argument checks.</summary>
public class OptimizerBaseTests
{
    [Fact]
    public void Groups_have_their_own_hyperparameters()
    {
        var a = Variable.Parameter(new[] { 1.0, 2.0 });
        var b = Variable.Parameter(new[] { 3.0 });
        var sgd = new SGD([a], learningRate: 0.1);
        sgd.AddParameterGroup([b], o => o with { LearningRate = 0.01 });
        (a.Square().Sum() + b.Square().Sum()).Backward();
        var report = sgd.Step();

        Assert.Equal(new[] { 1 - (0.1 * 2), 2 - (0.1 * 4) }, a.ToArray());
        Assert.Equal(3 - (0.01 * 6), b.ToScalar(), 15);
        Assert.Equal(new[] { 0.1, 0.01 }, report.LearningRates);
        Assert.Equal(1, report.Step);
        Assert.Equal(Math.Sqrt(4 + 16 + 36), report.GradientNorm, 12);
        Assert.Equal(Math.Sqrt(0.04 + 0.16 + 0.0036), report.UpdateNorm, 12);
        Assert.Equal(0.1, sgd.Defaults.LearningRate);
    }

    [Fact]
    public void Update_norm_covers_only_the_parameters_this_step_changed()
    {
        var a = Variable.Parameter(new[] { 1.0, 2.0 });
        var b = Variable.Parameter(new[] { 3.0 });
        var sgd = new SGD([a, b], learningRate: 0.1);
        (a.Square().Sum() + b.Square().Sum()).Backward();
        Assert.Equal(Math.Sqrt(0.04 + 0.16 + 0.36), sgd.Step().UpdateNorm, 12);

        // Step 2: only b has a gradient; a's change in step 1 is not counted again.
        sgd.ZeroGrad();
        b.Square().Sum().Backward();
        var report = sgd.Step();
        Assert.Equal(0.1 * 2 * (3 - 0.6), report.UpdateNorm, 12);
        Assert.Equal(2 * (3 - 0.6), report.GradientNorm, 12);
    }

    [Fact]
    public void Norms_of_float_parameters_are_summed_in_double()
    {
        // 1e20² overflows float but not double. Eleven elements: a vector body and a scalar tail.
        var values = new[] { 1e20f, 3e20f, 1e-4f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 2e20f };
        var x = Variable.Parameter(values);
        var sgd = new SGD([x], learningRate: 1);
        (x * Variable.Constant(values)).Sum().Backward();   // gradient = values; the step sets x to 0
        var report = sgd.Step();
        var expected = Math.Sqrt(values.Sum(v => (double)v * v));
        Assert.Equal(expected, report.GradientNorm, expected * 1e-15);
        Assert.Equal(expected, report.UpdateNorm, expected * 1e-15);
    }

    [Fact]
    public void Reports_are_the_same_whether_or_not_non_finite_gradients_are_checked_first()
    {
        // With the check on, the gradient norm comes from a pass before the update; off, from the update loops.
        foreach (var make in new Func<IEnumerable<IVariable>, Optimizer>[] { p => new Adam(p, 0.1, amsGrad: true), p => new SGD(p, 0.1, momentum: 0.9), p => new Adadelta(p) })
        {
            var reports = new List<StepReport>();
            var finals = new List<float[]>();
            foreach (var check in new[] { false, true })
            {
                var x = Variable.Parameter(Enumerable.Range(0, 37).Select(i => MathF.Sin(i)).ToArray());
                var optimizer = make([x]);
                optimizer.SkipNonFiniteGradients = check;
                for (var step = 0; step < 3; step++)
                {
                    optimizer.ZeroGrad();
                    (x.Square() * x).Sum().Backward();
                    reports.Add(optimizer.Step());
                }

                finals.Add(x.ToArray());
            }

            Assert.Equal(finals[0], finals[1]);
            for (var step = 0; step < 3; step++)
            {
                var (off, on) = (reports[step], reports[step + 3]);
                Assert.Equal(on.GradientNorm, off.GradientNorm, on.GradientNorm * 1e-14);
                Assert.Equal(on.UpdateNorm, off.UpdateNorm);
                Assert.True(off.GradientNorm > 0 && off.UpdateNorm > 0);
            }
        }
    }

    [Fact]
    public void Huge_finite_gradients_are_not_reported_as_non_finite()
    {
        var x = Variable.Parameter(new[] { 1e200, 1.0 });
        var sgd = new SGD([x], learningRate: 0) { SkipNonFiniteGradients = true };
        (x * Variable.Constant(new[] { 1e200, 1.0 })).Sum().Backward();
        var report = sgd.Step();
        Assert.False(report.Skipped);
        Assert.Equal(double.PositiveInfinity, report.GradientNorm);
    }

    [Fact]
    public void Learning_rates_are_a_snapshot_shared_until_a_rate_changes()
    {
        var x = Variable.Parameter(new[] { 1.0 });
        var sgd = new SGD([x], learningRate: 0.5);
        x.Square().Sum().Backward();
        var first = sgd.Step();
        var second = sgd.Step();
        Assert.Same(first.LearningRates, second.LearningRates);
        Assert.IsNotType<double[]>(first.LearningRates);   // callers cannot write into the shared snapshot

        sgd.ParameterGroups[0].LearningRate = 0.25;
        var third = sgd.Step();
        Assert.Equal(new[] { 0.5 }, first.LearningRates);
        Assert.Equal(new[] { 0.25 }, third.LearningRates);
        Assert.Equal(new[] { 0.25 }, sgd.LearningRates);
    }

    [Fact]
    public void A_step_allocates_only_its_report_in_steady_state()
    {
        var w = Variable.Parameter(new float[1000]);
        var b = Variable.Parameter(new double[7]);
        var adam = new Adam(new IVariable[] { w, b }, amsGrad: true, weightDecay: 0.1);
        var rmsprop = new RMSprop(new IVariable[] { w, b });
        w.Sum().Backward();
        b.Sum().Backward();
        foreach (var optimizer in new Optimizer[] { adam, rmsprop })
        {
            for (var i = 0; i < 3; i++)
            {
                optimizer.Step();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                optimizer.Step();
            }

            var perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 100.0;
            Assert.True(perStep <= 96, $"{optimizer.Name}: {perStep} B per step; only the StepReport (≈ 80 B) should be allocated.");
        }
    }

    [Fact]
    public void Parameters_without_a_gradient_are_left_alone()
    {
        var a = Variable.Parameter(1.0);
        var unused = Variable.Parameter(5.0);
        var sgd = new SGD([a, unused], learningRate: 0.5, weightDecay: 1);
        a.Square().Backward();
        sgd.Step();
        Assert.Equal(5.0, unused.ToScalar());
        Assert.Equal(1 - (0.5 * (2 + 1)), a.ToScalar());
    }

    [Fact]
    public void Float_and_double_parameters_can_share_an_optimizer()
    {
        var d = Variable.Parameter(new[] { 1.0 });
        var f = Variable.Parameter(new[] { 1f });
        var sgd = new SGD(new IVariable[] { d, f }, learningRate: 0.25);
        d.Square().Sum().Backward();
        f.Square().Sum().Backward();
        sgd.Step();
        Assert.Equal(0.5, d.ToScalar());
        Assert.Equal(0.5f, f.ToScalar());
    }

    [Fact]
    public void Closure_loss_is_reported()
    {
        var x = Variable.Parameter(3.0);
        var sgd = new SGD([x], learningRate: 0.1);
        var report = sgd.Step(() =>
        {
            sgd.ZeroGrad();
            var l = x.Square();
            l.Backward();
            return l.ToScalar();
        });
        Assert.Equal(9.0, report.Loss);
        Assert.Equal(3 - 0.6, x.ToScalar(), 15);
    }

    [Fact]
    public void Non_finite_gradients_are_applied_by_default_and_skipped_and_reported_on_request()
    {
        var x = Variable.Parameter(new[] { 0.0, 1.0 });
        var sgd = new SGD([x], learningRate: 0.1) { SkipNonFiniteGradients = true };
        x.Sqrt().Sum().Backward();   // d√x/dx = ∞ at 0
        var report = sgd.Step();
        Assert.True(report.Skipped);
        Assert.Contains("not finite", report.SkipReason, StringComparison.Ordinal);
        Assert.Equal(new[] { 0.0, 1.0 }, x.ToArray());
        Assert.Equal(0, sgd.StepCount);

        sgd.SkipNonFiniteGradients = false;
        Assert.False(sgd.Step().Skipped);
        Assert.Equal(double.NegativeInfinity, x.ToArray()[0]);
    }

    [Fact]
    public void Parameters_must_be_leaves_that_require_gradients_and_belong_to_one_group()
    {
        var x = Variable.Parameter(1.0);
        Assert.Contains("not a parameter", Assert.Throws<ArgumentException>(() => new SGD([Variable.Constant(1.0)])).Message, StringComparison.Ordinal);
        Assert.Contains("not a parameter", Assert.Throws<ArgumentException>(() => new SGD([x * 2])).Message, StringComparison.Ordinal);
        Assert.Contains("more than one", Assert.Throws<ArgumentException>(() => new SGD([x, x])).Message, StringComparison.Ordinal);
        var sgd = new SGD([x]);
        Assert.Throws<ArgumentException>(() => sgd.AddParameterGroup([x]));
        Assert.Throws<ArgumentException>(() => sgd.State(Variable.Parameter(2.0)));
    }

    [Fact]
    public void Saved_state_resumes_training_bit_for_bit()
    {
        static (Variable<double> X, SGD Opt) Make() => (Variable.Parameter(new[] { -1.2, 1.0 }), null!);

        var (x, _) = Make();
        var sgd = new SGD([x], learningRate: 1e-4, momentum: 0.9, nesterov: true);
        for (var i = 0; i < 5; i++)
        {
            Step(sgd, x);
        }

        using var saved = new MemoryStream();
        sgd.SaveState(saved);
        var checkpoint = x.ToArray();
        for (var i = 0; i < 5; i++)
        {
            Step(sgd, x);
        }

        var y = Variable.Parameter(checkpoint);
        var resumed = new SGD([y], learningRate: 0.5);   // hyperparameters come from the saved state
        saved.Position = 0;
        resumed.LoadState(saved);
        Assert.Equal(5, resumed.StepCount);
        Assert.Equal(1e-4, resumed.ParameterGroups[0].LearningRate);
        for (var i = 0; i < 5; i++)
        {
            Step(resumed, y);
        }

        Assert.Equal(x.ToArray(), y.ToArray());

        static void Step(Optimizer o, Variable<double> p)
        {
            o.ZeroGrad();
            var v = ((100 * (p[1] - p[0].Square()).Square()) + (1 - p[0]).Square());
            v.Backward();
            o.Step();
        }
    }

    [Fact]
    public void Loading_mismatched_or_malformed_state_fails_clearly_and_changes_nothing()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        var sgd = new SGD([x], learningRate: 0.1, momentum: 0.9);
        x.Square().Sum().Backward();
        sgd.Step();
        using var saved = new MemoryStream();
        sgd.SaveState(saved);

        var other = new SGD([Variable.Parameter(new[] { 1.0, 2.0, 3.0 })], learningRate: 0.3);
        saved.Position = 0;
        Assert.Contains("shape", Assert.Throws<InvalidDataException>(() => other.LoadState(saved)).Message, StringComparison.Ordinal);
        Assert.Equal(0.3, other.ParameterGroups[0].LearningRate);

        Assert.Contains("not valid JSON", Assert.Throws<InvalidDataException>(() => other.LoadState(new MemoryStream("{oops"u8.ToArray()))).Message, StringComparison.Ordinal);
        Assert.Contains("malformed", Assert.Throws<InvalidDataException>(() => other.LoadState(new MemoryStream("{\"optimizer\":\"SGD\"}"u8.ToArray()))).Message, StringComparison.Ordinal);
    }
}
