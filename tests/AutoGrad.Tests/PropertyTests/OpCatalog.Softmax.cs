using AutoGrad.Testing;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    private static IReadOnlyList<OpRow<T>> SoftmaxRows { get; } =
    [
        new("Softmax", x => x[0].Softmax(), Domain.Any),
        new("Softmax(axis=0)", x => x[0].Softmax(0), Domain.Any) { MinRank = 1 },
        new("Softmax(axis=1)", x => x[0].Softmax(1), Domain.Any) { MinRank = 2 },
        new("LogSoftmax", x => x[0].LogSoftmax(), Domain.Any),
        new("LogSoftmax(axis=0)", x => x[0].LogSoftmax(0), Domain.Any) { MinRank = 1 },
        new("LogSoftmax(axis=1)", x => x[0].LogSoftmax(1), Domain.Any) { MinRank = 2 },

        // Logits spread over [−30, 30]: probabilities from ~1e-26 to 1, so the rows exercise the shift by the maximum.
        new("LogSoftmax(wide logits)", x => (x[0] * C(10)).LogSoftmax(), Domain.Any) { MinRank = 1 },
    ];
}
