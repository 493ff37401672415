using AutoGrad;
using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.Testing;

public class GeneratorsTests
{
    private static readonly Domain[] s_domains = [Domain.Any, Domain.Positive, Domain.AwayFromKinks, Domain.UnitInterval, Domain.Range(-0.5, 2)];

    [Fact]
    public void Shapes_respect_the_rank_and_dimension_bounds_and_cover_every_rank()
    {
        var ranks = new HashSet<int>();
        Generators.Shape(maxRank: 3, maxDimension: 4).Sample(
            shape =>
            {
                ranks.Add(shape.Rank);
                return shape.Rank <= 3 && shape.All(d => d is >= 1 and <= 4);
            },
            iter: 100,
            threads: 1);

        Assert.Equal([0, 1, 2, 3], ranks.Order());
    }

    [Fact]
    public void Values_stay_inside_their_domain_and_fill_the_shape()
    {
        foreach (var domain in s_domains)
        {
            Generators.Shape()
                .SelectMany(shape => Generators.Values(shape, domain).Select(values => (shape, values)))
                .Sample((shape, values) => values.Length == shape.ElementCount && values.All(domain.Contains), iter: 50, threads: 1);
        }
    }

    [Fact]
    public void Domains_have_the_documented_bounds()
    {
        Assert.True(Domain.Any.Contains(-3) && Domain.Any.Contains(3) && !Domain.Any.Contains(3.01));
        Assert.True(Domain.Positive.Contains(0.1) && !Domain.Positive.Contains(0.05) && !Domain.Positive.Contains(-1));
        Assert.True(Domain.AwayFromKinks.Contains(-0.1) && Domain.AwayFromKinks.Contains(2.5) && !Domain.AwayFromKinks.Contains(0.05) && !Domain.AwayFromKinks.Contains(-3.5));
        Assert.True(Domain.UnitInterval.Contains(0.05) && Domain.UnitInterval.Contains(0.95) && !Domain.UnitInterval.Contains(0.99));
        Assert.Equal("AwayFromKinks", Domain.AwayFromKinks.Name);
        Assert.Equal("[-1, 2.5]", Domain.Range(-1, 2.5).ToString());
        Assert.Throws<ArgumentException>(() => Domain.Range(1, 1));
        Assert.Throws<ArgumentException>(() => Domain.Range(0, double.PositiveInfinity));
    }

    [Fact]
    public void AwayFromKinks_produces_both_signs()
    {
        bool negative = false, positive = false;
        Domain.AwayFromKinks.Values.Sample(
            x =>
            {
                negative |= x < 0;
                positive |= x > 0;
            },
            iter: 100,
            threads: 1);

        Assert.True(negative && positive);
    }

    [Fact]
    public void Parameters_are_leaves_that_require_gradients_with_values_in_the_domain()
    {
        Generators.Parameter(Domain.Positive, maxRank: 2, maxDimension: 3).Sample(
            p => p.RequiresGrad && p.IsLeaf && p.Grad is null && p.Rank <= 2 && p.ToArray().All(Domain.Positive.Contains),
            iter: 100,
            threads: 1);

        Generators.Parameter(new Shape(2, 3), Domain.UnitInterval).Sample(
            p => p.Shape == new Shape(2, 3) && p.ToArray().All(Domain.UnitInterval.Contains),
            iter: 20,
            threads: 1);
    }

    [Fact]
    public void Broadcast_pairs_add_without_error_to_the_broadcast_shape()
    {
        bool differentRanks = false, sizeOneAgainstLarger = false;
        Generators.BroadcastPair(maxRank: 3, maxDimension: 4).Sample(
            (left, right) =>
            {
                var sum = Variable.Zeros<double>(left) + Variable.Zeros<double>(right);
                Assert.Equal(ExpectedBroadcast(left, right), sum.Shape);
                differentRanks |= left.Rank != right.Rank;
                sizeOneAgainstLarger |= HasSizeOneAgainstLarger(left, right) || HasSizeOneAgainstLarger(right, left);
            },
            iter: 100,
            threads: 1);

        Assert.True(differentRanks, "no pair of different ranks was generated");
        Assert.True(sizeOneAgainstLarger, "no pair with a size-1 axis broadcast against a larger one was generated");
    }

    [Fact]
    public void SimdStraddlingVector_produces_only_and_all_the_listed_lengths()
    {
        int[] expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65];
        var seen = new HashSet<int>();
        Generators.SimdStraddlingVector.Sample(
            shape =>
            {
                Assert.Equal(1, shape.Rank);
                Assert.Contains(shape[0], expected);
                seen.Add(shape[0]);
            },
            iter: 400,
            threads: 1);

        Assert.Equal(expected, seen.Order());
    }

    [Fact]
    public void Arguments_combines_generators_in_order()
    {
        Generators.Arguments(Generators.Parameter(new Shape(2), Domain.Positive), Generators.Parameter(Shape.Scalar, Domain.Any)).Sample(
            xs => xs.Length == 2 && xs[0].Shape == new Shape(2) && xs[1].Shape == Shape.Scalar && xs[0].ToArray().All(Domain.Positive.Contains),
            iter: 20,
            threads: 1);
        Assert.Throws<ArgumentException>(() => Generators.Arguments());
    }

    [Fact]
    public void Shape_generators_reject_bad_bounds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.Shape(maxRank: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.Shape(maxDimension: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.BroadcastPair(maxDimension: 0));
    }

    /// <summary>NumPy's rule, written independently of the engine: align trailing axes; sizes must match or be 1.</summary>
    private static Shape ExpectedBroadcast(Shape left, Shape right)
    {
        var rank = Math.Max(left.Rank, right.Rank);
        var dims = new int[rank];
        for (var k = 1; k <= rank; k++)
        {
            var l = k <= left.Rank ? left[left.Rank - k] : 1;
            var r = k <= right.Rank ? right[right.Rank - k] : 1;
            Assert.True(l == r || l == 1 || r == 1, $"{left} and {right} do not broadcast");
            dims[rank - k] = Math.Max(l, r);
        }

        return new Shape(dims);
    }

    private static bool HasSizeOneAgainstLarger(Shape a, Shape b)
    {
        for (var k = 1; k <= Math.Min(a.Rank, b.Rank); k++)
        {
            if (a[a.Rank - k] == 1 && b[b.Rank - k] > 1)
            {
                return true;
            }
        }

        return false;
    }
}
