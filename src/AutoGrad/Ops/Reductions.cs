using System.Numerics.Tensors;

namespace AutoGrad;

// Derivatives (g = grad with the reduced axis restored as size 1, broadcast back to x's shape):
//
//   Sum(x[, axis])        x: g
//   Mean(x[, axis])       x: g / n                                   n = number of elements reduced
//   Max(x[, axis])        x: g ⊙ [x = result] / count(x = result)    ties share the gradient equally
//   Min(x[, axis])        x: g ⊙ [x = result] / count(x = result)
//   LogSumExp(x[, axis])  x: g ⊙ exp(x - result)                      (softmax of x along the axis)
public sealed partial class Variable<T>
{
    /// <summary>A pooled node of a reduction over one axis of its input (all of it for axis −1), keeping or dropping that axis.</summary>
    /// <typeparam name="TSelf">The node type itself.</typeparam>
    private abstract class AxisReductionNode<TSelf> : PooledNode<TSelf>
        where TSelf : AxisReductionNode<TSelf>, new()
    {
        protected int Axis { get; private set; }

        protected bool KeepDims { get; private set; }

        public static TSelf Create(Variable<T> x, int axis, bool keepDims)
        {
            var node = Create(x);
            node.Axis = axis;
            node.KeepDims = keepDims;
            return node;
        }
    }

    private sealed class SumNode : AxisReductionNode<SumNode>
    {
        public override string Name => "Sum";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var restored = Restore(grad, Inputs[0]._shape, Axis, KeepDims);

