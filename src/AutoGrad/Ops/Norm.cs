namespace AutoGrad;

// Derivatives (g = grad with the reduced axis restored as size 1, broadcast back to x's shape; n = result
// restored the same way):
//
//   Norm(x, p = 1)    x: g ⊙ sign(x)                               composite Abs(x).Sum   (0 at xᵢ = 0)
//   Norm(x, p = 2)    x: g ⊙ x / n                                 (0 where n = 0)
//   Norm(x, p)        x: g ⊙ sign(x)·(|x| / n)^(p−1)               (0 where n = 0; 1 < p < ∞)
//   Norm(x, p = ∞)    x: g ⊙ sign(x)·[|x| = n] / count(|x| = n)    composite Abs(x).Max   (ties share equally)
//
// The p-norm rule is x·|x|^(p−2) / n^(p−1) written as sign(x)·(|x|/n)^(p−1): the ratio never exceeds 1, so it
// neither overflows for large x nor forms 0·∞ at xᵢ = 0 when p < 2. Where n = 0 the divisor is replaced by 1,
// which makes the rule exactly 0 there (every xᵢ in the group is 0) without ever producing a NaN.
public sealed partial class Variable<T>
{
    private sealed class PNormNode(Variable<T> x, int axis, bool keepDims, T p) : Node([x])
    {
        public override string Name => "Norm";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var n = Restore(Result, x._shape, axis, keepDims);
            var safe = Select(n.ElementsEqual(Scalar(T.Zero)), Scalar(T.One), n);
            var local = p == T.CreateChecked(2)
                ? x / safe
                : x.Map(static v => v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero) * (x.Abs() / safe).Pow(p - T.One);
            inputGrads[0] = ChainMultiply(Restore(grad, x._shape, axis, keepDims), local);
        }
    }

    /// <summary>The vector p-norm of all elements, (Σ |xᵢ|^p)^(1/p), as a scalar (PyTorch's <c>torch.linalg.vector_norm</c>).</summary>
    /// <param name="p">
    /// The order: 1 (sum of absolute values), 2 (Euclidean, the default), any finite p ≥ 1, or
    /// <see cref="double.PositiveInfinity"/> (the largest absolute value).
    /// </param>
    /// <returns>A scalar (rank 0) variable; 0 for an empty variable when p is finite.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is less than 1 or NaN.</exception>
    /// <exception cref="InvalidOperationException">p is ∞ and the variable is empty (the maximum of nothing is undefined).</exception>
    /// <inheritdoc cref="Norm(double, int, bool)" path="/remarks"/>
    public Variable<T> Norm(double p = 2) => NormCore(-1, p, keepDims: false, "all elements");

    /// <summary>
    /// The vector p-norm along one axis, (Σₖ |x[…, k, …]|^p)^(1/p) (PyTorch's <c>torch.linalg.vector_norm(x, p, dim)</c>
    /// and <c>x.norm(p, dim)</c>).
    /// </summary>
    /// <param name="p">
    /// The order: 1 (sum of absolute values), 2 (Euclidean), any finite p ≥ 1, or <see cref="double.PositiveInfinity"/>
    /// (the largest absolute value).
    /// </param>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1.</param>
    /// <returns>The reduced variable.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or <paramref name="p"/> is less than 1 or NaN.</exception>
    /// <exception cref="InvalidOperationException">p is ∞ and the axis has size 0 while the result is not empty.</exception>
    /// <remarks>
    /// <para>
    /// The order comes first, as in PyTorch, so <c>x.Norm(1)</c> is the L1 norm (of all elements) exactly as
    /// <c>x.norm(1)</c> is in PyTorch, and <c>x.Norm(2, axis: 1)</c> is the row-wise Euclidean norm of a matrix.
    /// </para>
    /// <para>
    /// Values: for finite p ≠ 1 the norm is computed as m·(Σ (|xᵢ|/m)^p)^(1/p) with m = max |xᵢ|, so it neither
    /// overflows nor underflows where the norm itself is representable (the L2 norm of [1e200, 1e200] is
    /// 1.414e200, of [1e-200] is 1e-200). NaN propagates; an infinite element gives +∞.
    /// </para>
    /// <para>
    /// Gradient: ∂‖x‖ₚ/∂xᵢ = sign(xᵢ)·(|xᵢ|/‖x‖ₚ)^(p−1), which is x/‖x‖ for p = 2, sign(x) for p = 1, and for p = ∞
    /// sign(xᵢ) on the elements of largest magnitude, shared equally when several tie (PyTorch's convention).
    /// </para>
    /// <para>
    /// At zero the norm is not differentiable; following PyTorch 1.13 the gradient there is defined as 0 for every p:
    /// the whole gradient is 0 where the norm is 0 (all elements zero), and for p = 1 and p = ∞ an element that is 0
    /// receives 0 (sign(0) = 0) even when the norm is not. Second derivatives are exact away from zero and finite at
    /// zero: where the norm is 0 the second derivative is the identity for p = 2 and 0 for other p (PyTorch gives NaN
    /// for p = 2 and 1 &lt; p &lt; 2), and an element that is 0 while the norm is not contributes 0.
    /// </para>
    /// </remarks>
    public Variable<T> Norm(double p, int axis, bool keepDims = false) =>
        NormCore(_shape.NormalizeAxis(axis, "Norm"), p, keepDims, $"axis {axis}");

    private Variable<T> NormCore(int axis, double p, bool keepDims, string what)
    {
        if (double.IsNaN(p) || p < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"Norm: the order p must be at least 1 or +∞; got p = {p} for a variable of shape {_shape} ({what}).");
        }

        var n = axis < 0 ? Data.Length : _shape[axis];
        if (double.IsPositiveInfinity(p))
        {
            if (n == 0 && (axis < 0 || ReducedShape(_shape, axis, keepDims).ElementCount > 0))
            {
                throw new InvalidOperationException($"Norm: the ∞-norm of {what} of shape {_shape} reduces an empty set of elements, whose maximum is undefined.");
            }

            var magnitude = Abs();
            return axis < 0 ? magnitude.Max() : magnitude.Max(axis, keepDims);
        }

        if (p == 1)
        {
            var magnitude = Abs();
            return axis < 0 ? magnitude.Sum() : magnitude.Sum(axis, keepDims);
        }

        int outer, inner;
        Shape shape;
        if (axis < 0)
        {
            (outer, inner, shape) = (1, 1, Shape.Scalar);
        }
        else
        {
            (outer, _, inner) = Kernels<T>.Split(_shape, axis);
            shape = ReducedShape(_shape, axis, keepDims);
        }

        var order = T.CreateChecked(p);
        var data = NewZeroedBuffer(outer * inner);
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                data[(o * inner) + i] = ScaledNorm(Data, (o * n * inner) + i, n, inner, order);
            }
        }

        return Result(data, shape, ShouldRecord(this) ? new PNormNode(this, axis, keepDims, order) : null);
    }

    /// <summary>m·(Σ (|xₖ|/m)^p)^(1/p) over the n elements x[start + k·stride], with m the largest magnitude.</summary>
    private static T ScaledNorm(T[] x, int start, int n, int stride, T p)
    {
        var m = T.Zero;
        for (var k = 0; k < n; k++)
        {
            var a = T.Abs(x[start + (k * stride)]);
            if (T.IsNaN(a))
            {
                return a;
            }

            m = T.Max(m, a);
        }

        if (T.IsZero(m) || T.IsInfinity(m))
        {
            return m;
        }

        var two = T.CreateChecked(2);
        var sum = T.Zero;
        for (var k = 0; k < n; k++)
        {
            var r = T.Abs(x[start + (k * stride)]) / m;
            sum += p == two ? r * r : T.Pow(r, p);
        }

        return m * (p == two ? T.Sqrt(sum) : T.Pow(sum, T.One / p));
    }
}
