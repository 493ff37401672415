using AutoGrad;

namespace AutoGrad.Tests.Minimization;

/// <summary>
/// L-BFGS inside a Minimize run: one iteration of the run is one L-BFGS iteration that costs its line search's
/// evaluations (about one), the run converges where PyTorch's absolute thresholds would stall it, and the optimizer
/// is itself again afterwards. The iteration and evaluation counts are those of a standard L-BFGS: SciPy's L-BFGS-B
/// (history 10 or 100) needs 38 iterations and 46 evaluations on Rosenbrock in 2 dimensions, and 490–550 iterations and
/// 570–640 evaluations on the chained Rosenbrock in 100 dimensions from (−1.2, 1, …).
/// </summary>
public class MinimizeLBFGSTests
{
    /// <summary>Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², counting its calls.</summary>
    private sealed class ChainedRosenbrock(int n, double scale = 1)
    {
        public int Calls { get; private set; }

        public double[] Start { get; } = Enumerable.Range(0, n).Select(i => (i % 2 == 0 ? -1.2 : 1.0) * scale).ToArray();

        public Variable<double> Value(Variable<double> x)
        {
            Calls++;
            var u = scale == 1 ? x : x * (1 / scale);
            var a = u[1..] - u[..^1].Square();
            var b = 1.0 - u[..^1];
            return ((100.0 * a.Square()) + b.Square()).Sum();
        }
    }

    [Fact]
    public void Fixed_steps_cost_one_evaluation_per_iteration_on_Rosenbrock_in_2_dimensions()
    {
        // Before: each iteration was a PyTorch step of 20 L-BFGS iterations, so 5 iterations took 65 evaluations.
        var f = new ChainedRosenbrock(2);
        var result = Minimize.Function(f.Value, f.Start).With(new LBFGS()).Until(gradientNorm: 1e-8, maxIterations: 1000).Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.InRange(result.Iterations, 30, 100);                     // 64 measured
        Assert.Equal(result.Iterations, result.Evaluations);
        Assert.Equal(result.Evaluations + 1, f.Calls);                 // + the final evaluation of Value
        Assert.All(result.History, h => Assert.Equal(1, h.Evaluations));
        var lbfgs = (LBFGS)result.Optimizer;
        Assert.InRange(lbfgs.LastStepInfo!.TotalIterations, result.Iterations - 1, result.Iterations);
        Assert.Equal(1.0, result.Minimizer[0], 1e-9);
        Assert.Equal(1.0, result.Minimizer[1], 1e-9);
    }

    [Fact]
    public void The_default_line_search_costs_little_more_than_one_evaluation_per_iteration_on_Rosenbrock_in_2_dimensions()
    {
        // Before: 3 iterations of 20 L-BFGS iterations each, 49 evaluations, every accepted point evaluated twice.
        var f = new ChainedRosenbrock(2);
        var result = Minimize.Function(f.Value, f.Start).Until(gradientNorm: 1e-8, maxIterations: 1000).Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.InRange(result.Iterations, 25, 60);                     // 38 measured
        Assert.True(result.Evaluations <= 1.4 * result.Iterations, $"{result.Evaluations} evaluations in {result.Iterations} iterations"); // 46 measured
        Assert.Equal(result.Evaluations + 1, f.Calls);
        Assert.Equal(result.Evaluations, result.History.Sum(h => h.Evaluations));
        Assert.Equal(1.0, result.Minimizer[0], 1e-9);
        Assert.Equal(1.0, result.Minimizer[1], 1e-9);

        // The rows' losses are those at the points where the iterations started: they decrease, and the last is the
        // loss the run converged to (its step started where the previous line search ended, and evaluated nothing).
        for (var i = 1; i < result.History.Count; i++)
        {
            Assert.True(result.History[i].Loss < result.History[i - 1].Loss, $"iteration {i + 1}: {result.History[i].Loss} after {result.History[i - 1].Loss}");
        }

        Assert.Equal(0, result.History[^1].Evaluations);
        Assert.Equal(result.Value, result.History[^1].Loss);
        Assert.True(result.History[^1].GradientNorm <= 1e-8);
    }

