using System.Text.Json;
using AutoGrad;

namespace AutoGrad.Tests.TestUtilities;

/// <summary>
/// Compares ops with reference values recorded from PyTorch by Fixtures/torchcases.py: the output, and the
/// gradients of every float input for the recorded seed (one backward pass, <c>output.Backward(seed)</c>).
/// </summary>
internal static class TorchFixture
{
    /// <summary>One recorded case.</summary>
    public sealed record Case(
        string Name,
        Variable<double>[] Inputs,
        Indices[] Indices,
        double[] Output,
        Shape OutputShape,
        Variable<double>? Seed,
        double[]?[] Gradients);

    private static readonly Dictionary<string, IReadOnlyList<Case>> s_cache = [];

    /// <summary>All cases of a fixture file.</summary>
    public static IReadOnlyList<Case> Load(string file)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(file, out var cases))
            {
                using var doc = Fixtures.Load(file);
                cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(Parse).ToArray();
                s_cache[file] = cases;
            }

            return cases;
        }
    }

    /// <summary>The case names of a fixture file, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names(string file)
    {
        var data = new TheoryData<string>();
        foreach (var c in Load(file))
        {
            data.Add(c.Name);
        }

        return data;
    }

    /// <summary>
    /// Runs <paramref name="op"/> on fresh parameters holding the case's inputs and asserts the output and every
    /// gradient agree with PyTorch to <c>|a − e| ≤ atol + rtol·|e|</c>.
    /// </summary>
    public static void Check(string file, string name, Func<Variable<double>[], Indices[], Variable<double>> op, double rtol = 1e-9, double atol = 1e-12)
    {
        var c = Load(file).Single(x => x.Name == name);
        var inputs = c.Inputs.Select(x => Variable.Parameter(x.ToArray(), x.Shape)).ToArray();
        var y = op(inputs, c.Indices);
        Assert.Equal(c.OutputShape, y.Shape);
        AssertClose(c.Output, y.Values, rtol, atol, $"{name}: output");
        if (c.Seed is null)
        {
            return;
        }

        y.Backward(c.Seed);
        for (var i = 0; i < inputs.Length; i++)
        {
            if (c.Gradients[i] is { } expected)
            {
                Assert.True(inputs[i].Grad is not null, $"{name}: input {i} received no gradient; PyTorch gives one.");
                AssertClose(expected, inputs[i].Grad!.Values, rtol, atol, $"{name}: gradient of input {i}");
            }
            else
            {
                Assert.True(inputs[i].Grad is null || inputs[i].Grad!.Values.ToArray().All(v => v == 0), $"{name}: input {i} received a gradient; PyTorch gives none.");
            }
        }
    }

    /// <summary>Asserts every op has a case and every case an op.</summary>
    public static void AssertCovers<TOp>(string file, IReadOnlyDictionary<string, TOp> ops) =>
        Assert.Equal(ops.Keys.Order(StringComparer.Ordinal), Load(file).Select(c => c.Name).Order(StringComparer.Ordinal));

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol, double atol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var a = actual[i];
            var ok = double.IsNaN(e) ? double.IsNaN(a) : double.IsInfinity(e) ? a == e : Math.Abs(a - e) <= atol + (rtol * Math.Abs(e));
            Assert.True(ok, $"{what}[{i}]: expected {e:R}, got {a:R}.");
        }
    }

    private static Case Parse(JsonElement c)
    {
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(ParseTensor).ToArray();
        var indices = c.GetProperty("indices").EnumerateArray()
            .Select(i => new Indices(Fixtures.Flatten(i.GetProperty("values")).Select(v => (int)v).ToArray(), ParseShape(i)))
            .ToArray();
        var output = c.GetProperty("output");
        Variable<double>? seed = c.TryGetProperty("seed", out var s) ? ParseTensor(s) : null;
        var grads = c.TryGetProperty("grads", out var g)
            ? g.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : Fixtures.Flatten(e.GetProperty("values"))).ToArray()
            : new double[]?[inputs.Length];
        return new Case(c.GetProperty("name").GetString()!, inputs, indices, Fixtures.Flatten(output.GetProperty("values")), ParseShape(output), seed, grads);
    }

    private static Variable<double> ParseTensor(JsonElement t) => Variable.Constant(Fixtures.Flatten(t.GetProperty("values")), ParseShape(t));

    private static Shape ParseShape(JsonElement t) => new(t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
}

/// <summary>A family's PyTorch fixture file and the AutoGrad op for each of its cases.</summary>
public interface ITorchFixture
{
    /// <summary>The fixture file in Fixtures/.</summary>
    static abstract string File { get; }

    /// <summary>One AutoGrad function per case name: float inputs and index inputs in, the op's result out.</summary>
    static abstract IReadOnlyDictionary<string, Func<Variable<double>[], Indices[], Variable<double>>> Ops { get; }
}

/// <summary>The two tests every PyTorch fixture family runs: each case matches, and cases and ops correspond one to one.</summary>
public abstract class TorchFixtureTests<TSelf>
    where TSelf : ITorchFixture
{
    public static TheoryData<string> Names => TorchFixture.Names(TSelf.File);

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_PyTorch(string name) => TorchFixture.Check(TSelf.File, name, TSelf.Ops[name]);

    [Fact]
    public void Every_case_has_an_op() => TorchFixture.AssertCovers(TSelf.File, TSelf.Ops);
}
