using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Autodiff;

/// <summary>Backward is iterative: graph depth is limited by memory, not by the stack.</summary>
[Collection(SerialCollection.Name)]
public class DeepGraphTests
{
    [Fact]
    public void A_chain_of_one_million_operations_differentiates_without_stack_overflow()
    {
        const int N = 1_000_000;
        var x = Variable.Parameter(1.0);
        var y = x;
        for (var i = 0; i < N; i++)
        {
            y = (y * 1.000001) - 1e-7;
        }

        y.Backward();
        Assert.Equal(Math.Pow(1.000001, N), x.Grad!.ToScalar(), 9);
    }
}
