using AutoGrad;

namespace AutoGrad.Tests.Minimization;

/// <summary>The driver over a function: stopping rules, history, progress, cancellation, divergence, schedules.</summary>
public class MinimizeTests
{
    private static readonly double[] s_center = [1.0, -2.0, 0.5];

    internal static Variable<double> Rosenbrock(Variable<double> x) =>
        (1 - x[0]).Square() + (100 * (x[1] - x[0].Square()).Square());

    /// <summary>Σ (x − c)²: with SGD at learning rate 0.25 the distance to c halves every step.</summary>
    private static Variable<double> Bowl(Variable<double> x) => (x - Variable.Constant(s_center)).Square().Sum();

    private static double BowlValue(double[] x) => x.Select((v, i) => (v - s_center[i]) * (v - s_center[i])).Sum();

    private static readonly double[] s_bowlStart = [3.0, 0.0, -1.5];

    [Fact]
    public void Each_evaluation_runs_in_a_step_scope_so_an_intermediate_kept_by_the_loss_is_detected_afterwards()
    {
        Variable<double>? kept = null;
        var result = Minimize.Function(
            x =>
            {
                var residual = x - Variable.Constant(s_center);
                kept = residual;
                return residual.Square().Sum();
            },
            s_bowlStart).Until(maxIterations: 3).Run();

        Assert.True(result.Iterations >= 1);
        var error = Assert.Throws<InvalidOperationException>(() => kept!.ToArray());
        Assert.Contains("StepScope", error.Message);
    }

    [Fact]
    public void The_issues_example_reads_as_written_with_any_optimizer()
    {
        var result = Minimize.Function(x => Rosenbrock(x), start: new[] { -1.2, 1.0 })
            .With(new SGD(learningRate: 1e-3, momentum: 0.9))
            .Until(gradientNorm: 1e-8, maxIterations: 1000)
            .Run();

        double[] minimizer = result.Minimizer;
        Assert.Equal(2, minimizer.Length);
        Assert.Equal(StopReason.MaxIterations, result.StopReason);
        Assert.Equal(1000, result.Iterations);
        Assert.Equal(1000, result.History.Count);
        Assert.True(result.Value < 0.1, $"SGD with momentum reached only {result.Value}.");
        Assert.Equal(Rosenbrock(Variable.Constant(minimizer)).ToScalar(), result.Value);
    }

    [Fact]
    public void Iteration_limit_stops_the_run_and_is_reported()
    {
        var result = Minimize.Function(Rosenbrock, [-1.2, 1.0]).With(new SGD(learningRate: 1e-4)).Until(maxIterations: 25).Run();

        Assert.Equal(StopReason.MaxIterations, result.StopReason);
        Assert.Contains("iteration limit (25)", result.StopDetail, StringComparison.Ordinal);
        Assert.False(result.Converged);
        Assert.Equal(25, result.Iterations);
        Assert.Equal(25, result.Evaluations);
        Assert.Equal(25, result.History.Count);
        Assert.Equal(0, result.Epochs);
        Assert.Empty(result.EpochHistory);
        Assert.True(result.Value < 24.2);
    }

    [Fact]
    public void Function_runs_stop_after_1000_iterations_by_default()
    {
        var result = Minimize.Function(Rosenbrock, [-1.2, 1.0]).With(new SGD(learningRate: 1e-5)).KeepHistory(false).Run();
        Assert.Equal(StopReason.MaxIterations, result.StopReason);
        Assert.Equal(1000, result.Iterations);
        Assert.Empty(result.History);
    }

