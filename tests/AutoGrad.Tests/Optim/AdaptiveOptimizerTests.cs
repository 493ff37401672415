using System.Numerics;
using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Optim;

/// <summary>
/// Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax, NAdam, RAdam and Rprop against PyTorch trajectories
/// (Fixtures/generate_optim_adaptive.py → optim_adaptive.json), plus what no PyTorch 1.13 fixture can show: exact
/// save/load, float against double, validation, and the PyTorch 2.x options (NAdam/RAdam maximize and decoupled weight decay).
/// </summary>
public class AdaptiveOptimizerTests
{
    private const string File = "optim_adaptive.json";

    private static readonly Dictionary<string, Func<IEnumerable<IVariable>, Optimizer>> s_optimizers = Optimizers();

    public static TheoryData<string> Names => OptimizerTrajectories.Names(File);

    /// <summary>The same runs as the generator: every option on both problems, options scaled to each problem's gradients.</summary>
    private static Dictionary<string, Func<IEnumerable<IVariable>, Optimizer>> Optimizers()
    {
        var all = new Dictionary<string, Func<IEnumerable<IVariable>, Optimizer>>();
        foreach (var ros in new[] { true, false })
        {
            var problem = ros ? "rosenbrock" : "least_squares";
            var wd = ros ? 2.0 : 0.1;
            var eps = ros ? 10.0 : 0.1;

            // Least-squares variants stay off the gradient's rounding-noise floor: see the generator.
            void Add(string name, Func<IEnumerable<IVariable>, Optimizer> make) => all.Add($"{name}_{problem}", make);

            var adagrad = ros ? 0.05 : 0.1;
            Add("adagrad", p => new Adagrad(p, adagrad));
            Add("adagrad_lr_decay", p => new Adagrad(p, adagrad, learningRateDecay: 0.05));
            Add("adagrad_weight_decay", p => new Adagrad(p, adagrad, weightDecay: wd));
            Add("adagrad_initial_accumulator", p => new Adagrad(p, adagrad, initialAccumulatorValue: ros ? 1e4 : 2.0));
            Add("adagrad_eps", p => new Adagrad(p, adagrad, epsilon: eps));
            Add("adagrad_maximize", p => new Adagrad(p, adagrad, maximize: true, weightDecay: wd));

            var rmsprop = ros ? 1e-3 : 1e-2;
            Add("rmsprop", p => new RMSprop(p, rmsprop));
            Add("rmsprop_alpha", p => new RMSprop(p, ros ? rmsprop : 3e-3, alpha: 0.9));
            Add("rmsprop_momentum", p => new RMSprop(p, rmsprop, momentum: 0.9));
            Add("rmsprop_centered", p => new RMSprop(p, rmsprop, centered: true));
            Add("rmsprop_centered_momentum", p => new RMSprop(p, rmsprop, centered: true, momentum: 0.5));
            Add("rmsprop_weight_decay", p => new RMSprop(p, rmsprop, weightDecay: wd, epsilon: ros ? 1.0 : 1e-2));
            Add("rmsprop_maximize", p => new RMSprop(p, rmsprop, maximize: true, momentum: 0.5));

            Add("adadelta", p => new Adadelta(p));
            Add("adadelta_rho", p => new Adadelta(p, rho: ros ? 0.5 : 0.7));
            Add("adadelta_eps", p => new Adadelta(p, epsilon: ros ? 1e-4 : 1e-5));
            Add("adadelta_weight_decay", p => new Adadelta(p, weightDecay: wd));
            Add("adadelta_maximize", p => new Adadelta(p, maximize: true));

            var adam = ros ? 1e-2 : 2e-2;
            Add("adam", p => new Adam(p, adam));
            Add("adam_betas", p => new Adam(p, adam, beta1: 0.8, beta2: 0.99));
            Add("adam_eps", p => new Adam(p, adam, epsilon: eps));
            Add("adam_amsgrad", p => new Adam(p, adam, amsGrad: true));
            Add("adam_weight_decay", p => new Adam(p, adam, weightDecay: wd));
            Add("adam_amsgrad_weight_decay", p => new Adam(p, adam, amsGrad: true, weightDecay: wd));
            Add("adam_maximize", p => new Adam(p, adam, maximize: true, amsGrad: true));

            Add("adamw", p => new AdamW(p, adam));
            Add("adamw_weight_decay", p => new AdamW(p, adam, weightDecay: 0.5));
            Add("adamw_no_weight_decay", p => new AdamW(p, adam, weightDecay: 0));
            Add("adamw_amsgrad", p => new AdamW(p, adam, amsGrad: true, weightDecay: 0.1));
            Add("adamw_maximize", p => new AdamW(p, adam, maximize: true));

            var adamax = ros ? 1e-2 : 2e-2;
            Add("adamax", p => new Adamax(p, adamax));
            Add("adamax_betas", p => new Adamax(p, adamax, beta1: 0.8, beta2: 0.99));
            Add("adamax_eps", p => new Adamax(p, adamax, epsilon: eps));
            Add("adamax_weight_decay", p => new Adamax(p, adamax, weightDecay: wd));
            Add("adamax_maximize", p => new Adamax(p, adamax, maximize: true));

            var nadam = ros ? 5e-3 : 2e-2;
            Add("nadam", p => new NAdam(p, nadam));
            Add("nadam_betas", p => new NAdam(p, nadam, beta1: 0.8, beta2: 0.99));
            Add("nadam_eps", p => new NAdam(p, nadam, epsilon: eps));
            Add("nadam_momentum_decay", p => new NAdam(p, nadam, momentumDecay: 0.1));
            Add("nadam_weight_decay", p => new NAdam(p, nadam, weightDecay: wd));

            var radam = ros ? 1e-3 : 2e-2;
            Add("radam", p => new RAdam(p, radam));
            Add("radam_betas", p => new RAdam(p, radam, beta1: 0.8, beta2: 0.9));
            Add("radam_eps", p => new RAdam(p, radam, epsilon: eps));
            Add("radam_weight_decay", p => new RAdam(p, radam, weightDecay: wd));

            var rprop = ros ? 1e-3 : 1e-2;
            Add("rprop", p => new Rprop(p, rprop));
            Add("rprop_etas", p => new Rprop(p, rprop, etaMinus: 0.3, etaPlus: 1.5));
            Add("rprop_step_sizes", p => ros ? new Rprop(p, rprop, stepSizeMin: 1e-4, stepSizeMax: 2e-2) : new Rprop(p, rprop, stepSizeMin: 2e-3, stepSizeMax: 5e-3));
            Add("rprop_maximize", p => new Rprop(p, rprop, maximize: true));
        }

        return all;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Trajectory_matches_PyTorch(string name) => OptimizerTrajectories.Check(File, name, s_optimizers[name]);

    [Fact]
    public void Every_run_has_an_optimizer() =>
        Assert.Equal(s_optimizers.Keys.Order(StringComparer.Ordinal), OptimizerTrajectories.Load(File).Select(r => r.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void Defaults_are_PyTorchs()
    {
        var adagrad = new Adagrad().Defaults;
        Assert.Equal((1e-2, 0.0, 0.0, 0.0, 1e-10, false), (adagrad.LearningRate, adagrad.LearningRateDecay, adagrad.WeightDecay, adagrad.InitialAccumulatorValue, adagrad.Epsilon, adagrad.Maximize));
        var rmsprop = new RMSprop().Defaults;
        Assert.Equal((1e-2, 0.99, 1e-8, 0.0, 0.0, false, false), (rmsprop.LearningRate, rmsprop.Alpha, rmsprop.Epsilon, rmsprop.WeightDecay, rmsprop.Momentum, rmsprop.Centered, rmsprop.Maximize));
        var adadelta = new Adadelta().Defaults;
        Assert.Equal((1.0, 0.9, 1e-6, 0.0, false), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon, adadelta.WeightDecay, adadelta.Maximize));
        var adam = new Adam().Defaults;
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 0.0, false, false, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.AmsGrad, adam.Maximize, adam.DecoupledWeightDecay));
        var adamW = new AdamW().Defaults;
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false, true), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, adamW.AmsGrad, adamW.Maximize, adamW.DecoupledWeightDecay));
        var adamax = new Adamax().Defaults;
        Assert.Equal((2e-3, 0.9, 0.999, 1e-8, 0.0, false), (adamax.LearningRate, adamax.Beta1, adamax.Beta2, adamax.Epsilon, adamax.WeightDecay, adamax.Maximize));
        var nadam = new NAdam().Defaults;
        Assert.Equal((2e-3, 0.9, 0.999, 1e-8, 0.0, 4e-3, false, false), (nadam.LearningRate, nadam.Beta1, nadam.Beta2, nadam.Epsilon, nadam.WeightDecay, nadam.MomentumDecay, nadam.DecoupledWeightDecay, nadam.Maximize));
        var radam = new RAdam().Defaults;
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 0.0, false, false), (radam.LearningRate, radam.Beta1, radam.Beta2, radam.Epsilon, radam.WeightDecay, radam.DecoupledWeightDecay, radam.Maximize));
        var rprop = new Rprop().Defaults;
        Assert.Equal((1e-2, 0.5, 1.2, 1e-6, 50.0, false), (rprop.LearningRate, rprop.EtaMinus, rprop.EtaPlus, rprop.StepSizeMin, rprop.StepSizeMax, rprop.Maximize));

        // The options records alone carry the same defaults (for groups built from scratch).
        Assert.Equal(1e-2, new AdagradOptions().LearningRate);
        Assert.Equal(1e-2, new RMSpropOptions().LearningRate);
        Assert.Equal(1.0, new AdadeltaOptions().LearningRate);
        Assert.Equal(2e-3, new AdamaxOptions().LearningRate);
        Assert.Equal(2e-3, new NAdamOptions().LearningRate);
        Assert.Equal(1e-3, new RAdamOptions().LearningRate);
        Assert.Equal(1e-2, new RpropOptions().LearningRate);
        Assert.Equal(["Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Rprop"], new Optimizer[] { new Adagrad(), new RMSprop(), new Adadelta(), new Adam(), new AdamW(), new Adamax(), new NAdam(), new RAdam(), new Rprop() }.Select(o => o.Name));
    }

    private static readonly Dictionary<string, (Func<Optimizer> Make, string Parameter, string Range)> s_invalid = new()
    {
        ["Adagrad lr"] = (() => new Adagrad(learningRate: -1), "LearningRate", "≥ 0"),
        ["Adagrad lr_decay"] = (() => new Adagrad(learningRateDecay: -0.1), "LearningRateDecay", "≥ 0"),
        ["Adagrad weight_decay"] = (() => new Adagrad(weightDecay: double.NaN), "WeightDecay", "≥ 0"),
        ["Adagrad initial_accumulator_value"] = (() => new Adagrad(initialAccumulatorValue: -1), "InitialAccumulatorValue", "≥ 0"),
        ["Adagrad eps"] = (() => new Adagrad(epsilon: -1e-10), "Epsilon", "≥ 0"),
        ["RMSprop lr"] = (() => new RMSprop(learningRate: double.PositiveInfinity), "LearningRate", "≥ 0"),
        ["RMSprop alpha"] = (() => new RMSprop(alpha: 1.5), "Alpha", "[0, 1]"),
        ["RMSprop eps"] = (() => new RMSprop(epsilon: -1), "Epsilon", "≥ 0"),
        ["RMSprop weight_decay"] = (() => new RMSprop(weightDecay: -1), "WeightDecay", "≥ 0"),
        ["RMSprop momentum"] = (() => new RMSprop(momentum: -0.5), "Momentum", "≥ 0"),
        ["Adadelta lr"] = (() => new Adadelta(learningRate: -1), "LearningRate", "≥ 0"),
        ["Adadelta rho"] = (() => new Adadelta(rho: 1.01), "Rho", "[0, 1]"),
        ["Adadelta eps"] = (() => new Adadelta(epsilon: -1), "Epsilon", "≥ 0"),
        ["Adadelta weight_decay"] = (() => new Adadelta(weightDecay: -1), "WeightDecay", "≥ 0"),
        ["Adam lr"] = (() => new Adam(learningRate: -1), "LearningRate", "≥ 0"),
        ["Adam beta1"] = (() => new Adam(beta1: 1), "Beta1", "[0, 1)"),
        ["Adam beta2"] = (() => new Adam(beta2: -0.1), "Beta2", "[0, 1)"),
        ["Adam eps"] = (() => new Adam(epsilon: -1), "Epsilon", "≥ 0"),
        ["Adam weight_decay"] = (() => new Adam(weightDecay: -1), "WeightDecay", "≥ 0"),
        ["AdamW lr"] = (() => new AdamW(learningRate: -1), "LearningRate", "≥ 0"),
        ["AdamW beta1"] = (() => new AdamW(beta1: double.NaN), "Beta1", "[0, 1)"),
        ["AdamW beta2"] = (() => new AdamW(beta2: 1), "Beta2", "[0, 1)"),
        ["AdamW eps"] = (() => new AdamW(epsilon: -1), "Epsilon", "≥ 0"),
        ["AdamW weight_decay"] = (() => new AdamW(weightDecay: -1e-2), "WeightDecay", "≥ 0"),
        ["Adamax lr"] = (() => new Adamax(learningRate: -1), "LearningRate", "≥ 0"),
        ["Adamax beta1"] = (() => new Adamax(beta1: -0.5), "Beta1", "[0, 1)"),
        ["Adamax beta2"] = (() => new Adamax(beta2: 2), "Beta2", "[0, 1)"),
        ["Adamax eps"] = (() => new Adamax(epsilon: -1), "Epsilon", "≥ 0"),
        ["Adamax weight_decay"] = (() => new Adamax(weightDecay: -1), "WeightDecay", "≥ 0"),
        ["NAdam lr"] = (() => new NAdam(learningRate: -1), "LearningRate", "≥ 0"),
        ["NAdam beta1"] = (() => new NAdam(beta1: 1), "Beta1", "[0, 1)"),
        ["NAdam beta2"] = (() => new NAdam(beta2: 1), "Beta2", "[0, 1)"),
        ["NAdam eps"] = (() => new NAdam(epsilon: -1), "Epsilon", "≥ 0"),
        ["NAdam weight_decay"] = (() => new NAdam(weightDecay: -1), "WeightDecay", "≥ 0"),
        ["NAdam momentum_decay"] = (() => new NAdam(momentumDecay: -4e-3), "MomentumDecay", "≥ 0"),
        ["RAdam lr"] = (() => new RAdam(learningRate: -1), "LearningRate", "≥ 0"),
        ["RAdam beta1"] = (() => new RAdam(beta1: 1), "Beta1", "[0, 1)"),
        ["RAdam beta2"] = (() => new RAdam(beta2: 1), "Beta2", "[0, 1)"),
        ["RAdam eps"] = (() => new RAdam(epsilon: -1), "Epsilon", "≥ 0"),
        ["RAdam weight_decay"] = (() => new RAdam(weightDecay: -1), "WeightDecay", "≥ 0"),
        ["Rprop lr"] = (() => new Rprop(learningRate: -1), "LearningRate", "≥ 0"),
        ["Rprop eta_minus"] = (() => new Rprop(etaMinus: 1), "EtaMinus", "(0, 1)"),
        ["Rprop eta_minus zero"] = (() => new Rprop(etaMinus: 0), "EtaMinus", "(0, 1)"),
        ["Rprop eta_plus"] = (() => new Rprop(etaPlus: 1), "EtaPlus", "> 1"),
        ["Rprop step_size_min"] = (() => new Rprop(stepSizeMin: -1), "StepSizeMin", "≥ 0"),
        ["Rprop step_size_max"] = (() => new Rprop(stepSizeMin: 1, stepSizeMax: 0.5), "StepSizeMax", "≥ StepSizeMin (1)"),
    };

    public static TheoryData<string> InvalidCases => new(s_invalid.Keys);

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_hyperparameters_are_rejected_with_the_name_and_range(string name)
    {
        var (make, parameter, range) = s_invalid[name];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => make());
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains($"{parameter} must", e.Message, StringComparison.Ordinal);
        Assert.Contains(range, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_added_later_are_validated_too()
    {
        var adam = new Adam([Variable.Parameter(1.0)]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => adam.AddParameterGroup([Variable.Parameter(2.0)], o => o with { Beta2 = 1 }));
        Assert.Equal("Beta2", e.ParamName);
        Assert.Single(adam.ParameterGroups);
    }

    [Fact]
    public void The_momentum_a_schedule_cycles_is_the_momentum_or_beta1()
    {
        foreach (var options in new IMomentumOptions[] { new AdamOptions(), new AdamaxOptions(), new NAdamOptions(), new RAdamOptions() })
        {
            options.Momentum = 0.85;
            var beta1 = options switch
            {
                AdamOptions o => o.Beta1,
                AdamaxOptions o => o.Beta1,
                NAdamOptions o => o.Beta1,
                RAdamOptions o => o.Beta1,
                _ => double.NaN,
            };
            Assert.Equal(0.85, beta1);
        }

        var rmsprop = new RMSpropOptions();
        ((IMomentumOptions)rmsprop).Momentum = 0.6;
        Assert.Equal(0.6, rmsprop.Momentum);

        Assert.All(new OptimizerOptions[] { new AdagradOptions(), new AdadeltaOptions(), new RpropOptions() }, o => Assert.IsNotAssignableFrom<IMomentumOptions>(o));
    }

    [Fact]
    public void AdamW_is_Adam_with_decoupled_weight_decay()
    {
        var a = Run(p => new AdamW(p, 2e-2, weightDecay: 0.3, amsGrad: true));
        var b = Run(p => new Adam(p, 2e-2, weightDecay: 0.3, amsGrad: true, decoupledWeightDecay: true));
        var coupled = Run(p => new Adam(p, 2e-2, weightDecay: 0.3, amsGrad: true));
        Assert.Equal(a, b);
        Assert.NotEqual(a, coupled);

        static double[] Run(Func<IEnumerable<IVariable>, Optimizer> make)
        {
            var x = Variable.Parameter(new[] { -1.2, 1.0 });
            var optimizer = make([x]);
            for (var i = 0; i < 20; i++)
            {
                optimizer.ZeroGrad();
                OptimizerTrajectories.Rosenbrock(x).Backward();
                optimizer.Step();
            }

            return x.ToArray();
        }
    }

    [Fact]
    public void NAdam_and_RAdam_with_decoupled_weight_decay_take_the_hand_computed_first_step()
    {
        // θ = 2, loss θ², so g = 4 (the decay never enters g); lr = 0.01, λ = 0.1, defaults otherwise.
        const double Theta = 2, G = 4, Lr = 0.01, Wd = 0.1;
        var decayed = Theta * (1 - (Lr * Wd));

        // NAdam, t = 1: m = 0.1·g, v = 0.001·g², √(v / (1 − β₂)) + ε = |g| + ε.
        var mu1 = 0.9 * (1 - (0.5 * Math.Pow(0.96, 4e-3)));
        var mu2 = 0.9 * (1 - (0.5 * Math.Pow(0.96, 2 * 4e-3)));
        var denominator = Math.Sqrt(0.001 * G * G / (1 - 0.999)) + 1e-8;
        var nadamExpected = decayed - (Lr * (1 - mu1) / (1 - mu1) * G / denominator) - (Lr * mu2 / (1 - (mu1 * mu2)) * (0.1 * G) / denominator);
        Assert.Equal(nadamExpected, FirstStep(p => new NAdam(p, Lr, weightDecay: Wd, decoupledWeightDecay: true)), 14);
        Assert.NotEqual(nadamExpected, FirstStep(p => new NAdam(p, Lr, weightDecay: Wd)), 6);

        // RAdam, t = 1: ρ₁ = 1 ≤ 5, so the un-adapted step θ − lr·m̂ with m̂ = m / (1 − β₁) = g.
        Assert.Equal(decayed - (Lr * G), FirstStep(p => new RAdam(p, Lr, weightDecay: Wd, decoupledWeightDecay: true)), 14);
        Assert.Equal(Theta - (Lr * (G + (Wd * Theta))), FirstStep(p => new RAdam(p, Lr, weightDecay: Wd)), 14);

        static double FirstStep(Func<IEnumerable<IVariable>, Optimizer> make)
        {
            var x = Variable.Parameter(Theta);
            var optimizer = make([x]);
            x.Square().Backward();
            optimizer.Step();
            return x.ToScalar();
        }
    }

    [Fact]
    public void NAdam_and_RAdam_maximize_follow_the_negated_objective()
    {
        foreach (var make in new Func<IEnumerable<IVariable>, bool, Optimizer>[]
        {
            (p, max) => new NAdam(p, 1e-2, weightDecay: 0.1, maximize: max),
            (p, max) => new NAdam(p, 1e-2, weightDecay: 0.1, decoupledWeightDecay: true, maximize: max),
            (p, max) => new RAdam(p, 1e-2, weightDecay: 0.1, maximize: max),
            (p, max) => new RAdam(p, 1e-2, weightDecay: 0.1, decoupledWeightDecay: true, maximize: max),
        })
        {
            var up = Variable.Parameter(new[] { 0.5, -0.3, 0.8 });
            var down = Variable.Parameter(new[] { 0.5, -0.3, 0.8 });
            var maximizer = make([up], true);
            var minimizer = make([down], false);
            var f = OptimizerTrajectories.Problem(File, "least_squares");
            for (var i = 0; i < 30; i++)
            {
                maximizer.ZeroGrad();
                (-f(up)).Backward();
                maximizer.Step();
                minimizer.ZeroGrad();
                f(down).Backward();
                minimizer.Step();
            }

            Assert.Equal(down.ToArray(), up.ToArray());
        }
    }

    [Fact]
    public void RAdam_switches_to_the_rectified_step_once_rho_exceeds_5()
    {
        // β₂ = 0.999: ρ₅ ≈ 4.99, ρ₆ ≈ 5.99. Until then each step is exactly −lr·m̂, which does not involve v (or ε).
        var withEps = Trajectory(1.0);
        var without = Trajectory(1e-8);
        Assert.Equal(withEps[..5], without[..5]);
        Assert.NotEqual(withEps[5], without[5]);

        static double[] Trajectory(double epsilon)
        {
            var x = Variable.Parameter(3.0);
            var radam = new RAdam([x], 0.1, epsilon: epsilon);
            var values = new double[8];
            for (var i = 0; i < values.Length; i++)
            {
                radam.ZeroGrad();
                x.Square().Backward();
                radam.Step();
                values[i] = x.ToScalar();
            }

            return values;
        }
    }

    [Fact]
    public void Rprop_moves_by_its_own_step_size_whatever_the_gradient_scale()
    {
        // Loss Σ cᵢxᵢ² with c = (1e-6, 1e6): only the gradient's sign matters. Element 0 takes steps 0.1, 0.12, 0.144
        // (crossing 0), then shrinks its step to 0.072 and skips that move, then moves by 0.072 back.
        var x = Variable.Parameter(new[] { 0.3, -1000.0 });
        var rprop = new Rprop([x], 0.1);
        var seen = new List<double[]>();
        for (var i = 0; i < 5; i++)
        {
            rprop.ZeroGrad();
            (x * Variable.Constant(new[] { 1e-6, 1e6 }) * x).Sum().Backward();
            rprop.Step();
            seen.Add(x.ToArray());
        }

        Assert.Equal([0.3 - 0.1, 0.3 - 0.1 - 0.12, 0.3 - 0.1 - 0.12 - 0.144], seen.Take(3).Select(v => v[0]), new Tolerance(1e-15));
        Assert.Equal(seen[2][0], seen[3][0]);
        Assert.Equal(seen[3][0] + 0.072, seen[4][0], 15);
        Assert.Equal(-1000 + 0.1 + 0.12 + 0.144 + 0.1728 + 0.20736, seen[4][1], 10);
        Assert.Equal([0.072, 0.1 * Math.Pow(1.2, 4)], rprop.State(x).Buffer<double>("step_size", 2), new Tolerance(1e-15));
    }

    private sealed class Tolerance(double absolute) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= absolute;

        public int GetHashCode(double obj) => 0;
    }

    public static TheoryData<string> Resumable => new(s_resumable.Keys);

    private static readonly Dictionary<string, Func<IEnumerable<IVariable>, Optimizer>> s_resumable = new()
    {
        ["Adam amsgrad"] = p => new Adam(p, 1e-2, amsGrad: true, weightDecay: 0.1),
        ["NAdam"] = p => new NAdam(p, 1e-2, weightDecay: 0.1),
        ["AdamW"] = p => new AdamW(p, 1e-2, amsGrad: true),
        ["Adagrad"] = p => new Adagrad(p, 0.05, learningRateDecay: 0.1, initialAccumulatorValue: 0.5),
        ["RMSprop"] = p => new RMSprop(p, 1e-3, centered: true, momentum: 0.5),
        ["Adadelta"] = p => new Adadelta(p),
        ["Adamax"] = p => new Adamax(p, 1e-2),
        ["RAdam"] = p => new RAdam(p, 1e-2),
        ["Rprop"] = p => new Rprop(p, 1e-3),
    };

    [Theory]
    [MemberData(nameof(Resumable))]
    public void Saved_state_resumes_steps_6_to_10_bit_for_bit(string name)
    {
        var make = s_resumable[name];
        var x = Variable.Parameter(new[] { -1.2, 1.0 });
        var optimizer = make([x]);
        Steps(optimizer, x, 5);
        using var saved = new MemoryStream();
        optimizer.SaveState(saved);
        var checkpoint = x.ToArray();
        Steps(optimizer, x, 5);

        var y = Variable.Parameter(checkpoint);
        var resumed = make([y]);
        saved.Position = 0;
        resumed.LoadState(saved);
        Steps(resumed, y, 5);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.Equal(optimizer.State(x).BufferNames, resumed.State(y).BufferNames);
        Assert.Equal(optimizer.State(x).ScalarNames, resumed.State(y).ScalarNames);
        if (name == "NAdam")
        {
            Assert.Equal(optimizer.State(x).Scalar("mu_product"), resumed.State(y).Scalar("mu_product"));
            Assert.NotEqual(1.0, resumed.State(y).Scalar("mu_product"));
        }

        static void Steps(Optimizer optimizer, Variable<double> p, int count)
        {
            for (var i = 0; i < count; i++)
            {
                optimizer.ZeroGrad();
                OptimizerTrajectories.Rosenbrock(p).Backward();
                optimizer.Step();
            }
        }
    }

    public static TheoryData<string> Everything => new(s_precision.Keys);

    private static readonly Dictionary<string, Func<IEnumerable<IVariable>, Optimizer>> s_precision = new()
    {
        ["Adagrad"] = p => new Adagrad(p, 0.05, learningRateDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.1),
        ["RMSprop"] = p => new RMSprop(p, 1e-3, weightDecay: 0.1, momentum: 0.5, centered: true),
        ["Adadelta"] = p => new Adadelta(p, weightDecay: 0.1),
        ["Adam"] = p => new Adam(p, 1e-2, weightDecay: 0.1, amsGrad: true),
        ["AdamW"] = p => new AdamW(p, 1e-2, amsGrad: true),
        ["Adamax"] = p => new Adamax(p, 1e-2, weightDecay: 0.1),
        ["NAdam"] = p => new NAdam(p, 5e-3, weightDecay: 0.1),
        ["RAdam"] = p => new RAdam(p, 1e-3, weightDecay: 0.1),
        ["Rprop"] = p => new Rprop(p, 1e-3),
    };

    [Theory]
    [MemberData(nameof(Everything))]
    public void Float_parameters_follow_the_double_trajectory_closely(string name)
    {
        var make = s_precision[name];
        var d = Run(Variable.Parameter(new[] { -1.2, 1.0 }), make);
        var f = Run(Variable.Parameter(new[] { -1.2f, 1.0f }), make);
        for (var i = 0; i < d.Length; i++)
        {
            Assert.True(Math.Abs(d[i] - f[i]) <= 1e-4 + (1e-3 * Math.Abs(d[i])), $"{name}: x[{i}] is {f[i]} in float, {d[i]} in double.");
        }

        static double[] Run<T>(Variable<T> x, Func<IEnumerable<IVariable>, Optimizer> make)
            where T : IFloatingPointIeee754<T>
        {
            var optimizer = make([x]);
            for (var i = 0; i < 50; i++)
            {
                optimizer.ZeroGrad();
                var head = x[..^1];
                var tail = x[1..];
                ((T.CreateChecked(100) * (tail - head.Square()).Square()) + (T.One - head).Square()).Sum().Backward();
                optimizer.Step();
            }

            return x.ToArray().Select(v => double.CreateChecked(v)).ToArray();
        }
    }
}
