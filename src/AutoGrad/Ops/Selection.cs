namespace AutoGrad;

// Derivatives (masks are constants computed from the values; their own derivative is zero):
//
//   Maximum(x, y)        x: grad ⊙ wₓ     y: grad ⊙ w_y    wₓ = [x > y] + ½[x = y], w_y = [y > x] + ½[x = y]
//   Minimum(x, y)        x: grad ⊙ wₓ     y: grad ⊙ w_y    wₓ = [x < y] + ½[x = y], w_y = [y < x] + ½[x = y]
//   Where(c, x, y)       x: Where(c, grad, 0)              y: Where(c, 0, grad)         c: — (not differentiable)
//   comparisons          — (constant 0/1 masks)
//
// Ties split the gradient equally between the two inputs (PyTorch's convention). Where selects the
// gradient rather than multiplying it by a mask, so a non-finite value in the unselected branch never
// reaches the selected one; together with the chain-rule product (0 absorbs ∞ and NaN) the gradient of
// Where(x > 0, x.Sqrt(), 0) at x = 0 is 0, not NaN.
public sealed partial class Variable<T>
{
    private sealed class MaximumNode(Variable<T> x, Variable<T> y, bool maximum) : Node([x, y])
    {
        public override string Name => maximum ? "Maximum" : "Minimum";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var y = Inputs[1];
            var half = Const(0.5);
            if (NeedsGradient(0))
            {
                var wx = maximum
                    ? Combine(x, y, (a, b) => a < b ? T.Zero : a == b ? half : T.One, "Maximum")
                    : Combine(x, y, (a, b) => a > b ? T.Zero : a == b ? half : T.One, "Minimum");
                inputGrads[0] = ChainMultiply(grad, wx);
            }