    [Fact]
    public void Gradient_norm_rule_fires_at_the_first_iteration_whose_gradient_is_small_enough()
    {
        var result = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.25)).Until(gradientNorm: 1e-6).Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.True(result.Converged);
        var norms = result.History.Select(h => h.GradientNorm).ToArray();
        Assert.True(norms[^1] <= 1e-6);
        Assert.True(norms[^2] > 1e-6);

        // ‖∇f‖ = 2‖x − c‖ and the distance halves each step: the count is known in advance.
        var initial = 2 * Math.Sqrt(BowlValue(s_bowlStart));
        var expected = (int)Math.Ceiling(Math.Log2(initial / 1e-6)) + 1;
        Assert.Equal(expected, result.Iterations);
        Assert.Contains($"at iteration {expected}", result.StopDetail, StringComparison.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(s_center[i], result.Minimizer[i], 1e-6);
        }
    }

    [Fact]
    public void Absolute_loss_change_rule_compares_consecutive_losses_by_default()
    {
        var result = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.25)).Until(absoluteLossChange: 1e-6).Run();

        Assert.Equal(StopReason.AbsoluteLossChange, result.StopReason);
        var losses = result.History.Select(h => h.Loss).ToArray();
        Assert.True(Math.Abs(losses[^1] - losses[^2]) <= 1e-6);
        Assert.True(Math.Abs(losses[^2] - losses[^3]) > 1e-6);
        Assert.Contains("over the last 1 iteration ", result.StopDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_loss_change_rule_measures_the_spread_over_the_window()
    {
        // A bowl lifted to 5: the loss tends to 5, so its relative change vanishes.
        var result = Minimize.Function(x => Bowl(x) + 5, s_bowlStart)
            .With(new SGD(learningRate: 0.25))
            .Until(relativeLossChange: 1e-6, lossChangeWindow: 3)
            .Run();

        Assert.Equal(StopReason.RelativeLossChange, result.StopReason);
        Assert.Contains("over the last 3 iterations", result.StopDetail, StringComparison.Ordinal);
        var losses = result.History.Select(h => h.Loss).ToArray();
        static bool Small(double[] w) => w.Max() - w.Min() <= 1e-6 * w.Max(Math.Abs);
        Assert.True(Small(losses[^4..]));
        Assert.False(Small(losses[^5..^1]));
    }

    [Fact]
    public void Wall_time_rule_fires_once_the_time_has_passed()
    {
        var limit = TimeSpan.FromMilliseconds(60);
        var result = Minimize.Function(
                x =>
                {
                    Thread.Sleep(2);
                    return Bowl(x);
                },
                s_bowlStart)
            .With(new SGD(learningRate: 1e-3))
            .Until(wallTime: limit, maxIterations: int.MaxValue)
            .Run();

        Assert.Equal(StopReason.WallTime, result.StopReason);
        Assert.True(result.History[^1].Elapsed >= limit);
        Assert.True(result.History[^2].Elapsed < limit);
        Assert.Contains("wall time", result.StopDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void User_predicate_sees_each_iteration_and_stops_the_run()
    {
        var seen = new List<int>();
        var result = Minimize.Function(Bowl, s_bowlStart)
            .With(new SGD(learningRate: 0.25))
            .Until(stopWhen: info =>
            {
                seen.Add(info.Iteration);
                return info.Loss < 0.01;
            })
            .Run();

        Assert.Equal(StopReason.Predicate, result.StopReason);
        Assert.Equal(Enumerable.Range(1, result.Iterations), seen);
        Assert.True(result.History[^1].Loss < 0.01);
        Assert.True(result.History[^2].Loss >= 0.01);
        Assert.Contains($"iteration {result.Iterations}", result.StopDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_combine_and_the_first_in_priority_order_is_reported()
    {
        // Both the gradient rule and the iteration limit hold at iteration 5: convergence wins.
        var probe = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.25)).Until(maxIterations: 5).Run();
        var fifth = probe.History[4].GradientNorm;

        var both = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.25)).Until(gradientNorm: fifth).Until(maxIterations: 5).Run();
        Assert.Equal(StopReason.GradientNorm, both.StopReason);
        Assert.Equal(5, both.Iterations);

        var limit = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.25)).Until(gradientNorm: fifth / 4, maxIterations: 5).Run();
        Assert.Equal(StopReason.MaxIterations, limit.StopReason);
    }

    [Fact]
    public void History_records_loss_gradient_norm_update_norm_and_learning_rate_per_iteration()
    {
        var result = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.25)).Until(maxIterations: 6).Run();

        // x_k − c = (x_0 − c) / 2^k; the step taken at iteration k is x_{k−1} − x_k.
        var distance = Math.Sqrt(BowlValue(s_bowlStart));
        for (var k = 1; k <= 6; k++)
        {
            var h = result.History[k - 1];
            var d = distance / Math.Pow(2, k - 1);
            Assert.Equal(k, h.Iteration);
            Assert.Equal(0, h.Epoch);
            Assert.Equal(d * d, h.Loss, 1e-12);
            Assert.Equal(2 * d, h.GradientNorm, 1e-12);
            Assert.Equal(d / 2, h.UpdateNorm, 1e-12);
            Assert.Equal(new[] { 0.25 }, h.LearningRates);
            Assert.Equal(1, h.Evaluations);
            Assert.False(h.Skipped);
            Assert.True(h.Elapsed > TimeSpan.Zero);
            if (k > 1)
            {
                Assert.True(h.Elapsed >= result.History[k - 2].Elapsed);
            }
        }

        Assert.Equal(BowlValue(result.Minimizer), result.Value, 1e-15);
        Assert.Equal(distance * distance / Math.Pow(4, 6), result.Value, 1e-12);
        Assert.True(result.Elapsed >= result.History[^1].Elapsed);
    }

    [Fact]
    public void Progress_reports_every_nth_iteration_and_the_last()
    {
        var progress = new Recorder();
        Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.1)).Until(maxIterations: 10).ReportProgress(progress, every: 3).Run();
        Assert.Equal(new[] { 3, 6, 9, 10 }, progress.Items.Select(i => i.Iteration));

        var exact = new Recorder();
        var result = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.1)).Until(maxIterations: 10).ReportProgress(exact, every: 5).Run();
        Assert.Equal(new[] { 5, 10 }, exact.Items.Select(i => i.Iteration));
        Assert.Same(result.History[4], exact.Items[0]);
    }

    [Fact]
    public void Cancelling_from_the_progress_callback_stops_at_once_and_keeps_the_point_reached()
    {
        using var cts = new CancellationTokenSource();
        var progress = new Recorder(info =>
        {
            if (info.Iteration == 5)
            {
                cts.Cancel();
            }
        });
        var result = Minimize.Function(Rosenbrock, [-1.2, 1.0])
            .With(new SGD(learningRate: 1e-4, momentum: 0.5))
            .Until(maxIterations: 100)
            .ReportProgress(progress)
            .Run(cts.Token);

        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(5, result.Iterations);
        Assert.Contains("cancelled after 5 iterations", result.StopDetail, StringComparison.Ordinal);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, progress.Items.Select(i => i.Iteration));

        // The same five steps by hand land on the same point, and Value is the loss there.
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var sgd = new SGD([x], learningRate: 1e-4, momentum: 0.5);
        for (var i = 0; i < 5; i++)
        {
            sgd.Step(() =>
            {
                sgd.ZeroGrad();
                var l = Rosenbrock(x);
                l.Backward();
                return l.ToScalar();
            });
        }

        Assert.Equal(x.ToArray(), result.Minimizer);
        Assert.Equal(Rosenbrock(Variable.Constant(x.ToArray())).ToScalar(), result.Value);
    }

    [Fact]
    public void An_already_cancelled_token_returns_the_start()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var result = Minimize.Function(Rosenbrock, [-1.2, 1.0]).Run(cts.Token);
        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(0, result.Iterations);
        Assert.Equal(new[] { -1.2, 1.0 }, result.Minimizer);
        Assert.Equal(24.2, result.Value, 1e-12);
    }

    [Fact]
    public void Divergence_stops_the_run_and_restores_the_last_point_with_a_finite_loss()
    {
        // SGD with a huge learning rate overshoots Rosenbrock's valley further at every step.
        var result = Minimize.Function(Rosenbrock, [-1.2, 1.0]).With(new SGD(learningRate: 0.1)).Until(maxIterations: 1000).Run();

        Assert.Equal(StopReason.Diverged, result.StopReason);
        Assert.False(result.Converged);
        Assert.True(result.Iterations < 20);
        Assert.False(double.IsFinite(result.History[^1].Loss));
        Assert.Contains("restored", result.StopDetail, StringComparison.Ordinal);
        Assert.All(result.Minimizer, v => Assert.True(double.IsFinite(v)));
        Assert.True(double.IsFinite(result.Value));

        // The point kept is where the last finite-loss iteration started.
        Assert.Equal(result.History[^2].Loss, result.Value);
        Assert.Equal(Rosenbrock(Variable.Constant(result.Minimizer)).ToScalar(), result.Value);
    }

    [Fact]
    public void A_last_step_to_a_non_finite_point_is_undone()
    {
        // One step of x ← x − 1e200·2x overflows the loss: the iteration limit fires first, then the final
        // evaluation finds +∞ and the step is undone.
        var result = Minimize.Function(x => x.Square().Sum(), [1.0]).With(new SGD(learningRate: 1e200)).Until(maxIterations: 1).Run();

        Assert.Equal(StopReason.Diverged, result.StopReason);
        Assert.Contains("undone", result.StopDetail, StringComparison.Ordinal);
        Assert.Contains("iteration limit", result.StopDetail, StringComparison.Ordinal);
        Assert.Equal(new[] { 1.0 }, result.Minimizer);
        Assert.Equal(1.0, result.Value);
    }

    [Fact]
    public void A_non_finite_loss_at_the_start_is_reported_as_divergence()
    {
        var result = Minimize.Function(x => x.Log().Sum(), [-1.0, 2.0]).With(new SGD(learningRate: 0.1)).Run();
        Assert.Equal(StopReason.Diverged, result.StopReason);
        Assert.Equal(1, result.Iterations);
        Assert.Contains("starting point", result.StopDetail, StringComparison.Ordinal);
        Assert.Equal(new[] { -1.0, 2.0 }, result.Minimizer);
    }

    [Fact]
    public void Schedule_hook_runs_after_every_step_and_history_shows_the_rate_each_step_used()
    {
        var contexts = new List<ScheduleContext>();
        var sgd = new SGD(learningRate: 0.2);
        var result = Minimize.Function(Bowl, s_bowlStart)
            .With(sgd)
            .WithSchedule(c =>
            {
                contexts.Add(c);
                c.Optimizer.ParameterGroups[0].LearningRate *= 0.5;
            })
            .Until(maxIterations: 4)
            .Run();

        Assert.Equal(new[] { 0.2, 0.1, 0.05, 0.025 }, result.History.Select(h => h.LearningRates[0]));
        Assert.Equal(0.0125, sgd.ParameterGroups[0].LearningRate);
        Assert.Equal(new[] { 1, 2, 3, 4 }, contexts.Select(c => c.Iteration));
        Assert.Equal(result.History.Select(h => h.Loss), contexts.Select(c => c.Loss));
        Assert.All(contexts, c => Assert.Same(sgd, c.Optimizer));
    }

    [Fact]
    public void The_closure_records_even_when_the_optimizer_calls_it_without_recording()
    {
        var result = Minimize.Function(Bowl, s_bowlStart).With(new NoGradCaller(learningRate: 0.25)).Until(maxIterations: 3).Run();
        Assert.Equal(BowlValue(s_bowlStart) / 4, result.History[1].Loss, 1e-12);
    }

    [Fact]
    public void Without_With_the_default_optimizer_is_LBFGS_for_a_function_and_Adam_for_data()
    {
        var result = Minimize.Function(Bowl, s_bowlStart).Until(maxIterations: 200).Run();
        var lbfgs = Assert.IsType<LBFGS>(result.Optimizer);
        Assert.Equal(LineSearch.StrongWolfe, lbfgs.Defaults.LineSearch);
        Assert.True(result.Value < BowlValue(s_bowlStart) / 10);

        var w = Variable.Parameter(new[] { 0.0 });
        var data = Minimize.OverData(new[] { 1.0, 2.0, 3.0 }, batch => (w - Variable.Constant(batch.ToArray())).Square().Mean(), [w]).Epochs(2).Run();
        var adam = Assert.IsType<Adam>(data.Optimizer);
        Assert.Equal(1e-3, adam.Defaults.LearningRate);
    }

    [Fact]
    public void Skipped_steps_are_marked_in_the_history()
    {
        // √x has an infinite derivative at 0: the optimizer skips that step on request and the history says so.
        var sgd = new SGD(learningRate: 0.1) { SkipNonFiniteGradients = true };
        var result = Minimize.Function(x => x.Sqrt().Sum(), [0.0, 1.0]).With(sgd).Until(maxIterations: 2).Run();
        Assert.All(result.History, h => Assert.True(h.Skipped));
        Assert.Equal(new[] { 0.0, 1.0 }, result.Minimizer);
    }

    [Fact]
    public void Float_functions_are_minimized_in_float()
    {
        var c = Variable.Constant(new[] { 1f, -2f });
        var result = Minimize.Function(x => (x - c).Square().Sum(), [4f, 4f])
            .With(new SGD(learningRate: 0.1, momentum: 0.5))
            .Until(gradientNorm: 1e-4, maxIterations: 500)
            .Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        float[] minimizer = result.Minimizer;
        Assert.Equal(1f, minimizer[0], 1e-4f);
        Assert.Equal(-2f, minimizer[1], 1e-4f);
        Assert.True(result.Value < 1e-8);
    }

    [Fact]
    public void Parameters_form_fits_a_model_and_leaves_the_parameters_at_the_minimizer()
    {
        // y = 2x − 1 exactly at five points; fit slope a (double) and intercept b.
        var xs = Variable.Constant(new[] { -2.0, -1.0, 0.0, 1.0, 2.0 });
        var ys = Variable.Constant(new[] { -5.0, -3.0, -1.0, 1.0, 3.0 });
        var a = Variable.Parameter(0.0);
        var b = Variable.Parameter(0.0);
        var result = Minimize.Parameters([a, b], () => ((a * xs) + b - ys).Square().Mean())
            .With(new SGD(learningRate: 0.1))
            .Until(gradientNorm: 1e-10, maxIterations: 5000)
            .Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.Equal(2.0, a.ToScalar(), 1e-9);
        Assert.Equal(-1.0, b.ToScalar(), 1e-9);
        Assert.Equal(new[] { a.ToScalar(), b.ToScalar() }, result.Minimizer);
    }

    [Fact]
    public void An_optimizer_created_over_the_parameters_keeps_its_groups()
    {
        var a = Variable.Parameter(new[] { 4.0 });
        var b = Variable.Parameter(new[] { 4.0 });
        var sgd = new SGD([a], learningRate: 0.25);
        sgd.AddParameterGroup([b], o => o with { LearningRate = 0.125 });
        var result = Minimize.Parameters([a, b], () => a.Square().Sum() + b.Square().Sum()).With(sgd).Until(maxIterations: 1).Run();
        Assert.Equal(new[] { 0.25, 0.125 }, result.History[0].LearningRates);
        Assert.Equal(new[] { 2.0, 3.0 }, result.Minimizer);
    }

    [Fact]
    public void Arguments_are_validated_with_clear_messages()
    {
        static string Message(Action a) => Assert.ThrowsAny<ArgumentException>(a).Message;

        Assert.Throws<ArgumentNullException>(() => Minimize.Function(null!, new[] { 1.0 }));
        Assert.Throws<ArgumentNullException>(() => Minimize.Function(Rosenbrock, null!));
        Assert.Contains("starting point is empty", Message(() => Minimize.Function(Rosenbrock, Array.Empty<double>())), StringComparison.Ordinal);
        Assert.Contains("start[1] is NaN", Message(() => Minimize.Function(Rosenbrock, [1.0, double.NaN])), StringComparison.Ordinal);

        var builder = Minimize.Function(Rosenbrock, [-1.2, 1.0]);
        Assert.Contains("at least one stopping rule", Message(() => builder.Until()), StringComparison.Ordinal);
        Assert.Contains("gradientNorm must be a finite number ≥ 0; got -1", Message(() => builder.Until(gradientNorm: -1)), StringComparison.Ordinal);
        Assert.Contains("absoluteLossChange", Message(() => builder.Until(absoluteLossChange: double.NaN)), StringComparison.Ordinal);
        Assert.Contains("relativeLossChange", Message(() => builder.Until(relativeLossChange: double.PositiveInfinity)), StringComparison.Ordinal);
        Assert.Contains("maxIterations must be ≥ 1; got 0", Message(() => builder.Until(maxIterations: 0)), StringComparison.Ordinal);
        Assert.Contains("lossChangeWindow must be ≥ 1", Message(() => builder.Until(lossChangeWindow: 0)), StringComparison.Ordinal);
        Assert.Contains("wallTime must be positive", Message(() => builder.Until(wallTime: TimeSpan.Zero)), StringComparison.Ordinal);
        Assert.Equal("every", Assert.Throws<ArgumentOutOfRangeException>(() => builder.ReportProgress(new Recorder(), every: 0)).ParamName);
        Assert.Throws<ArgumentNullException>(() => builder.With(null!));
        Assert.Throws<ArgumentNullException>(() => builder.WithSchedule(null!));

        var a = Variable.Parameter(1.0);
        Assert.Contains("no parameters", Message(() => Minimize.Parameters([], () => a * 1)), StringComparison.Ordinal);
        Assert.Contains("parameter 0 (shape []) is a constant", Message(() => Minimize.Parameters([Variable.Constant(1.0)], () => a * 1)), StringComparison.Ordinal);
        Assert.Contains("parameter 1 (shape []) is a computed result", Message(() => Minimize.Parameters([a, a * 2], () => a * 1)), StringComparison.Ordinal);
        Assert.Contains("appears more than once", Message(() => Minimize.Parameters([a, a], () => a * 1)), StringComparison.Ordinal);
        Assert.Contains("parameter 0 is null", Message(() => Minimize.Parameters([null!], () => a * 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_found_at_run_time_are_explained()
    {
        static string Message(Action a) => Assert.Throws<InvalidOperationException>(a).Message;

        Assert.Contains("must return a scalar. Reduce it with Sum() or Mean()", Message(() => Minimize.Function(x => x.Square(), [1.0, 2.0]).Run()), StringComparison.Ordinal);
        Assert.Contains("does not depend on the parameters", Message(() => Minimize.Function(_ => Variable.Constant(1.0), [1.0]).Run()), StringComparison.Ordinal);

        var other = new SGD([Variable.Parameter(1.0)]);
        Assert.Contains("already has parameters", Message(() => Minimize.Function(Rosenbrock, [1.0, 1.0]).With(other).Run()), StringComparison.Ordinal);

        var once = Minimize.Function(Rosenbrock, [1.0, 1.0]).Until(maxIterations: 1);
        once.Run();
        Assert.Contains("runs once", Message(() => once.Run()), StringComparison.Ordinal);
        Assert.Contains("runs once", Message(() => once.Until(maxIterations: 3)), StringComparison.Ordinal);
    }

    [Fact]
    public void Result_summary_names_the_reason_the_point_and_the_detail()
    {
        var result = Minimize.Function(Bowl, s_bowlStart).With(new SGD(learningRate: 0.5)).Until(gradientNorm: 1e-12).Run();
        Assert.Equal("GradientNorm after 2 iterations: value 0 at [1, -2, 0.5] (gradient norm 0 ≤ 1E-12 at iteration 2)", result.ToString());
    }

    /// <summary>Calls the closure inside a no-grad scope, as PyTorch's L-BFGS does, then steps like SGD.</summary>
    private sealed class NoGradCaller(double learningRate) : Optimizer<SGDOptions>(null, new SGDOptions { LearningRate = learningRate })
    {
        public override string Name => "NoGradCaller";

        public override StepReport Step(Func<double>? closure = null)
        {
            using (Variable.NoGrad())
            {
                closure!();
            }

            return base.Step();
        }

        protected override void Update<T>(SGDOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad) =>
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(grad, T.CreateChecked(-options.LearningRate), value, value);
    }

    /// <summary>A synchronous <see cref="IProgress{T}"/> (unlike <see cref="Progress{T}"/>, which posts).</summary>
    internal sealed class Recorder(Action<IterationInfo>? onReport = null) : IProgress<IterationInfo>
    {
        public List<IterationInfo> Items { get; } = [];

        public void Report(IterationInfo value)
        {
            Items.Add(value);
            onReport?.Invoke(value);
        }
    }
}
