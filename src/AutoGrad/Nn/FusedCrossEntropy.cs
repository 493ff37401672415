using System.Numerics.Tensors;

namespace AutoGrad;

// Derivative (the fused form of CrossEntropy(x, class targets) for [N, C] logits, no weights, no smoothing):
//
//   FusedCrossEntropy(x, y)   x: grad ⊙ (softmax(x) − one-hot(y)) / d      (rows of ignored samples: 0)
//
// where d is the number of non-ignored samples for the Mean and 1 for the Sum.
public sealed partial class Variable<T>
{
    private sealed class FusedCrossEntropyNode : PooledNode<FusedCrossEntropyNode>
    {
        private int[] _targets = [];
        private int _ignoreIndex;
        private T _divisor = T.One;

        public override string Name => "CrossEntropy";

        public static FusedCrossEntropyNode Create(Variable<T> x, int[] targets, int ignoreIndex, T divisor)
        {
            var node = Create(x);
            (node._targets, node._ignoreIndex, node._divisor) = (targets, ignoreIndex, divisor);
            return node;
        }

        protected override void DropReferences() => _targets = [];

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var (targets, ignoreIndex, divisor) = (_targets, _ignoreIndex, _divisor);
            if (!GradMode.IsEnabled)
            {
                // No graph is being built: one pass that writes (softmax − one-hot)·grad/d row by row.
                inputGrads[0] = Result(CrossEntropyGradient(x, targets, ignoreIndex, grad.Data[0] / divisor), x._shape, node: null);
                return;
            }

            // Recorded form (createGraph), differentiable again: the same formula in Variable operations.
            var (rows, classes) = (x._shape[0], x._shape[1]);
            var target = NewZeroedBuffer(rows * classes);
            var mask = NewZeroedBuffer(rows);
            for (var r = 0; r < rows; r++)
            {
                if (targets[r] != ignoreIndex)
                {
                    target[(r * classes) + targets[r]] = T.One;
                    mask[r] = T.One;
                }
            }

            var oneHot = Result(target, x._shape, node: null);
            var keep = Result(mask, new Shape(rows, 1), node: null);
            inputGrads[0] = ChainMultiply(x.Softmax(1) - oneHot, keep) * (grad / divisor);
        }
    }

    /// <summary>
    /// Mean (or summed) softmax cross entropy of [N, C] logits against class indices, as one op: a stable
    /// log-sum-exp per row in the forward, and a single pass for the backward when no graph is being built.
    /// </summary>
    /// <param name="x">Logits of shape [N, C].</param>
    /// <param name="targets">N class indices (already validated: each in 0..C−1 or the ignore index).</param>
    /// <param name="ignoreIndex">The target value of samples that are left out.</param>
    /// <param name="mean">Divide by the number of non-ignored samples (else sum).</param>
    /// <returns>The scalar loss.</returns>
    internal static Variable<T> FusedCrossEntropy(Variable<T> x, int[] targets, int ignoreIndex, bool mean)
    {
        var (rows, classes) = (x._shape[0], x._shape[1]);
        var values = x.Data;
        var total = T.Zero;
        var counted = 0;
        var scratch = NewBuffer(classes);
        for (var r = 0; r < rows; r++)
        {
            if (targets[r] == ignoreIndex)
            {
                continue;
            }

            var row = values.AsSpan(r * classes, classes);
            var (shift, sum) = ShiftedExpRow(row, scratch);
            total += shift + T.Log(sum) - row[targets[r]];
            counted++;
        }

        var divisor = mean ? T.CreateChecked(counted) : T.One;
        var data = ScalarBuffer(total / divisor);
        return Result(data, Shape.Scalar, ShouldRecord(x) ? FusedCrossEntropyNode.Create(x, targets, ignoreIndex, divisor) : null);
    }

    /// <summary>
    /// exp(row − m) into <paramref name="destination"/>, with m the row's maximum (0 when it is not finite, as
    /// LogSoftmax does), and its sum: log Σ exp(row) is m + log(sum), and softmax(row) is destination / sum.
    /// </summary>
    private static (T Shift, T Sum) ShiftedExpRow(ReadOnlySpan<T> row, Span<T> destination)
    {
        var max = TensorPrimitives.Max(row);
        if (!T.IsFinite(max))
        {
            max = T.Zero;
        }

        TensorPrimitives.Subtract(row, max, destination);
        TensorPrimitives.Exp<T>(destination, destination);
        return (max, TensorPrimitives.Sum<T>(destination));
    }

    /// <summary>(softmax(x) − one-hot(y))·scale per row, 0 for ignored rows: the raw backward of the fused loss.</summary>
    private static T[] CrossEntropyGradient(Variable<T> x, int[] targets, int ignoreIndex, T scale)
    {
        var (rows, classes) = (x._shape[0], x._shape[1]);
        var values = x.Data;
        var gradient = NewBuffer(rows * classes);
        for (var r = 0; r < rows; r++)
        {
            var g = gradient.AsSpan(r * classes, classes);
            if (targets[r] == ignoreIndex)
            {
                g.Clear();
                continue;
            }

            var (_, sum) = ShiftedExpRow(values.AsSpan(r * classes, classes), g);
            TensorPrimitives.Multiply(g, scale / sum, g);
            g[targets[r]] -= scale;
        }

        return gradient;
    }
}