    [Fact]
    public void The_default_line_search_converges_on_the_chained_Rosenbrock_in_100_dimensions()
    {
        // Before: 1000 iterations (about 1,470 L-BFGS iterations) and 2,556 evaluations without converging: PyTorch's
        // absolute curvature threshold (y·s > 1e-10) stopped the history updating once the loss was about 1e-12, and its
        // absolute bracket tolerance (1e-9) then ended every line search after one trial, at a gradient norm of 3e-7.
        var f = new ChainedRosenbrock(100);
        var result = Minimize.Function(f.Value, f.Start).Until(gradientNorm: 1e-8, maxIterations: 2000).Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.InRange(result.Iterations, 300, 900);                   // 492 measured
        Assert.True(result.Evaluations <= 1.4 * result.Iterations, $"{result.Evaluations} evaluations in {result.Iterations} iterations"); // 573 measured
        Assert.Equal(result.Evaluations + 1, f.Calls);
        Assert.All(result.Minimizer, v => Assert.Equal(1.0, v, 1e-7));
    }

    [Fact]
    public void Fixed_steps_converge_on_the_chained_Rosenbrock_in_100_dimensions_with_one_evaluation_per_iteration()
    {
        // Before: 36 iterations of 20 L-BFGS iterations each, 692 evaluations.
        var f = new ChainedRosenbrock(100);
        var result = Minimize.Function(f.Value, f.Start).With(new LBFGS()).Until(gradientNorm: 1e-8, maxIterations: 2000).Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.InRange(result.Iterations, 300, 1200);                  // 593 measured
        Assert.Equal(result.Iterations, result.Evaluations);
        Assert.Equal(result.Evaluations + 1, f.Calls);
    }

    [Theory]
    [InlineData(LineSearch.None)]
    [InlineData(LineSearch.StrongWolfe)]
    public void An_iteration_limit_is_a_limit_on_LBFGS_iterations(LineSearch lineSearch)
    {
        // Before: 50 iterations of the run were 1,000 L-BFGS iterations and 1,000 evaluations (n = 10,000).
        var f = new ChainedRosenbrock(1000);
        var result = Minimize.Function(f.Value, f.Start).With(new LBFGS(lineSearch: lineSearch)).Until(gradientNorm: 1e-8, maxIterations: 20).Run();

        Assert.Equal(StopReason.MaxIterations, result.StopReason);
        Assert.Equal(20, result.Iterations);
        Assert.Equal(20, ((LBFGS)result.Optimizer).LastStepInfo!.TotalIterations);
        if (lineSearch == LineSearch.None)
        {
            Assert.Equal(20, result.Evaluations);
            Assert.All(result.History, h => Assert.Equal(1, h.Evaluations));
        }
        else
        {
            // The first iterations, far from the minimum, need a few more trials than the unit step (31 measured).
            Assert.InRange(result.Evaluations, 20, 40);
        }

        Assert.Equal(result.Evaluations + 1, f.Calls);
        Assert.True(result.Value < result.History[0].Loss / 100, $"value {result.Value}, from {result.History[0].Loss}");
    }

    [Fact]
    public void A_problem_in_small_units_converges()
    {
        // Rosenbrock in units of 1e-10: PyTorch's absolute bracket tolerance (|Δt|·max|d| < 1e-9) ended the first line
        // search after its first trial, and the run made no progress at all.
        var f = new ChainedRosenbrock(10, scale: 1e-10);
        var result = Minimize.Function(f.Value, f.Start).Until(gradientNorm: 1e-8 / 1e-10, maxIterations: 1000).Run();

        Assert.Equal(StopReason.GradientNorm, result.StopReason);
        Assert.InRange(result.Iterations, 30, 200);                    // 68 measured
        Assert.All(result.Minimizer, v => Assert.Equal(1.0, v / 1e-10, 1e-6));
    }

