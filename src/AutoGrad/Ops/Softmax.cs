namespace AutoGrad;

// Derivatives (Σ sums along the axis and broadcasts back; both ops are composites, so these rules are what the
// engine derives from LogSumExp, Subtract and Exp rather than code of their own):
//
//   LogSoftmax(x, axis)   x: grad − exp(result) ⊙ Σ grad
//   Softmax(x, axis)      x: result ⊙ (grad − Σ grad ⊙ result)
//
// LogSoftmax is (x − m) − LogSumExp(x − m) with m the maximum along the axis taken as a constant: the result
// does not depend on m, so holding it constant changes no derivative of any order, and it makes the forward
// exact where it matters: the largest logit's entry is 0 − log Σ exp(x − m) with no rounding of a large
// m + log Σ…, so logits of magnitude 1e3 or 1e6 give the same digits as PyTorch. Softmax is exp(LogSoftmax);
// its relative error is that of the log-probability (a few ulps of |log p|), well inside PyTorch agreement.
public sealed partial class Variable<T>
{
    /// <summary>The softmax along an axis: exp(x) normalized to sum to 1, computed stably.</summary>
    /// <param name="axis">The axis to normalize over; negative counts from the end (default: the last axis).</param>
    /// <returns>A variable of this variable's shape whose entries along <paramref name="axis"/> are positive and sum to 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range for this variable's shape.</exception>
    /// <remarks>
    /// <para>softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m), m = maxⱼ xⱼ, computed as exp(LogSoftmax(x)); logits of any
    /// finite magnitude give finite values and gradients.</para>
    /// <para>Gradient: result ⊙ (grad − Σ grad ⊙ result) along the axis. A scalar is treated as a single
    /// class (the result is 1), as in PyTorch. −∞ entries get probability 0; a row that is all −∞, or holds +∞
    /// or NaN, gives NaN.</para>
    /// </remarks>
    public Variable<T> Softmax(int axis = -1) => LogSoftmax(axis, "Softmax").Exp();

    /// <summary>The logarithm of the softmax along an axis, x − log Σ exp(x), computed stably.</summary>
    /// <param name="axis">The axis to normalize over; negative counts from the end (default: the last axis).</param>
    /// <returns>A variable of this variable's shape: log-probabilities along <paramref name="axis"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range for this variable's shape.</exception>
    /// <remarks>
    /// <para>log softmax(x)ᵢ = (xᵢ − m) − log Σⱼ exp(xⱼ − m), m = maxⱼ xⱼ, so nothing overflows and the largest
    /// entry keeps full relative accuracy; logits of magnitude 1e3 and beyond give finite values and gradients.
    /// Prefer it to <c>Softmax().Log()</c>, which underflows to −∞ for improbable classes.</para>
    /// <para>Gradient: grad − exp(result) ⊙ Σ grad along the axis. A scalar is a single class (the result is 0).
    /// −∞ entries give −∞; a row that is all −∞, or holds +∞ or NaN, gives NaN.</para>
    /// </remarks>
    public Variable<T> LogSoftmax(int axis = -1) => LogSoftmax(axis, "LogSoftmax");

    private Variable<T> LogSoftmax(int axis, string operation)
    {
        if (Rank == 0)
        {
            if (axis is not (0 or -1))
            {
                throw new ArgumentOutOfRangeException(nameof(axis), $"{operation}: axis {axis} is out of range for a scalar (shape []); a scalar is normalized over axis 0 or -1.");
            }

            return Reshape(1).LogSoftmax(0, operation).Reshape(Shape.Scalar);
        }

        var a = _shape.NormalizeAxis(axis, operation);
        var shifted = this - MaxAlong(a);
        return shifted - shifted.LogSumExp(a, keepDims: true);
    }

    /// <summary>
    /// The maximum along <paramref name="axis"/> (kept as a size-1 axis) as a constant, with non-finite maxima and
    /// empty axes replaced by 0 so that subtracting it never turns ±∞ into NaN.
    /// </summary>
    private Variable<T> MaxAlong(int axis)
    {
        var (outer, n, inner) = Kernels<T>.Split(_shape, axis);
        var data = NewZeroedBuffer(outer * inner);
        if (n > 0)
        {
            Kernels<T>.ExtremumAxis(Data, data, outer, n, inner, max: true);
            for (var i = 0; i < data.Length; i++)
            {
                if (!T.IsFinite(data[i]))
                {
                    data[i] = T.Zero;
                }
            }
        }

        return Result(data, KeptShape(_shape, axis), node: null);
    }
}
