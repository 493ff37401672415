using AutoGrad;
using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.Testing;

public class GradientAssertTests
{
    private static readonly Gen<Variable<double>[]> s_broadcastArguments =
        Generators.BroadcastPair(maxRank: 2, maxDimension: 3).SelectMany((left, right) =>
            Generators.Arguments(Generators.Parameter(left, Domain.Any), Generators.Parameter(right, Domain.Any)));

    private static readonly Gen<Variable<double>[]> s_oneArgument =
        Generators.Arguments(Generators.Parameter(Domain.AwayFromKinks, maxRank: 2, maxDimension: 4));

    // The value x ⊙ x is right, but detach(x) ⊙ x has analytic gradient x instead of 2x.
    private static Variable<double> BrokenSquare(Variable<double>[] x) => x[0].Detach() * x[0];

    [Fact]
    public void Passes_on_a_correct_broadcasting_function()
    {
        GradientAssert.MatchesFiniteDifferences(s_broadcastArguments, x => (x[0] * x[1]).Sin() + x[0].Square(), iterations: 50);
    }

    [Fact]
    public void Passes_on_a_correct_function_in_fast_mode_with_second_order()
    {
        var options = new GradCheckOptions { Mode = GradCheckMode.Fast, CheckSecondOrder = true };
        GradientAssert.MatchesFiniteDifferences(s_oneArgument, x => x[0].Abs() * x[0].Tanh(), options, iterations: 50);
    }

    [Fact]
    public void Throws_on_a_wrong_gradient_with_the_shrunk_input_the_report_and_the_seed()
    {
        var e = Assert.Throws<GradientMismatchException>(() => GradientAssert.MatchesFiniteDifferences(s_oneArgument, BrokenSquare, iterations: 50));

        Assert.False(e.Report.Passed);
        Assert.False(e.Report.Inputs[0].Passed);
        Assert.NotNull(e.Seed);
        Assert.StartsWith("  input 0: shape [", e.Inputs, StringComparison.Ordinal);
        Assert.Contains(e.Inputs, e.Message, StringComparison.Ordinal);
        Assert.Contains("values [", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Report.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains($"seed: \"{e.Seed}\"", e.Message, StringComparison.Ordinal);
        Assert.IsType<CsCheckException>(e.InnerException);
    }

    [Fact]
    public void Shrinks_the_failing_input_to_a_scalar()
    {
        var e = Assert.Throws<GradientMismatchException>(() => GradientAssert.MatchesFiniteDifferences(s_oneArgument, BrokenSquare, iterations: 50));

        // Every input fails, so CsCheck can shrink all the way down to the smallest shape.
        Assert.StartsWith("  input 0: shape [], values [", e.Inputs, StringComparison.Ordinal);
        Assert.Equal(Shape.Scalar, e.Report.Inputs[0].Shape);
    }

    [Fact]
    public void The_reported_seed_reproduces_the_failure()
    {
        var first = Assert.Throws<GradientMismatchException>(() => GradientAssert.MatchesFiniteDifferences(s_oneArgument, BrokenSquare, iterations: 20));

        var again = Assert.Throws<GradientMismatchException>(() => GradientAssert.MatchesFiniteDifferences(s_oneArgument, BrokenSquare, iterations: 1, seed: first.Seed));

        Assert.Equal(first.Inputs, again.Inputs);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentException>(() => GradientAssert.MatchesFiniteDifferences(null!, BrokenSquare));
        Assert.Throws<ArgumentException>(() => GradientAssert.MatchesFiniteDifferences(s_oneArgument, null!));
        Assert.Throws<ArgumentException>(() => GradientAssert.MatchesFiniteDifferences(s_oneArgument, BrokenSquare, iterations: 0));
    }
}