            // The gradient of a full sum is its one value at every element: without a graph to build, pass it on
            // unexpanded and let the backward pass broadcast it only where a node does not take it as it is.
            inputGrads[0] = Unexpanded(restored, Inputs[0]) ? restored : restored.BroadcastTo(Inputs[0]._shape);
        }
    }

    /// <summary>Whether a reduction's rank-0 <paramref name="gradient"/> may go to <paramref name="input"/> unexpanded.</summary>
    private static bool Unexpanded(Variable<T> gradient, Variable<T> input) =>
        !GradMode.IsEnabled && gradient._shape.Rank == 0 && input.Length > 1;

    private sealed class MeanNode : AxisReductionNode<MeanNode>
    {
        public override string Name => "Mean";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var n = Axis < 0 ? x.Length : x._shape[Axis];
            var scaled = Restore(grad, x._shape, Axis, KeepDims) / T.CreateChecked(n);
            inputGrads[0] = Unexpanded(scaled, x) ? scaled : scaled.BroadcastTo(x._shape);
        }
    }

    private sealed class ExtremumNode(Variable<T> x, int axis, bool keepDims, bool max) : Node([x])
    {
        public override string Name => max ? "Max" : "Min";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var mask = x.ElementsEqual(Restore(Result.Detach(), x._shape, axis, keepDims));
            var count = axis < 0 ? mask.Sum() : mask.Sum(axis, keepDims: true);
            inputGrads[0] = ChainMultiply(Restore(grad, x._shape, axis, keepDims), mask / count);
        }
    }

    private sealed class LogSumExpNode(Variable<T> x, int axis, bool keepDims) : Node([x])
    {
        public override string Name => "LogSumExp";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var softmax = (x - Restore(Result, x._shape, axis, keepDims)).Exp();
            inputGrads[0] = ChainMultiply(Restore(grad, x._shape, axis, keepDims), softmax);
        }
    }

    /// <summary>Reshapes a reduced gradient so it broadcasts against the input: the reduced axis becomes size 1.</summary>
    private static Variable<T> Restore(Variable<T> reduced, Shape inputShape, int axis, bool keepDims)
    {
        if (axis < 0)
        {
            return reduced.Reshape(Shape.Scalar);
        }

        return keepDims ? reduced : reduced.Reshape(KeptShape(inputShape, axis));
    }

    private static Shape KeptShape(Shape shape, int axis)
    {
        Span<int> dims = stackalloc int[shape.Rank];
        shape.Dimensions.CopyTo(dims);
        dims[axis] = 1;
        return Shape.Recent(dims);
    }

    private static Shape ReducedShape(Shape shape, int axis, bool keepDims)
    {
        if (keepDims)
        {
            return KeptShape(shape, axis);
        }

        Span<int> dims = stackalloc int[shape.Rank - 1];
        shape.Dimensions[..axis].CopyTo(dims);
        shape.Dimensions[(axis + 1)..].CopyTo(dims[axis..]);
        return Shape.Recent(dims);
    }

    /// <summary>The sum of all elements, as a scalar (0 for an empty variable).</summary>
    /// <returns>A scalar variable.</returns>
    public Variable<T> Sum()
    {
        var data = ScalarBuffer(TensorPrimitives.Sum<T>(Data));
        return Result(data, Shape.Scalar, ShouldRecord(this) ? SumNode.Create(this, -1, false) : null);
    }

    /// <summary>The sum along one axis.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    public Variable<T> Sum(int axis, bool keepDims = false)
    {
        var a = _shape.NormalizeAxis(axis, "Sum");
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        var data = NewBuffer(outer * inner);
        Kernels<T>.SumAxis(Data, data, outer, n, inner);
        return Result(data, ReducedShape(_shape, a, keepDims), ShouldRecord(this) ? SumNode.Create(this, a, keepDims) : null);
    }

    /// <summary>The mean of all elements, as a scalar (NaN for an empty variable).</summary>
    /// <returns>A scalar variable.</returns>
    public Variable<T> Mean()
    {
        var data = ScalarBuffer(TensorPrimitives.Sum<T>(Data) / T.CreateChecked(Data.Length));
        return Result(data, Shape.Scalar, ShouldRecord(this) ? MeanNode.Create(this, -1, false) : null);
    }

    /// <summary>The mean along one axis.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    public Variable<T> Mean(int axis, bool keepDims = false)
    {
        var a = _shape.NormalizeAxis(axis, "Mean");
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        var data = NewBuffer(outer * inner);
        Kernels<T>.SumAxis(Data, data, outer, n, inner);
        TensorPrimitives.Divide(data, T.CreateChecked(n), data);
        return Result(data, ReducedShape(_shape, a, keepDims), ShouldRecord(this) ? MeanNode.Create(this, a, keepDims) : null);
    }

    /// <summary>The largest element, as a scalar; NaN if any element is NaN.</summary>
    /// <returns>A scalar variable.</returns>
    /// <exception cref="InvalidOperationException">The variable is empty.</exception>
    /// <remarks>When several elements tie for the maximum, the gradient is shared equally among them.</remarks>
    public Variable<T> Max() => Extremum(max: true);

    /// <summary>The smallest element, as a scalar; NaN if any element is NaN.</summary>
    /// <returns>A scalar variable.</returns>
    /// <exception cref="InvalidOperationException">The variable is empty.</exception>
    /// <remarks>When several elements tie for the minimum, the gradient is shared equally among them.</remarks>
    public Variable<T> Min() => Extremum(max: false);

    /// <summary>The maximum along one axis (values only); NaN propagates.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <remarks>Ties along the axis share the gradient equally.</remarks>
    public Variable<T> Max(int axis, bool keepDims = false) => Extremum(axis, keepDims, max: true);

    /// <summary>The minimum along one axis (values only); NaN propagates.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <remarks>Ties along the axis share the gradient equally.</remarks>
    public Variable<T> Min(int axis, bool keepDims = false) => Extremum(axis, keepDims, max: false);

    private Variable<T> Extremum(bool max)
    {
        if (Data.Length == 0)
        {
            throw new InvalidOperationException($"{(max ? "Max" : "Min")}: the variable (shape {_shape}) is empty, so it has no {(max ? "largest" : "smallest")} element.");
        }

        var data = ScalarBuffer(max ? TensorPrimitives.Max<T>(Data) : TensorPrimitives.Min<T>(Data));
        return Result(data, Shape.Scalar, ShouldRecord(this) ? new ExtremumNode(this, -1, false, max) : null);
    }

    private Variable<T> Extremum(int axis, bool keepDims, bool max)
    {
        var name = max ? "Max" : "Min";
        var a = _shape.NormalizeAxis(axis, name);
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        if (n == 0 && outer * inner > 0)
        {
            throw new InvalidOperationException($"{name}: axis {axis} of shape {_shape} has size 0, so there is nothing to reduce.");
        }

        var data = NewZeroedBuffer(outer * inner);
        Kernels<T>.ExtremumAxis(Data, data, outer, n, inner, max);
        return Result(data, ReducedShape(_shape, a, keepDims), ShouldRecord(this) ? new ExtremumNode(this, a, keepDims, max) : null);
    }

    /// <summary>log Σ exp(x) over all elements, computed stably by factoring out the maximum.</summary>
    /// <returns>A scalar variable.</returns>
    public Variable<T> LogSumExp() => Reshape([Data.Length]).LogSumExp(0);

    /// <summary>log Σ exp(x) along one axis, computed stably as m + log Σ exp(x − m) with m the maximum.</summary>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <remarks>Its gradient is the softmax of x along the axis. All −∞ along the axis gives −∞; any +∞ gives +∞.</remarks>
    public Variable<T> LogSumExp(int axis, bool keepDims = false)
    {
        var a = _shape.NormalizeAxis(axis, "LogSumExp");
        var (outer, n, inner) = Kernels<T>.Split(_shape, a);
        var data = NewBuffer(outer * inner);
        var source = Data;
        if (inner == 1)
        {
            // Contiguous rows: max, then exp(row − max) into one scratch row and its sum.
            var row = NewBuffer(n);
            for (var o = 0; o < outer; o++)
            {
                data[o] = LogSumExpRow(source.AsSpan(o * n, n), row);
            }
        }
        else if (n == 0)
        {
            data.AsSpan().Fill(T.NegativeInfinity);
        }
        else
        {
            // Strided axis: the maxima of all columns at once, then exp(x − max) row by row, accumulated with vector
            // operations over the contiguous inner extent.
            Kernels<T>.ExtremumAxis(source, data, outer, n, inner, max: true);
            var shift = NewBuffer(inner);
            var term = NewBuffer(inner);
            var sum = NewBuffer(inner);
            for (var o = 0; o < outer; o++)
            {
                var m = data.AsSpan(o * inner, inner);
                for (var i = 0; i < inner; i++)
                {
                    shift[i] = T.IsFinite(m[i]) ? m[i] : T.Zero;
                }

                sum.AsSpan().Clear();
                for (var k = 0; k < n; k++)
                {
                    TensorPrimitives.Subtract(source.AsSpan(((o * n) + k) * inner, inner), shift, term);
                    TensorPrimitives.Exp<T>(term, term);
                    TensorPrimitives.Add<T>(sum, term, sum);
                }

                for (var i = 0; i < inner; i++)
                {
                    // All −∞ gives −∞, any +∞ gives +∞, NaN propagates: the maximum itself, as in LogSumExpRow.
                    m[i] = T.IsFinite(m[i]) ? m[i] + T.Log(sum[i]) : m[i];
                }
            }
        }

        return Result(data, ReducedShape(_shape, a, keepDims), ShouldRecord(this) ? new LogSumExpNode(this, a, keepDims) : null);
    }

    private static T LogSumExpRow(ReadOnlySpan<T> row, Span<T> scratch)
    {
        if (row.IsEmpty)
        {
            return T.NegativeInfinity;
        }

        var m = TensorPrimitives.Max<T>(row);
        if (T.IsInfinity(m) || T.IsNaN(m))
        {
            // All −∞ → −∞; any +∞ → +∞; NaN propagates. Subtracting m would produce NaN here.
            return m;
        }

        TensorPrimitives.Subtract(row, m, scratch);
        TensorPrimitives.Exp<T>(scratch, scratch);
        return m + T.Log(TensorPrimitives.Sum<T>(scratch));
    }
}
