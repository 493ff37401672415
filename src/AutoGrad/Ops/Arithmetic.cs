using System.Numerics.Tensors;

namespace AutoGrad;

// Derivatives (grad = gradient of the result, result = the forward output; the engine sums each input's
// gradient back to that input's shape, so broadcasting never appears below):
//
//   Negate(x)          x: -grad
//   Add(x, y)          x: grad                      y: grad
//   Subtract(x, y)     x: grad                      y: -grad
//   Multiply(x, y)     x: grad ⊙ y                  y: grad ⊙ x
//   Divide(x, y)       x: grad ⊙ (1 / y)            y: -grad ⊙ (result / y)
//   Pow(x, y)          x: grad ⊙ y·x^(y-1)          y: grad ⊙ result·log(x)      (x > 0; 0 where y = 0 for x)
//   ChainMultiply(x,y) x: grad ⊙ y                  y: grad ⊙ x                  (internal; 0 absorbs ∞ and NaN)
//
// ⊙ is the chain-rule product ChainMultiply: a zero factor gives zero, so an input that receives no gradient
// never turns an infinite local derivative into NaN.
public sealed partial class Variable<T>
{
    private sealed class NegateNode : PooledNode<NegateNode>
    {
        public override string Name => "Negate";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = -grad;
    }

    private sealed class AddNode : PooledNode<AddNode>
    {
        public override string Name => "Add";

