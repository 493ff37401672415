using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Optim;

/// <summary>
/// L-BFGS against PyTorch (Fixtures/generate_optim_lbfgs.py → optim_lbfgs.json, one step = one Step(closure) call;
/// Fixtures/generate_optim_lbfgs_line_search.py → optim_lbfgs_line_search.json), plus robustness, state and
/// convergence.
/// </summary>
public class LBFGSTests
{
    private const string File = "optim_lbfgs.json";
    private const string LineSearchFile = "optim_lbfgs_line_search.json";
    private const LineSearch Wolfe = LineSearch.StrongWolfe;

    private static readonly Dictionary<string, Func<IEnumerable<IVariable>, LBFGS>> s_optimizers = Cases();

    public static TheoryData<string> Names => OptimizerTrajectories.Names(File);

    public static TheoryData<int> LineSearchCases
    {
        get
        {
            var data = new TheoryData<int>();
            using var doc = Fixtures.Load(LineSearchFile);
            for (var i = 0; i < doc.RootElement.GetProperty("cases").GetArrayLength(); i++)
            {
                data.Add(i);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Trajectory_and_counts_match_PyTorch(string name)
    {
        var counts = new List<(long Iterations, long Evaluations)>();
        OptimizerTrajectories.Check(
            File,
            name,
            s_optimizers[name],
            afterStep: (o, _) =>
            {
                var info = ((LBFGS)o).LastStepInfo!;
                Assert.Null(info.Problem);
                counts.Add((info.TotalIterations, info.TotalFunctionEvaluations));
            },
            closure: true);

        using var doc = Fixtures.Load(File);
        var expected = doc.RootElement.GetProperty("cases").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == name)
            .GetProperty("lbfgsCounts").EnumerateArray()
            .Select(e => (e[0].GetInt64(), e[1].GetInt64()))
            .ToArray();
        Assert.Equal(expected, counts);
    }

    [Fact]
    public void Every_run_has_an_optimizer() =>
        Assert.Equal(s_optimizers.Keys.Order(StringComparer.Ordinal), OptimizerTrajectories.Load(File).Select(r => r.Name).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(LineSearchCases))]
    public void Strong_Wolfe_line_search_matches_PyTorch(int index)
    {
        using var doc = Fixtures.Load(LineSearchFile);
        var c = doc.RootElement.GetProperty("cases")[index];
        var family = c.GetProperty("family").GetString()!;
        var a = c.GetProperty("a").GetDouble();
        var b = c.GetProperty("b").GetDouble();
        var x0 = c.GetProperty("x0").GetDouble();
        Func<double, (double F, double G)> f = family switch
        {
            "expm" => x => (Math.Exp(a * x) - (b * x), (Math.Exp(a * x) * a) - b),
            "quartic" => x => (Math.Pow(x - a, 4) + (b * x), (Math.Pow(x - a, 3) * 4) + b),
            "sin" => x => (Math.Sin(a * x) + (b * x * x), (Math.Cos(a * x) * a) + (b * x) + (b * x)),
            "logcosh" => x => (Math.Log(Math.Cosh(a * (x - b))), 1 / Math.Cosh(a * (x - b)) * Math.Sinh(a * (x - b)) * a),
            _ => throw new ArgumentException(family),
        };

        var (f0, g0) = f(x0);
        var g = new[] { g0 };
        var d = new[] { -g0 };
        var gradient = new double[1];
        var evaluations = 0;
        var search = new StrongWolfeLineSearch().Search(
            (double t, double[] grad, out double loss) =>
            {
                evaluations++;
                (loss, grad[0]) = f(x0 + (t * d[0]));
                return true;
            },
            d,
            c.GetProperty("t0").GetDouble(),
            f0,
            g,
            g0 * d[0],
            gradient);

        var what = $"case {index} ({family}, a = {a}, b = {b}, x0 = {x0})";
        Assert.True(c.GetProperty("evaluations").GetInt32() == search.Evaluations, $"{what}: PyTorch evaluated {c.GetProperty("evaluations").GetInt32()} times, AutoGrad {search.Evaluations}.");
        Assert.Equal(evaluations, search.Evaluations);
        Close(c.GetProperty("t").GetDouble(), search.T, $"{what}: t");
        Close(c.GetProperty("loss").GetDouble(), search.Loss, $"{what}: loss");
        Close(c.GetProperty("gradient").GetDouble(), gradient[0], $"{what}: gradient");

        static void Close(double expected, double actual, string what) =>
            Assert.True(Math.Abs(expected - actual) <= 1e-12 + (1e-9 * Math.Abs(expected)), $"{what}: PyTorch {expected:R}, AutoGrad {actual:R}.");
    }

    [Fact]
    public void Defaults_are_PyTorchs()
    {
        var o = new LBFGS().Defaults;
        Assert.Equal(1, o.LearningRate);
        Assert.Equal(20, o.MaxIterations);
        Assert.Null(o.MaxEvaluations);
        Assert.Equal(25, o.EffectiveMaxEvaluations);
        Assert.Equal(1e-7, o.GradientTolerance);
        Assert.Equal(1e-9, o.ChangeTolerance);
        Assert.Equal(100, o.HistorySize);
        Assert.Equal(LineSearch.None, o.LineSearch);
        Assert.Equal("LBFGS", new LBFGS().Name);
    }

    [Fact]
    public void Invalid_hyperparameters_are_rejected_with_the_name_and_range()
    {
        Check("LearningRate", "> 0", () => new LBFGS(learningRate: 0));
        Check("MaxIterations", "≥ 1", () => new LBFGS(maxIterations: 0));
        Check("MaxEvaluations", "≥ 1", () => new LBFGS(maxEvaluations: 0));
        Check("GradientTolerance", "≥ 0", () => new LBFGS(gradientTolerance: -1));
        Check("ChangeTolerance", "≥ 0", () => new LBFGS(changeTolerance: double.NaN));
        Check("HistorySize", "≥ 1", () => new LBFGS(historySize: 0));
        Check("LineSearch", "StrongWolfe", () => new LBFGS(lineSearch: (LineSearch)7));

        static void Check(string name, string range, Func<LBFGS> make)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(make);
            Assert.Equal(name, e.ParamName);
            Assert.Contains(range, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_closure_is_required_and_one_group_only()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        var lbfgs = new LBFGS([x]);
        var e = Assert.Throws<ArgumentException>(() => lbfgs.Step());
        Assert.Equal("closure", e.ParamName);
        Assert.Contains("closure", e.Message, StringComparison.Ordinal);

        var second = Assert.Throws<InvalidOperationException>(() => lbfgs.AddParameterGroup([Variable.Parameter(3.0)]));
        Assert.Contains("single parameter group", second.Message, StringComparison.Ordinal);
        Assert.Single(lbfgs.ParameterGroups);

        var empty = new LBFGS();
        Assert.Contains("no parameters", Assert.Throws<InvalidOperationException>(() => empty.Step(() => 0)).Message, StringComparison.Ordinal);
        empty.AddParameterGroup([Variable.Parameter(1.0)], new LBFGSOptions { HistorySize = 5 });
        Assert.Equal(5, ((LBFGSOptions)empty.ParameterGroups[0].Options).HistorySize);
    }

    [Fact]
    public void Strong_Wolfe_reaches_the_Rosenbrock_minimum_to_1e_6_in_under_100_iterations()
    {
        // With the default ChangeTolerance (1e-9) PyTorch's L-BFGS stops on the directional-derivative test about
        // 4e-5 from the minimum (loss 4e-10); a tighter one lets it finish.
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var lbfgs = new LBFGS([x], lineSearch: Wolfe, maxIterations: 100, changeTolerance: 1e-12);
        var iterations = 0;
        for (var step = 0; step < 10 && iterations < 100; step++)
        {
            lbfgs.Step(Closure(lbfgs, x, OptimizerTrajectories.Rosenbrock));
            iterations += lbfgs.LastStepInfo!.Iterations;
            if (Math.Abs(x.Values[0] - 1) <= 1e-6 && Math.Abs(x.Values[1] - 1) <= 1e-6)
            {
                break;
            }
        }

        Assert.InRange(iterations, 1, 99);
        Assert.Equal(1, x.Values[0], 1e-6);
        Assert.Equal(1, x.Values[1], 1e-6);
        Assert.Equal(iterations, lbfgs.LastStepInfo!.TotalIterations);
    }

    [Fact]
    public void A_step_reports_evaluations_iterations_and_why_it_stopped()
    {
        var x = Variable.Parameter(new[] { 3.0, -4.0 });
        var lbfgs = new LBFGS([x], lineSearch: Wolfe);
        var report = lbfgs.Step(Closure(lbfgs, x, v => v.Square().Sum()));
        var info = lbfgs.LastStepInfo!;
        Assert.Equal(25.0, report.Loss);                 // the first evaluation's loss, as PyTorch returns
        Assert.Equal(10.0, report.GradientNorm, 12);      // ‖(6, −8)‖ at the start
        Assert.Equal(5.0, report.UpdateNorm, 6);          // it reached 0
        Assert.False(report.Skipped);
        Assert.Null(report.SkipReason);
        Assert.Equal(LBFGSStopReason.GradientTolerance, info.StopReason);
        Assert.True(info.FunctionEvaluations > info.Iterations);
        Assert.Equal(1, lbfgs.StepCount);

        // Already optimal: one evaluation, no iteration.
        lbfgs.Step(Closure(lbfgs, x, v => v.Square().Sum()));
        Assert.Equal(new LBFGSStepInfo(0, 1, LBFGSStopReason.GradientTolerance, null, info.TotalIterations, info.TotalFunctionEvaluations + 1), lbfgs.LastStepInfo);
        Assert.Equal(2, lbfgs.StepCount);

        var fixedSteps = new LBFGS([Variable.Parameter(new[] { 3.0, -4.0 })], maxIterations: 3, maxEvaluations: 10);
        var y = (Variable<double>)fixedSteps.ParameterGroups[0].Parameters[0];
        fixedSteps.Step(Closure(fixedSteps, y, v => (v.Square() * Variable.Constant(new[] { 1.0, 10.0 })).Sum()));
        Assert.Equal(LBFGSStopReason.MaxIterations, fixedSteps.LastStepInfo!.StopReason);
        Assert.Equal(3, fixedSteps.LastStepInfo.Iterations);
        Assert.Equal(3, fixedSteps.LastStepInfo.FunctionEvaluations);   // the last point is not evaluated (PyTorch)
    }

    [Fact]
    public void Parameters_are_flattened_in_order_and_may_be_float()
    {
        // Rosenbrock on one vector and on two scalars: the same trajectory, bit for bit.
        var whole = Variable.Parameter(new[] { -1.2, 1.0 });
        var a = Variable.Parameter(new[] { -1.2 });
        var b = Variable.Parameter(new[] { 1.0 });
        var one = new LBFGS([whole], lineSearch: Wolfe, historySize: 4, maxIterations: 7);
        var two = new LBFGS([a, b], lineSearch: Wolfe, historySize: 4, maxIterations: 7);
        for (var i = 0; i < 4; i++)
        {
            one.Step(Closure(one, whole, OptimizerTrajectories.Rosenbrock));
            two.Step(() =>
            {
                two.ZeroGrad();
                var l = ((100 * (b - a.Square()).Square()) + (1 - a).Square()).Sum();
                l.Backward();
                return l.ToScalar();
            });
            Assert.Equal(whole.ToArray(), new[] { a.ToScalar(), b.ToScalar() });
        }

        // Float parameters (the algorithm runs in double).
        var f = Variable.Parameter(new[] { 3f, -2f, 0.5f });
        var target = Variable.Constant(new[] { 1f, 2f, 3f });
        var lbfgs = new LBFGS([f], lineSearch: Wolfe);
        lbfgs.Step(() =>
        {
            lbfgs.ZeroGrad();
            var l = (f - target).Square().Sum();
            l.Backward();
            return l.ToScalar();
        });
        Assert.Equal(new[] { 1f, 2f, 3f }, f.ToArray().Select(v => MathF.Round(v, 4)));
        Assert.NotEqual(LBFGSStopReason.NonFinite, lbfgs.LastStepInfo!.StopReason);
    }

    [Fact]
    public void A_parameter_without_a_gradient_counts_as_zero_gradient()
    {
        var x = Variable.Parameter(new[] { 2.0 });
        var unused = Variable.Parameter(new[] { 5.0 });
        var lbfgs = new LBFGS([x, unused], lineSearch: Wolfe);
        lbfgs.Step(Closure(lbfgs, x, v => (v - 1).Square().Sum()));
        Assert.Equal(1.0, x.ToScalar(), 9);
        Assert.Equal(5.0, unused.ToScalar());
    }

    [Theory]
    [InlineData(LineSearch.StrongWolfe)]
    [InlineData(LineSearch.None)]
    public void A_loss_that_is_NaN_beyond_a_region_never_leaves_NaN_parameters(LineSearch lineSearch)
    {
        // f(x) = Σ (x − 4)² where every x ≤ 3, NaN beyond: the minimum of the finite region is at its edge, so
        // the quasi-Newton steps aim into the NaN region.
        static Variable<double> F(Variable<double> x) =>
            Variable.Where(x > 3.0, double.NaN, (x - 4).Square()).Sum();

        var x = Variable.Parameter(new[] { 0.0, 1.0 });
        var lbfgs = new LBFGS([x], lineSearch: lineSearch);
        var sawNonFinite = false;
        var previous = double.PositiveInfinity;
        for (var step = 0; step < 10; step++)
        {
            var report = lbfgs.Step(Closure(lbfgs, x, F));
            var info = lbfgs.LastStepInfo!;
            Assert.All(x.ToArray(), v => Assert.True(double.IsFinite(v) && v <= 3, $"step {step}: x = {v}"));
            if (info.StopReason == LBFGSStopReason.NonFinite)
            {
                sawNonFinite = true;
                Assert.Contains("NaN", info.Problem, StringComparison.Ordinal);
                Assert.Equal(info.Problem, report.SkipReason);

                // Gradients are those of the point kept.
                var kept = F(Variable.Constant(x.ToArray())).ToScalar();
                Assert.True(double.IsFinite(kept));
                Assert.Equal(x.ToArray().Select(v => 2 * (v - 4)), x.Grad!.ToArray());
                Assert.True(kept <= previous);
            }

            if (double.IsFinite(report.Loss!.Value))
            {
                previous = Math.Min(previous, report.Loss.Value);
            }
        }

        Assert.True(sawNonFinite);
        Assert.True(F(Variable.Constant(x.ToArray())).ToScalar() < 25, "the progress made before the NaN region was kept");
    }

    [Fact]
    public void A_loss_undefined_beyond_a_region_keeps_the_best_point_inside_it()
    {
        // −Σ log(2 − x) − x: finite for x < 2 only; the first steps overshoot into log of a negative number.
        var x = Variable.Parameter(new[] { 0.0 });
        var lbfgs = new LBFGS([x], lineSearch: Wolfe, learningRate: 10);
        for (var step = 0; step < 3; step++)
        {
            var report = lbfgs.Step(Closure(lbfgs, x, v => (-(2 - v).Log() - v).Sum()));
            Assert.Equal(0.0, x.ToScalar());
            Assert.Equal(LBFGSStopReason.NonFinite, lbfgs.LastStepInfo!.StopReason);
            Assert.True(report.Skipped);
            Assert.Contains("the loss NaN at step length t = 10", report.SkipReason, StringComparison.Ordinal);
        }

        // A smaller first step stays inside and converges to x = 1.
        var lbfgs2 = new LBFGS([x], lineSearch: Wolfe);
        lbfgs2.Step(Closure(lbfgs2, x, v => (-(2 - v).Log() - v).Sum()));
        Assert.Equal(1.0, x.ToScalar(), 1e-5);
    }

    [Fact]
    public void A_failed_line_search_keeps_the_best_point_and_says_so()
    {
        // A closure whose gradient points the wrong way: every trial along the "descent" direction goes uphill.
        var x = Variable.Parameter(new[] { 1.0, -2.0 });
        var lbfgs = new LBFGS([x], lineSearch: Wolfe);
        var report = lbfgs.Step(() =>
        {
            lbfgs.ZeroGrad();
            var l = x.Square().Sum();
            (-l).Backward();
            return l.ToScalar();
        });

        var info = lbfgs.LastStepInfo!;
        Assert.Equal(LBFGSStopReason.LineSearchFailed, info.StopReason);
        Assert.Contains("line search found no point lower", info.Problem, StringComparison.Ordinal);
        Assert.Equal(new[] { 1.0, -2.0 }, x.ToArray());
        Assert.Equal(new[] { -2.0, 4.0 }, x.Grad!.ToArray());
        Assert.True(report.Skipped);                   // nothing moved
        Assert.Equal(info.Problem, report.SkipReason);
        Assert.Equal(0, lbfgs.StepCount);
        Assert.True(info.FunctionEvaluations > 2);
    }

    [Fact]
    public void A_failed_line_search_after_progress_keeps_the_progress()
    {
        // Honest gradients while x > 0.5, then lying: the first iterations make progress, a later line search fails.
        var x = Variable.Parameter(new[] { 2.0 });
        var lbfgs = new LBFGS([x], lineSearch: Wolfe, learningRate: 0.25);
        lbfgs.Step(() =>
        {
            lbfgs.ZeroGrad();
            var l = x.Square().Sum();
            (x.ToScalar() > 0.5 ? l : -l).Backward();
            return l.ToScalar();
        });

        var info = lbfgs.LastStepInfo!;
        Assert.True(info.StopReason == LBFGSStopReason.LineSearchFailed, info.ToString());
        Assert.True(x.ToScalar() < 2.0);
        Assert.True(info.Iterations > 1, info.ToString());
        Assert.False(lbfgs.LastReport!.Skipped);
        Assert.Equal(1, lbfgs.StepCount);
    }

    [Fact]
    public void A_non_finite_start_goes_back_to_the_previous_steps_best_point()
    {
        // Fixed steps: the last iteration's point is not evaluated (as PyTorch), so a step can end in the NaN
        // region; the next step notices at once and goes back.
        static Variable<double> F(Variable<double> x) =>
            Variable.Where(x > 3.0, double.NaN, (x - 4).Square()).Sum();

        var x = Variable.Parameter(new[] { 0.0 });
        var lbfgs = new LBFGS([x], maxIterations: 2, maxEvaluations: 10);
        var infos = new List<LBFGSStepInfo>();
        for (var step = 0; step < 6; step++)
        {
            lbfgs.Step(Closure(lbfgs, x, F));
            infos.Add(lbfgs.LastStepInfo!);
            if (infos[^1].Problem?.Contains("where the step began", StringComparison.Ordinal) == true)
            {
                Assert.True(x.ToScalar() <= 3);
                Assert.Contains("previous step's lowest point", infos[^1].Problem, StringComparison.Ordinal);
                Assert.False(lbfgs.LastReport!.Skipped);
                return;
            }
        }

        Assert.Fail(string.Join("\n", infos));
    }

    [Fact]
    public void A_non_finite_first_evaluation_with_no_history_changes_nothing()
    {
        var x = Variable.Parameter(new[] { -1.0 });
        var lbfgs = new LBFGS([x]);
        var report = lbfgs.Step(Closure(lbfgs, x, v => v.Sqrt().Sum()));
        Assert.True(report.Skipped);
        Assert.Equal(LBFGSStopReason.NonFinite, lbfgs.LastStepInfo!.StopReason);
        Assert.Contains("nothing was changed", report.SkipReason, StringComparison.Ordinal);
        Assert.Equal(-1.0, x.ToScalar());
        Assert.Equal(0, lbfgs.StepCount);
        Assert.Equal(1, lbfgs.LastStepInfo.FunctionEvaluations);
    }

    [Theory]
    [InlineData(LineSearch.None, 1)]
    [InlineData(LineSearch.StrongWolfe, 1)]
    [InlineData(LineSearch.StrongWolfe, 3)]
    public void Reusing_the_last_evaluation_keeps_the_trajectory_and_saves_one_closure_call_per_step(LineSearch lineSearch, int maxIterations)
    {
        // What a Minimize run over a deterministic loss turns on: a step that starts where the previous one ended, at a
        // point that step evaluated, takes that evaluation instead of calling the closure there again.
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var y = Variable.Parameter(new[] { -1.2, 1.0 });
        var plain = new LBFGS([x], lineSearch: lineSearch, maxIterations: maxIterations);
        var reusing = new LBFGS([y], lineSearch: lineSearch, maxIterations: maxIterations) { ReuseLastEvaluation = true };
        int plainCalls = 0, reusingCalls = 0, reused = 0;
        var plainClosure = Closure(plain, x, OptimizerTrajectories.Rosenbrock);
        var reusingClosure = Closure(reusing, y, OptimizerTrajectories.Rosenbrock);
        for (var step = 0; step < 15; step++)
        {
            var a = plain.Step(() => { plainCalls++; return plainClosure(); });
            var b = reusing.Step(() => { reusingCalls++; return reusingClosure(); });
            Assert.Equal(x.ToArray(), y.ToArray());
            Assert.Equal(a.Loss, b.Loss);
            Assert.Equal(a.GradientNorm, b.GradientNorm);
            Assert.Equal(plain.LastStepInfo!.StopReason, reusing.LastStepInfo!.StopReason);
            Assert.Equal(plainCalls, plain.LastStepInfo.TotalFunctionEvaluations);
            Assert.Equal(reusingCalls, reusing.LastStepInfo.TotalFunctionEvaluations);
            reused += reusing.LastStepReusedEvaluation ? 1 : 0;
        }

        // Fixed steps end at a point they did not evaluate (PyTorch leaves that to the next step): nothing to reuse.
        // With the line search every step after the first starts from its predecessor's accepted point.
        Assert.Equal(lineSearch == LineSearch.None ? 0 : 14, reused);
        Assert.Equal(plainCalls - reused, reusingCalls);
    }

    [Fact]
    public void A_point_changed_between_steps_is_evaluated_again_even_when_reusing()
    {
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var lbfgs = new LBFGS([x], lineSearch: Wolfe, maxIterations: 1) { ReuseLastEvaluation = true };
        var closure = Closure(lbfgs, x, OptimizerTrajectories.Rosenbrock);
        lbfgs.Step(closure);
        lbfgs.Step(closure);
        Assert.True(lbfgs.LastStepReusedEvaluation);

        x.Data[0] += 1e-3;
        var moved = OptimizerTrajectories.Rosenbrock(Variable.Constant(x.ToArray())).ToScalar();
        var calls = 0;
        var report = lbfgs.Step(() => { calls++; return closure(); });
        Assert.False(lbfgs.LastStepReusedEvaluation);
        Assert.Equal(calls, lbfgs.LastStepInfo!.FunctionEvaluations);
        Assert.True(calls >= 2);
        Assert.Equal(moved, report.Loss);

        // Turning reuse off (or on again) forgets the remembered point.
        lbfgs.ReuseLastEvaluation = true;
        calls = 0;
        lbfgs.Step(() => { calls++; return closure(); });
        Assert.False(lbfgs.LastStepReusedEvaluation);
        Assert.Equal(calls, lbfgs.LastStepInfo!.FunctionEvaluations);
    }

    [Theory]
    [InlineData(LineSearch.None)]
    [InlineData(LineSearch.StrongWolfe)]
    public void Saved_state_resumes_bit_for_bit(LineSearch lineSearch)
    {
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var lbfgs = new LBFGS([x], lineSearch: lineSearch, learningRate: 0.5, historySize: 3, maxIterations: 4);
        for (var i = 0; i < 3; i++)
        {
            lbfgs.Step(Closure(lbfgs, x, OptimizerTrajectories.Rosenbrock));
        }

        using var saved = new MemoryStream();
        lbfgs.SaveState(saved);
        var checkpoint = x.ToArray();
        var continued = new List<double[]>();
        for (var i = 0; i < 3; i++)
        {
            lbfgs.Step(Closure(lbfgs, x, OptimizerTrajectories.Rosenbrock));
            continued.Add(x.ToArray());
        }

        var y = Variable.Parameter(checkpoint);
        var resumed = new LBFGS([y], learningRate: 7);   // hyperparameters come from the saved state
        saved.Position = 0;
        resumed.LoadState(saved);
        Assert.Equal(3, resumed.StepCount);
        Assert.Equal(lineSearch, ((LBFGSOptions)resumed.ParameterGroups[0].Options).LineSearch);
        for (var i = 0; i < 3; i++)
        {
            resumed.Step(Closure(resumed, y, OptimizerTrajectories.Rosenbrock));
            Assert.Equal(continued[i], y.ToArray());
        }

        Assert.Equal(lbfgs.LastStepInfo, resumed.LastStepInfo);

        // A fresh optimizer without the history takes another path.
        var z = Variable.Parameter(checkpoint);
        var fresh = new LBFGS([z], lineSearch: lineSearch, learningRate: 0.5, historySize: 3, maxIterations: 4);
        fresh.Step(Closure(fresh, z, OptimizerTrajectories.Rosenbrock));
        Assert.NotEqual(continued[0], z.ToArray());
    }

    [Fact]
    public void Loading_a_mismatched_state_fails_clearly()
    {
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var lbfgs = new LBFGS([x]);
        lbfgs.Step(Closure(lbfgs, x, OptimizerTrajectories.Rosenbrock));
        using var saved = new MemoryStream();
        lbfgs.SaveState(saved);

        var other = new LBFGS([Variable.Parameter(new[] { 1.0, 2.0, 3.0 })]);
        saved.Position = 0;
        Assert.Throws<InvalidDataException>(() => other.LoadState(saved));

        var sgd = new SGD([Variable.Parameter(new[] { -1.2, 1.0 })]);
        saved.Position = 0;
        Assert.Contains("LBFGS", Assert.Throws<InvalidDataException>(() => sgd.LoadState(saved)).Message, StringComparison.Ordinal);
    }

    private static Func<double> Closure(Optimizer optimizer, Variable<double> x, Func<Variable<double>, Variable<double>> f) => () =>
    {
        optimizer.ZeroGrad();
        var l = f(x);
        l.Backward();
        return l.ToScalar();
    };

    private static Dictionary<string, Func<IEnumerable<IVariable>, LBFGS>> Cases()
    {
        var cases = new Dictionary<string, Func<IEnumerable<IVariable>, LBFGS>>();
        foreach (var problem in new[] { "rosenbrock", "least_squares" })
        {
            cases[$"lbfgs_defaults_{problem}"] = p => new LBFGS(p);
            cases[$"lbfgs_history_{problem}"] = p => new LBFGS(p, learningRate: 0.5, historySize: 3, maxIterations: 4);
            cases[$"lbfgs_tolerances_{problem}"] = p => new LBFGS(p, learningRate: 0.5, maxIterations: 5, gradientTolerance: 1e-3, changeTolerance: 1e-4);
            cases[$"lbfgs_wolfe_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe);
            cases[$"lbfgs_wolfe_history_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, historySize: 3, maxIterations: 4);
            cases[$"lbfgs_wolfe_max_eval_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, learningRate: 0.5, maxIterations: 6, maxEvaluations: 5);
            cases[$"lbfgs_wolfe_tolerances_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, maxIterations: 5, gradientTolerance: 1e-3, changeTolerance: 1e-4);
            cases[$"lbfgs_wolfe_tight_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, maxIterations: 100, changeTolerance: 1e-12);
            cases[$"lbfgs_wolfe_short_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, learningRate: 0.01, maxIterations: 5);
            cases[$"lbfgs_wolfe_long_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, learningRate: 20, maxIterations: 5, historySize: 2);
            cases[$"lbfgs_grad_tolerance_{problem}"] = p => new LBFGS(p, learningRate: 0.5, maxIterations: 3, gradientTolerance: 1e-2);
            cases[$"lbfgs_wolfe_grad_tolerance_{problem}"] = p => new LBFGS(p, lineSearch: Wolfe, maxIterations: 3, gradientTolerance: 1e-2);
            cases[$"lbfgs_tiny_{problem}"] = p => new LBFGS(p, learningRate: 1e-12, maxIterations: 5);
        }

        cases["lbfgs_wolfe_tiny_rosenbrock"] = p => new LBFGS(p, lineSearch: Wolfe, learningRate: 1e-12, maxIterations: 5);
        return cases;
    }
}
