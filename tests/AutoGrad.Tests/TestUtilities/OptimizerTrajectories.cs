using System.Text.Json;
using AutoGrad;

namespace AutoGrad.Tests.TestUtilities;

/// <summary>
/// Replays optimizer runs recorded from PyTorch by Fixtures/optimcases.py: same problem, same start, same number of
/// steps, and compares the parameters, the loss and every group's learning rate after every step.
/// </summary>
internal static class OptimizerTrajectories
{
    /// <summary>One recorded run.</summary>
    public sealed record Run(string Name, string Problem, double[] Start, int Steps, double[][] Trajectory, double[] Losses, double[][] LearningRates, double[]? ClipNorms);

    private static readonly Dictionary<string, (IReadOnlyList<Run> Runs, double[] A, double[] B)> s_cache = [];

    public static IReadOnlyList<Run> Load(string file) => Fixture(file).Runs;

    public static TheoryData<string> Names(string file)
    {
        var data = new TheoryData<string>();
        foreach (var run in Load(file))
        {
            data.Add(run.Name);
        }

        return data;
    }

    /// <summary>The problem's loss as an AutoGrad function of the parameter vector.</summary>
    public static Func<Variable<double>, Variable<double>> Problem(string file, string problem)
    {
        var (_, a, b) = Fixture(file);
        return problem switch
        {
            "rosenbrock" => Rosenbrock,
            "least_squares" => x =>
            {
                var r = Variable.Constant(a, [b.Length, a.Length / b.Length]).MatMul(x) - Variable.Constant(b);
                return 0.5 * (r * r).Sum();
            }
            ,
            _ => throw new ArgumentException($"Unknown problem '{problem}'."),
        };
    }

    /// <summary>Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])², vectorized.</summary>
    public static Variable<double> Rosenbrock(Variable<double> x)
    {
        var head = x[..^1];
        var tail = x[1..];
        return ((100 * (tail - head.Square()).Square()) + (1 - head).Square()).Sum();
    }

    /// <summary>
    /// Replays a run and compares every step to <c>|a − e| ≤ atol + rtol·|e|</c>.
    /// <paramref name="beforeStep"/> runs after backward and before the optimizer step (clipping);
    /// <paramref name="afterStep"/> after it, with the step's loss (schedules).
    /// </summary>
    public static void Check(
        string file,
        string name,
        Func<IEnumerable<IVariable>, Optimizer> makeOptimizer,
        Action<Optimizer, double>? afterStep = null,
        Func<Variable<double>, double?>? beforeStep = null,
        bool closure = false,
        double rtol = 1e-9,
        double atol = 1e-12)
    {
        var run = Load(file).Single(r => r.Name == name);
        var f = Problem(file, run.Problem);
        var x = Variable.Parameter(run.Start);
        var optimizer = makeOptimizer([x]);
        for (var step = 0; step < run.Steps; step++)
        {
            double loss;
            if (closure)
            {
                loss = optimizer.Step(() =>
                {
                    optimizer.ZeroGrad();
                    var l = f(x);
                    l.Backward();
                    return l.ToScalar();
                }).Loss!.Value;
            }
            else
            {
                optimizer.ZeroGrad();
                var l = f(x);
                l.Backward();
                loss = l.ToScalar();
                if (beforeStep?.Invoke(x) is { } clipNorm)
                {
                    Close(run.ClipNorms![step], clipNorm, $"{name}, step {step + 1}: clipped gradient norm");
                }

                optimizer.Step();
            }

            afterStep?.Invoke(optimizer, loss);
            var where = $"{name}, step {step + 1}";
            Close(run.Losses[step], loss, $"{where}: loss");
            for (var i = 0; i < run.Start.Length; i++)
            {
                Close(run.Trajectory[step][i], x.Values[i], $"{where}: x[{i}]");
            }

            for (var g = 0; g < run.LearningRates[step].Length; g++)
            {
                Close(run.LearningRates[step][g], optimizer.ParameterGroups[g].LearningRate, $"{where}: learning rate of group {g}");
            }
        }

        void Close(double expected, double actual, string what) =>
            Assert.True(
                Math.Abs(expected - actual) <= atol + (rtol * Math.Abs(expected)) || (double.IsNaN(expected) && double.IsNaN(actual)),
                $"{what}: PyTorch {expected:R}, AutoGrad {actual:R}.");
    }

    private static (IReadOnlyList<Run> Runs, double[] A, double[] B) Fixture(string file)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(file, out var fixture))
            {
                using var doc = Fixtures.Load(file);
                var root = doc.RootElement;
                var runs = root.GetProperty("cases").EnumerateArray().Select(c => new Run(
                    c.GetProperty("name").GetString()!,
                    c.GetProperty("problem").GetString()!,
                    Fixtures.Flatten(c.GetProperty("start")),
                    c.GetProperty("steps").GetInt32(),
                    c.GetProperty("trajectory").EnumerateArray().Select(e => Fixtures.Flatten(e)).ToArray(),
                    Fixtures.Flatten(c.GetProperty("losses")),
                    c.GetProperty("learningRates").EnumerateArray().Select(e => Fixtures.Flatten(e)).ToArray(),
                    c.TryGetProperty("clipNorms", out var n) ? Fixtures.Flatten(n) : null)).ToArray();
                var lsq = root.GetProperty("leastSquares");
                fixture = (runs, Fixtures.Flatten(lsq.GetProperty("A")), Fixtures.Flatten(lsq.GetProperty("b")));
                s_cache[file] = fixture;
            }

            return fixture;
        }
    }
}
