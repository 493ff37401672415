using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Optim;

/// <summary>
/// Adadelta, Adamax, NAdam and RAdam run their elementwise steps one block at a time: the trajectories must be bitwise
/// the same whatever the block length, in particular the same as with one block for the whole parameter (the unblocked
/// passes, which the PyTorch trajectory tests pin), at lengths below, at and around the block boundaries.
/// </summary>
[Collection(SerialCollection.Name)]
public class BlockedUpdateTests
{
    private static readonly int[] s_lengths = [1, 63, 64, 65, 200, 1000, 4097, 10007];

    public static TheoryData<string> Optimizers => new(s_factories.Keys);

    private static readonly Dictionary<string, Func<IVariable, Optimizer>> s_factories = new()
    {
        ["adadelta"] = p => new Adadelta([p], weightDecay: 0.01),
        ["adadelta_maximize"] = p => new Adadelta([p], maximize: true),
        ["adamax"] = p => new Adamax([p], weightDecay: 0.01),
        ["nadam"] = p => new NAdam([p], weightDecay: 0.01),
        ["nadam_decoupled"] = p => new NAdam([p], weightDecay: 0.01, decoupledWeightDecay: true),
        ["radam"] = p => new RAdam([p], weightDecay: 0.01),
        ["radam_decoupled_maximize"] = p => new RAdam([p], weightDecay: 0.01, decoupledWeightDecay: true, maximize: true),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Any_block_length_gives_the_same_trajectory_as_one_block(string name)
    {
        foreach (var length in s_lengths)
        {
            var whole = Run<double>(name, length, blockLength: int.MaxValue / 4);
            Assert.Equal(whole, Run<double>(name, length, blockLength: 64));
            Assert.Equal(whole, Run<double>(name, length, blockLength: 4096));
            var wholeFloat = Run<float>(name, length, blockLength: int.MaxValue / 4);
            Assert.Equal(wholeFloat, Run<float>(name, length, blockLength: 64));
            Assert.Equal(wholeFloat, Run<float>(name, length, blockLength: 4096));
        }
    }

    /// <summary>Eight steps (RAdam's rectification starts at step 6) on f(θ) = Σ rₖ·θ + 0.1·Σθ² with fresh r each step.</summary>
    private static T[] Run<T>(string name, int length, int blockLength)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var saved = AdaptiveMath.BlockLength;
        AdaptiveMath.BlockLength = blockLength;
        try
        {
            var random = new Random(length);
            var p = Variable.Parameter(Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() * 4) - 2)).ToArray());
            var optimizer = s_factories[name](p);
            for (var step = 0; step < 8; step++)
            {
                var r = Variable.Constant(Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray());
                optimizer.ZeroGrad();
                ((p * r).Sum() + ((p * p).Sum() * T.CreateChecked(0.1))).Backward();
                optimizer.Step();
            }

            return p.ToArray();
        }
        finally
        {
            AdaptiveMath.BlockLength = saved;
        }
    }
}