    [Fact]
    public void A_failed_line_search_stops_a_deterministic_run_as_stalled_at_once()
    {
        // A loss whose gradient points uphill (value l, gradient −∇l): every line search fails and leaves the point
        // unchanged, so every later iteration would too. Before, the run went on to its iteration limit.
        var calls = 0;
        var result = Minimize.Function(
            x =>
            {
                calls++;
                var l = x.Square().Sum();
                return (2 * l.Detach()) - l;
            },
            [1.0, -2.0]).Until(gradientNorm: 1e-8, maxIterations: 1000).Run();

        Assert.Equal(StopReason.Stalled, result.StopReason);
        Assert.Equal(1, result.Iterations);
        Assert.Contains("LineSearchFailed", result.StopDetail, StringComparison.Ordinal);
        Assert.Contains("line search found no point lower", result.StopDetail, StringComparison.Ordinal);
        Assert.True(result.History[0].Skipped);
        Assert.Equal(new[] { 1.0, -2.0 }, result.Minimizer);
        Assert.True(calls <= 27, $"{calls} calls");
    }

    [Fact]
    public void The_optimizer_is_PyTorchs_again_after_the_run()
    {
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var lbfgs = new LBFGS(maxIterations: 7, maxEvaluations: 9, lineSearch: LineSearch.StrongWolfe);
        Minimize.Parameters([x], () => MinimizeTests.Rosenbrock(x)).With(lbfgs).Until(maxIterations: 10).Run();

        var options = (LBFGSOptions)lbfgs.ParameterGroups[0].Options;
        Assert.Equal(7, options.MaxIterations);
        Assert.Equal(9, options.MaxEvaluations);
        Assert.Equal(1e-7, options.GradientTolerance);
        Assert.Equal(1e-9, options.ChangeTolerance);
        Assert.False(lbfgs.ReuseLastEvaluation);
        Assert.True(lbfgs.PyTorchExact);

        // A step by hand evaluates where it starts, as PyTorch's does, and runs its own number of iterations.
        var calls = 0;
        var report = lbfgs.Step(() =>
        {
            calls++;
            lbfgs.ZeroGrad();
            var l = MinimizeTests.Rosenbrock(x);
            l.Backward();
            return l.ToScalar();
        });
        Assert.False(lbfgs.LastStepReusedEvaluation);
        Assert.Equal(calls, lbfgs.LastStepInfo!.FunctionEvaluations);
        Assert.True(lbfgs.LastStepInfo.Iterations > 1, lbfgs.LastStepInfo.ToString());
        Assert.NotNull(report.Loss);
    }

    [Fact]
    public void A_run_over_data_keeps_PyTorchs_steps()
    {
        // Each batch gets a full PyTorch step (up to MaxIterations L-BFGS iterations), as in PyTorch's training loop.
        var w = Variable.Parameter(new[] { 0.0, 0.0 });
        var xs = Enumerable.Range(0, 8).Select(i => (X: i / 4.0, Y: 1 + (2 * i / 4.0))).ToArray();
        var lbfgs = new LBFGS(lineSearch: LineSearch.StrongWolfe);
        var result = Minimize.OverData(
                xs,
                batch =>
                {
                    var x = Variable.Constant(batch.Select(s => s.X).ToArray());
                    var y = Variable.Constant(batch.Select(s => s.Y).ToArray());
                    return ((w[0] + (w[1] * x)) - y).Square().Mean();
                },
                [w])
            .With(lbfgs)
            .Epochs(1)
            .Run();

        Assert.Equal(1, result.Iterations);
        Assert.True(lbfgs.LastStepInfo!.Iterations > 1, lbfgs.LastStepInfo.ToString());
        Assert.Equal(1.0, result.Minimizer[0], 1e-6);
        Assert.Equal(2.0, result.Minimizer[1], 1e-6);
        Assert.Equal(20, ((LBFGSOptions)lbfgs.ParameterGroups[0].Options).MaxIterations);
    }
}
