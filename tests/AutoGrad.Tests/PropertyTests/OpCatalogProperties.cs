using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

/// <summary>Shared input generation and scalarization for the catalogue properties.</summary>
internal static class CatalogInputs
{
    /// <summary>Property iterations per row; small shapes keep the full finite-difference checks cheap.</summary>
    public const long Iterations = 100;

    /// <summary>
    /// Tolerances for the catalogue: far tighter than gradcheck's defaults (rtol 1e-3, which lets a 0.1% error in a
    /// derivative through), yet well above central differences' own error in double with h = 1e-6 (truncation
    /// h²·f‴/6 and rounding ε·|f|/h, below 1e-7 for these domains and output sizes).
    /// </summary>
    public static readonly GradCheckOptions FirstOrder = new() { AbsoluteTolerance = 1e-6, RelativeTolerance = 1e-6 };

    /// <summary>The same tolerances, checking second derivatives through createGraph as well.</summary>
    public static readonly GradCheckOptions SecondOrder = FirstOrder with { CheckSecondOrder = true };

    public static TheoryData<string> AllRows()
    {
        var data = new TheoryData<string>();
        foreach (var row in OpCatalog<double>.Rows)
        {
            data.Add(row.Name);
        }

        return data;
    }

    /// <summary>Argument lists for a row: one shared shape (rank ≥ MinRank, dims 1..maxDimension), or broadcast-compatible pairs.</summary>
    public static Gen<Variable<double>[]> For(OpRow<double> row, int maxDimension = 3)
    {
        if (row.Shapes is { } shapes)
        {
            return shapes(maxDimension).SelectMany(s => Generators.Arguments(s.Select((shape, i) => Generators.Parameter(shape, row.Domains[i])).ToArray()));
        }

        if (row.Broadcasts)
        {
            return Generators.BroadcastPair(maxRank: 3, maxDimension: maxDimension).SelectMany(pair =>
                Generators.Arguments(Generators.Parameter(pair.Left, row.Domains[0]), Generators.Parameter(pair.Right, row.Domains[1])));
        }

        var shape = Gen.Int[row.MinRank, 3].SelectMany(rank => Gen.Int[1, maxDimension].Array[rank]).Select(dims => new Shape(dims));
        return shape.SelectMany(s => Generators.Arguments(row.Domains.Select(d => Generators.Parameter(s, d)).ToArray()));
    }

    /// <summary>
    /// wᵀ·op(x) with a fixed weight w (deterministic in the output shape), so one backward pass checks a random
    /// projection of the whole Jacobian, which for these ops reveals every entry's error.
    /// </summary>
    public static Func<Variable<T>[], Variable<T>> Scalarized<T>(OpRow<T> row)
        where T : System.Numerics.IFloatingPointIeee754<T> => x =>
        {
            var y = row.Apply(x);
            var w = Variable.Uniform(y.Shape, T.CreateChecked(0.5), T.CreateChecked(1.5), seed: y.Length);
            return (y * w).Sum();
        };
}

/// <summary>Every catalogue row: analytic gradient vs central finite differences in double.</summary>
public class GradientPropertyTests
{
    [Theory]
    [MemberData(nameof(CatalogInputs.AllRows), MemberType = typeof(CatalogInputs))]
    public void Gradient_matches_finite_differences(string name)
    {
        var row = OpCatalog<double>.Find(name);
        GradientAssert.MatchesFiniteDifferences(CatalogInputs.For(row), CatalogInputs.Scalarized(row), CatalogInputs.FirstOrder, CatalogInputs.Iterations);
    }
}

/// <summary>Every catalogue row: second derivatives (through createGraph) vs finite differences of the gradient.</summary>
public class SecondDerivativePropertyTests
{
    [Theory]
    [MemberData(nameof(CatalogInputs.AllRows), MemberType = typeof(CatalogInputs))]
    public void Second_derivative_matches_finite_differences_of_the_gradient(string name)
    {
        var row = OpCatalog<double>.Find(name);
        GradientAssert.MatchesFiniteDifferences(
            CatalogInputs.For(row, maxDimension: 2),
            CatalogInputs.Scalarized(row),
            CatalogInputs.SecondOrder,
            iterations: CatalogInputs.Iterations);
    }
}

/// <summary>Every catalogue row: the float instantiation agrees with the double one, values and gradients.</summary>
public class FloatDoubleAgreementTests
{
    [Theory]
    [MemberData(nameof(CatalogInputs.AllRows), MemberType = typeof(CatalogInputs))]
    public void Float_and_double_agree(string name)
    {
        var rowD = OpCatalog<double>.Find(name);
        var rowF = OpCatalog<float>.Find(name);

        // Vector lengths that straddle SIMD widths where the op takes a plain vector; otherwise the row's shapes.
        var inputs = !rowD.Broadcasts && rowD.MinRank <= 1 && rowD.Shapes is null
            ? Generators.SimdStraddlingVector.SelectMany(s => Generators.Arguments(rowD.Domains.Select(d => Generators.Parameter(s, d)).ToArray()))
            : CatalogInputs.For(rowD, maxDimension: 5);

        inputs.Sample(
            xd =>
            {
                var xf = xd.Select(v => Variable.Parameter(v.Values.ToArray().Select(e => (float)e).ToArray(), v.Shape)).ToArray();
                var yd = rowD.Apply(xd);
                var yf = rowF.Apply(xf);
                Assert.Equal(yd.Shape, yf.Shape);
                AssertClose(yd.Values, yf.Values, rowD.FloatTolerance, "value");

                CatalogInputs.Scalarized(rowD)(xd).Backward();
                CatalogInputs.Scalarized(rowF)(xf).Backward();
                for (var i = 0; i < xd.Length; i++)
                {
                    AssertClose(xd[i].Grad!.Values, xf[i].Grad!.Values, rowD.FloatTolerance, $"gradient of input {i}");
                }
            },
            iter: CatalogInputs.Iterations * 2,
            threads: 1,
            print: xs => string.Join("; ", xs.Select(v => v.ToString())));
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = tolerance * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound, $"{what}[{i}]: double {expected[i]}, float {actual[i]} (allowed {bound:G3})");
        }
    }
}

/// <summary>Every catalogue row: each input's gradient has that input's shape, also when inputs broadcast.</summary>
public class GradientShapePropertyTests
{
    [Theory]
    [MemberData(nameof(CatalogInputs.AllRows), MemberType = typeof(CatalogInputs))]
    public void Gradient_shapes_equal_input_shapes(string name)
    {
        var row = OpCatalog<double>.Find(name);
        CatalogInputs.For(row, maxDimension: 4).Sample(
            xs =>
            {
                CatalogInputs.Scalarized(row)(xs).Backward();
                foreach (var x in xs)
                {
                    Assert.NotNull(x.Grad);
                    Assert.Equal(x.Shape, x.Grad!.Shape);
                }
            },
            iter: CatalogInputs.Iterations * 4,
            threads: 1,
            print: xs => string.Join("; ", xs.Select(v => v.Shape.ToString())));
    }

    [Fact]
    public void The_float_and_double_catalogues_have_the_same_rows()
    {
        Assert.Equal(OpCatalog<double>.Rows.Select(r => r.Name), OpCatalog<float>.Rows.Select(r => r.Name));
        Assert.Equal(OpCatalog<double>.Rows.Count, OpCatalog<double>.Rows.Select(r => r.Name).Distinct().Count());
    }
}