            if (NeedsGradient(1))
            {
                var wy = maximum
                    ? Combine(x, y, (a, b) => a > b ? T.Zero : a == b ? half : T.One, "Maximum")
                    : Combine(x, y, (a, b) => a < b ? T.Zero : a == b ? half : T.One, "Minimum");
                inputGrads[1] = ChainMultiply(grad, wy);
            }
        }
    }

    private sealed class WhereNode(Variable<T> condition, Variable<T> x, Variable<T> y) : Node([x, y])
    {
        public override string Name => "Where";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var zero = Scalar(T.Zero);
            inputGrads[0] = NeedsGradient(0) ? Variable.Where(condition, grad, zero) : null;
            inputGrads[1] = NeedsGradient(1) ? Variable.Where(condition, zero, grad) : null;
        }
    }

    /// <summary>
    /// A constant (not recorded) holding f(x, y) for x and y broadcast together; used for masks and comparisons.
    /// </summary>
    internal static Variable<T> Combine(Variable<T> x, Variable<T> y, Func<T, T, T> f, string operation)
    {
        var shape = Broadcasting.Shapes(x._shape, y._shape, operation);
        var data = NewZeroedBuffer(shape.ElementCount);
        var plan = BroadcastPlan.Create(shape, shape, x._shape, y._shape);
        int sx = plan.InnerStrides[1], sy = plan.InnerStrides[2];
        for (var r = 0; r < plan.Rows; r++)
        {
            int o = plan.Offset(0), ox = plan.Offset(1), oy = plan.Offset(2);
            for (var i = 0; i < plan.Inner; i++)
            {
                data[o + i] = f(x.Data[ox + (i * sx)], y.Data[oy + (i * sy)]);
            }

            plan.Next();
        }

        return Result(data, shape, node: null);
    }

    /// <summary>Element-wise maximum with broadcasting; NaN propagates.</summary>
    /// <param name="y">The other operand.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <remarks>Where x = y the gradient is split equally between the two inputs.</remarks>
    public Variable<T> Maximum(Variable<T> y)
    {
        var data = Binary<BinaryKernels.Max<T>>(this, y, "Maximum", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? new MaximumNode(this, y, maximum: true) : null);
    }

    /// <summary>Element-wise minimum with broadcasting; NaN propagates.</summary>
    /// <param name="y">The other operand.</param>
    /// <returns>A variable of the broadcast shape.</returns>
    /// <remarks>Where x = y the gradient is split equally between the two inputs.</remarks>
    public Variable<T> Minimum(Variable<T> y)
    {
        var data = Binary<BinaryKernels.Min<T>>(this, y, "Minimum", out var shape);
        return Result(data, shape, ShouldRecord(this, y) ? new MaximumNode(this, y, maximum: false) : null);
    }

    /// <summary>Selects, element by element, <paramref name="x"/> where the condition is non-zero and <paramref name="y"/> elsewhere.</summary>
    internal static Variable<T> Select(Variable<T> condition, Variable<T> x, Variable<T> y)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var shape = Broadcasting.Shapes(condition._shape, x._shape, y._shape, "Where");
        var data = NewZeroedBuffer(shape.ElementCount);
        var plan = BroadcastPlan.Create(shape, shape, condition._shape, x._shape, y._shape);
        int sc = plan.InnerStrides[1], sx = plan.InnerStrides[2], sy = plan.InnerStrides[3];
        for (var r = 0; r < plan.Rows; r++)
        {
            int o = plan.Offset(0), oc = plan.Offset(1), ox = plan.Offset(2), oy = plan.Offset(3);
            for (var i = 0; i < plan.Inner; i++)
            {
                data[o + i] = T.IsZero(condition.Data[oc + (i * sc)]) ? y.Data[oy + (i * sy)] : x.Data[ox + (i * sx)];
            }

            plan.Next();
        }

        return Result(data, shape, ShouldRecord(x, y) ? new WhereNode(condition.Detach(), x, y) : null);
    }

    /// <summary>A 0/1 mask of x &gt; y (broadcast); not differentiable.</summary>
    public static Variable<T> operator >(Variable<T> x, Variable<T> y) => Combine(x, y, static (a, b) => a > b ? T.One : T.Zero, "GreaterThan");

    /// <summary>A 0/1 mask of x &lt; y (broadcast); not differentiable.</summary>
    public static Variable<T> operator <(Variable<T> x, Variable<T> y) => Combine(x, y, static (a, b) => a < b ? T.One : T.Zero, "LessThan");

    /// <summary>A 0/1 mask of x ≥ y (broadcast); not differentiable.</summary>
    public static Variable<T> operator >=(Variable<T> x, Variable<T> y) => Combine(x, y, static (a, b) => a >= b ? T.One : T.Zero, "GreaterThanOrEqual");

    /// <summary>A 0/1 mask of x ≤ y (broadcast); not differentiable.</summary>
    public static Variable<T> operator <=(Variable<T> x, Variable<T> y) => Combine(x, y, static (a, b) => a <= b ? T.One : T.Zero, "LessThanOrEqual");

    /// <summary>A 0/1 mask of x &gt; y; not differentiable.</summary>
    public static Variable<T> operator >(Variable<T> x, T y) => x > Scalar(y);

    /// <summary>A 0/1 mask of x &lt; y; not differentiable.</summary>
    public static Variable<T> operator <(Variable<T> x, T y) => x < Scalar(y);

    /// <summary>A 0/1 mask of x ≥ y; not differentiable.</summary>
    public static Variable<T> operator >=(Variable<T> x, T y) => x >= Scalar(y);

    /// <summary>A 0/1 mask of x ≤ y; not differentiable.</summary>
    public static Variable<T> operator <=(Variable<T> x, T y) => x <= Scalar(y);

    /// <summary>A 0/1 mask of x = y (broadcast); not differentiable.</summary>
    /// <param name="y">The other operand.</param>
    /// <returns>A constant mask.</returns>
    public Variable<T> ElementsEqual(Variable<T> y) => Combine(this, y, static (a, b) => a == b ? T.One : T.Zero, "ElementsEqual");
}
