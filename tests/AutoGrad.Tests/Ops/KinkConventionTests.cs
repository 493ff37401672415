using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Ops;

/// <summary>
/// The derivative convention at non-smooth points, pinned as a table against PyTorch
/// (Fixtures/generate_kinks.py → kinks.json): Relu, Abs → 0 at 0; Clamp passes the gradient at its bounds;
/// LeakyRelu and Elu use their negative-side slope at 0; ties in Maximum/Minimum and in Max/Min reductions
/// share the gradient equally.
/// </summary>
public class KinkConventionTests
{
    private static readonly Dictionary<string, Func<Variable<double>[], Variable<double>>> s_ops = new()
    {
        ["Relu"] = x => x[0].Relu(),
        ["Abs"] = x => x[0].Abs(),
        ["Clamp(-1,1)"] = x => x[0].Clamp(-1.0, 1.0),
        ["ClampMin(0)"] = x => x[0].ClampMin(0.0),
        ["ClampMax(0)"] = x => x[0].ClampMax(0.0),
        ["LeakyRelu(0.01)"] = x => x[0].LeakyRelu(0.01),
        ["Elu(1.5)"] = x => x[0].Elu(1.5),
        ["Maximum"] = x => x[0].Maximum(x[1]),
        ["Minimum"] = x => x[0].Minimum(x[1]),
        ["Max"] = x => x[0].Max(),
        ["Min"] = x => x[0].Min(),
        ["Max(axis=1)"] = x => x[0].Max(1),
        ["Min(axis=0)"] = x => x[0].Min(0),
    };

    public static TheoryData<string> Cases()
    {
        using var doc = Fixtures.Load("kinks.json");
        var data = new TheoryData<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("op").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_at_kinks_matches_PyTorch(string op)
    {
        using var doc = Fixtures.Load("kinks.json");
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("op").GetString() == op);
        var inputs = c.GetProperty("inputs").EnumerateArray()
            .Select(e => Variable.Parameter(Fixtures.Flatten(e), Fixtures.ShapeOf(e)))
            .ToArray();
        s_ops[op](inputs).Sum().Backward();

        var expected = c.GetProperty("grads").EnumerateArray().Select(e => Fixtures.Flatten(e)).ToArray();
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(expected[i], inputs[i].Grad!.ToArray());
        }
    }

    [Fact]
    public void Every_op_with_a_kink_has_a_row()
    {
        using var doc = Fixtures.Load("kinks.json");
        var ops = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("op").GetString()!);
        Assert.Equal(s_ops.Keys.Order(), ops.Order());
    }
}