        public override bool AcceptsUnexpandedGradient => OperandsHaveResultShape(this);

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            inputGrads[0] = grad;
            inputGrads[1] = grad;
        }
    }

    private sealed class SubtractNode : PooledNode<SubtractNode>
    {
        public override string Name => "Subtract";

        public override bool AcceptsUnexpandedGradient => OperandsHaveResultShape(this);

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            inputGrads[0] = grad;
            inputGrads[1] = NeedsGradient(1) ? -grad : null;
        }
    }

    private sealed class MultiplyNode : PooledNode<MultiplyNode>
    {
        public override string Name => "Multiply";

        public override bool AcceptsUnexpandedGradient => true;

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => ProductBackward(this, grad, inputGrads, []);

        public override void BackwardToLeaves(Variable<T> grad, Span<Variable<T>?> inputGrads, Span<Variable<T>?> factors) =>
            ProductBackward(this, grad, inputGrads, factors);
    }

    private sealed class DivideNode : PooledNode<DivideNode>
    {
        public override string Name => "Divide";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var y = Inputs[1];
            inputGrads[0] = NeedsGradient(0) ? ChainMultiply(grad, y.Reciprocal()) : null;
            inputGrads[1] = NeedsGradient(1) ? -ChainMultiply(grad, Result / y) : null;
        }
    }

    private sealed class PowNode(Variable<T> x, Variable<T> y) : Node([x, y])
    {
        public override string Name => "Pow";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var y = Inputs[1];
            if (NeedsGradient(0))
            {
                // y·x^(y-1), with the y = 0 entries exactly 0 (x⁰ is constant even at x = 0).
                inputGrads[0] = ChainMultiply(grad, ChainMultiply(y, x.Pow(y - T.One)));
            }

            if (NeedsGradient(1))
            {
                inputGrads[1] = ChainMultiply(grad, Result * x.Log());
            }
        }
    }

    private sealed class ChainMultiplyNode : PooledNode<ChainMultiplyNode>
    {
        public override string Name => "ChainMultiply";

        public override bool AcceptsUnexpandedGradient => true;

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => ProductBackward(this, grad, inputGrads, []);

        public override void BackwardToLeaves(Variable<T> grad, Span<Variable<T>?> inputGrads, Span<Variable<T>?> factors) =>
            ProductBackward(this, grad, inputGrads, factors);
    }

    /// <summary>
    /// Whether both operands of <paramref name="node"/> have its result's shape: then an unexpanded gradient (one value
    /// for every element of the result) passes through a sum or difference unexpanded, as one value for every element
    /// of each operand. A broadcast operand needs its gradient summed over the broadcast axes, so it gets it expanded.
    /// </summary>
    private static bool OperandsHaveResultShape(Node node)
    {
        var inputs = node.Inputs;
        var shape = node.Result._shape;
        return inputs.Length == 2 && inputs[0]._shape == shape && inputs[1]._shape == shape;
    }

    /// <summary>
    /// The backward rule of x ⊙ y (Multiply and ChainMultiply alike): grad ⊙ y and grad ⊙ x with the chain-rule product.
    /// When nothing is recorded and no broadcasting is involved, both come from one blocked pass, so the gradient is read
    /// from memory once for both products (the same kernel as <see cref="ChainMultiply"/>, so the same bits). Given
    /// <paramref name="factors"/> (an ordinary pass), an unexpanded gradient g is handed on unformed: g and y for x, g and
    /// x for y (see <see cref="Node.PendingFactor"/>).
    /// </summary>
    private static void ProductBackward(Node node, Variable<T> grad, Span<Variable<T>?> inputGrads, Span<Variable<T>?> factors)
    {
        var inputs = node.Inputs;
        var x = inputs[0];
        var y = inputs[1];
        // An unexpanded gradient (only when no graph is being built) is one value g for every element of the result.
        // With operands of one shape, the products below take it as it is: one pass over the other operand each.
        if (grad._shape != node.Result._shape && !(grad.Length == 1 && x._shape == y._shape))
        {
            grad = grad.BroadcastTo(node.Result._shape);
        }

        if (!factors.IsEmpty && grad._shape != node.Result._shape)
        {
            // Either the engine forms g ⊙ y and g ⊙ x with ChainMultiply, as below, or an upstream node takes its
            // product unformed and makes it part of its own pass.
            for (var i = 0; i < 2; i++)
            {
                if (node.NeedsGradient(i))
                {
                    inputGrads[i] = grad;
                    factors[i] = inputs[1 - i];
                }
            }

            return;
        }

        if (!GradMode.IsEnabled && node.NeedsGradient(0) && node.NeedsGradient(1) && grad._shape == x._shape && grad._shape == y._shape)
        {
            const int Block = 4096;
            T[] g = grad.Data, xs = x.Data, ys = y.Data;
            var gx = NewBuffer(g.Length);
            var gy = NewBuffer(g.Length);
            for (var start = 0; start < g.Length; start += Block)
            {
                var length = Math.Min(Block, g.Length - start);
                var block = g.AsSpan(start, length);
                BinaryKernels.ChainMultiply<T>.Invoke(block, ys.AsSpan(start, length), gx.AsSpan(start, length));
                BinaryKernels.ChainMultiply<T>.Invoke(block, xs.AsSpan(start, length), gy.AsSpan(start, length));
            }

            inputGrads[0] = Result(gx, x._shape, node: null);
            inputGrads[1] = Result(gy, y._shape, node: null);
            return;
        }

        inputGrads[0] = node.NeedsGradient(0) ? ChainMultiply(grad, y) : null;
        inputGrads[1] = node.NeedsGradient(1) ? ChainMultiply(grad, x) : null;
    }

    /// <summary>Applies a broadcasting binary kernel and returns the values and the broadcast shape.</summary>
    private static T[] Binary<TKernel>(Variable<T> x, Variable<T> y, string operation, out Shape shape)
        where TKernel : IBinaryKernel<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        shape = Broadcasting.Shapes(x._shape, y._shape, operation);
        var data = NewBuffer(shape.ElementCount);
        Kernels<T>.Binary<TKernel>(x.Data, x._shape, y.Data, y._shape, data, shape);
        return data;
    }

    /// <summary>A scalar as a one-element constant, for the operator overloads that take a <typeparamref name="T"/>.</summary>
    private static Variable<T> Scalar(T value) => Result(ScalarBuffer(value), Shape.Scalar, node: null);

    /// <summary>x·y with broadcasting, except that a zero factor gives zero even against ∞ or NaN (see the table above).</summary>
    internal static Variable<T> ChainMultiply(Variable<T> x, Variable<T> y)
    {
        var data = Binary<BinaryKernels.ChainMultiply<T>>(x, y, "ChainMultiply", out var shape);
        return Result(data, shape, ShouldRecord(x, y) ? ChainMultiplyNode.Create(x, y) : null);
    }

    /// <summary>Element-wise negation, <c>-x</c>.</summary>
    /// <returns>A new variable.</returns>
    public Variable<T> Negate()
    {
        if (ScopeTape.For(this) is { } tape)
        {
            return tape.Negate(this);
        }

        var data = NewBuffer(Data.Length);
        TensorPrimitives.Negate(Data, data);
        return Result(data, _shape, ShouldRecord(this) ? NegateNode.Create(this) : null);
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    /// <param name="y">The other operand; its shape must broadcast with this one's.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Variable<T> Add(Variable<T> y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (ScopeTape.For(this, y) is { } tape)
        {
            return tape.Add(this, y);
        }

        var data = Binary<BinaryKernels.Add<T>>(this, y, "Add", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? AddNode.Create(this, y) : null);
    }

    /// <summary>Element-wise difference with broadcasting.</summary>
    /// <param name="y">The subtrahend; its shape must broadcast with this one's.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Variable<T> Subtract(Variable<T> y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (ScopeTape.For(this, y) is { } tape)
        {
            return tape.Subtract(this, y);
        }

        var data = Binary<BinaryKernels.Subtract<T>>(this, y, "Subtract", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? SubtractNode.Create(this, y) : null);
    }

    /// <summary>Element-wise product with broadcasting.</summary>
    /// <param name="y">The other factor; its shape must broadcast with this one's.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Variable<T> Multiply(Variable<T> y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (ScopeTape.For(this, y) is { } tape)
        {
            return tape.Multiply(this, y);
        }

        var data = Binary<BinaryKernels.Multiply<T>>(this, y, "Multiply", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? MultiplyNode.Create(this, y) : null);
    }

    /// <summary>Element-wise quotient with broadcasting (IEEE semantics: x/0 is ±∞ or NaN).</summary>
    /// <param name="y">The divisor; its shape must broadcast with this one's.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Variable<T> Divide(Variable<T> y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (ScopeTape.For(this, y) is { } tape)
        {
            return tape.Divide(this, y);
        }

        var data = Binary<BinaryKernels.Divide<T>>(this, y, "Divide", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? DivideNode.Create(this, y) : null);
    }

    /// <summary>Element-wise power with a tensor exponent, <c>x^y</c>, with broadcasting.</summary>
    /// <param name="y">The exponent.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <remarks>
    /// The gradient with respect to the exponent is <c>x^y·log(x)</c>, defined for a positive base; with a
    /// non-positive base it is NaN wherever the gradient reaching it is non-zero.
    /// </remarks>
    public Variable<T> Pow(Variable<T> y)
    {
        var data = Binary<BinaryKernels.Pow<T>>(this, y, "Pow", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? new PowNode(this, y) : null);
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Variable<T> operator +(Variable<T> x, Variable<T> y) => x.Add(y);

    /// <summary>Adds a scalar to every element.</summary>
    public static Variable<T> operator +(Variable<T> x, T y) =>
        ScopeTape.For(x) is { } tape ? tape.Add(x, y) : x.Add(Scalar(y));

    /// <summary>Adds a scalar to every element.</summary>
    public static Variable<T> operator +(T x, Variable<T> y) =>
        ScopeTape.For(y) is { } tape ? tape.Add(x, y) : Scalar(x).Add(y);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Variable<T> operator -(Variable<T> x, Variable<T> y) => x.Subtract(y);

    /// <summary>Subtracts a scalar from every element.</summary>
    public static Variable<T> operator -(Variable<T> x, T y) =>
        ScopeTape.For(x) is { } tape ? tape.Subtract(x, y) : x.Subtract(Scalar(y));

    /// <summary>Subtracts every element from a scalar.</summary>
    public static Variable<T> operator -(T x, Variable<T> y) =>
        ScopeTape.For(y) is { } tape ? tape.Subtract(x, y) : Scalar(x).Subtract(y);

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Variable<T> operator *(Variable<T> x, Variable<T> y) => x.Multiply(y);

    /// <summary>Multiplies every element by a scalar.</summary>
    public static Variable<T> operator *(Variable<T> x, T y) =>
        ScopeTape.For(x) is { } tape ? tape.Multiply(x, y) : x.Multiply(Scalar(y));

    /// <summary>Multiplies every element by a scalar.</summary>
    public static Variable<T> operator *(T x, Variable<T> y) =>
        ScopeTape.For(y) is { } tape ? tape.Multiply(x, y) : Scalar(x).Multiply(y);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Variable<T> operator /(Variable<T> x, Variable<T> y) => x.Divide(y);

    /// <summary>Divides every element by a scalar.</summary>
    public static Variable<T> operator /(Variable<T> x, T y) =>
        ScopeTape.For(x) is { } tape ? tape.Divide(x, y) : x.Divide(Scalar(y));

    /// <summary>Divides a scalar by every element.</summary>
    public static Variable<T> operator /(T x, Variable<T> y) =>
        ScopeTape.For(y) is { } tape ? tape.Divide(x, y) : Scalar(x).Divide(y);

    /// <summary>Element-wise negation.</summary>
    public static Variable<T> operator -(Variable<T> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Negate();
    }

    /// <summary>Returns the variable itself.</summary>
    public static Variable<T> operator +(Variable<T> x) => x;
}
