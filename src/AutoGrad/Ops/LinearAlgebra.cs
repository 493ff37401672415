namespace AutoGrad;

// Derivatives (matrices are the last two axes; leading axes are batch axes that broadcast):
//
//   MatMul(a, b)        a: grad · bᵀ              b: aᵀ · grad          (summed back over broadcast batch axes)
//   Permute(x, p)       x: grad.Permute(p⁻¹)
//
// MatMul records MatMulTransposed(a, b, ta, tb) = op(a)·op(b), op = identity or transpose of the last two axes,
// read by the GEMM through strides, never copied. Its rule stays inside the family, so every order of derivative
// needs no transposed copy:
//
//   MatMulTransposed(a, b, ta, tb)   a: ta ? MatMulTransposed(b, grad, tb, true) : MatMulTransposed(grad, b, false, !tb)
//                                    b: tb ? MatMulTransposed(grad, a, true, ta) : MatMulTransposed(a, grad, !ta, false)
//
// 1-D operands of MatMul are promoted as in PyTorch (a vector on the left becomes a 1×k row, on the right a
// k×1 column) by Reshape, and the added axis is removed from the result, so their gradients come from
// Reshape's and need no rule of their own.
public sealed partial class Variable<T>
{
    private sealed class MatMulNode : PooledNode<MatMulNode>
    {
        private bool _transposeA;
        private bool _transposeB;

        public override string Name => "MatMul";

        public static MatMulNode Create(Variable<T> a, Variable<T> b, bool transposeA, bool transposeB)
        {
            var node = Create(a, b);
            node._transposeA = transposeA;
            node._transposeB = transposeB;
            return node;
        }

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var a = Inputs[0];
            var b = Inputs[1];
            var (transposeA, transposeB) = (_transposeA, _transposeB);
            if (NeedsGradient(0))
            {
                // d op(a) = grad·op(b)ᵀ; when a enters transposed, its gradient is that product transposed: op(b)·gradᵀ.
                inputGrads[0] = transposeA ? MatMulTransposed(b, grad, transposeB, true) : MatMulTransposed(grad, b, false, !transposeB);
            }

            if (NeedsGradient(1))
            {
                // d op(b) = op(a)ᵀ·grad; when b enters transposed, its gradient is gradᵀ·op(a).
                inputGrads[1] = transposeB ? MatMulTransposed(grad, a, true, transposeA) : MatMulTransposed(a, grad, !transposeA, false);
            }
        }
    }

    private sealed class PermuteNode(Variable<T> x, int[] inverse) : Node([x])
    {
        public override string Name => "Permute";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = grad.Permute(inverse);
    }

    /// <summary>The matrix product with PyTorch's <c>matmul</c> rules.</summary>
    /// <param name="other">The right operand.</param>
    /// <returns>The product.</returns>
    /// <remarks>
    /// <list type="bullet">
    /// <item>1-D · 1-D: the dot product, a scalar.</item>
    /// <item>2-D · 2-D: the matrix product, [m, k]·[k, n] → [m, n].</item>
    /// <item>1-D · N-D: the vector is a 1×k row; the row axis is removed from the result. N-D · 1-D: the vector is a k×1 column; the column axis is removed.</item>
    /// <item>N-D · N-D: a batch of matrix products over the last two axes; the leading (batch) axes broadcast.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="ArgumentException">An operand is a scalar, the inner dimensions differ, or the batch axes do not broadcast.</exception>
    public Variable<T> MatMul(Variable<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank == 0 || other.Rank == 0)
        {
            throw new ArgumentException($"MatMul: both operands need at least one axis; got shapes {_shape} and {other._shape}. Use * to scale by a scalar.");
        }

        if (Rank == 1 && other.Rank == 1)
        {
            CheckInner(_shape[0], other._shape[0], other);
            return Reshape(1, _shape[0]).MatMul(other.Reshape(other._shape[0], 1)).Reshape(Shape.Scalar);
        }

        if (Rank == 1)
        {
            var product = Reshape(1, _shape[0]).MatMul(other);
            var dims = product._shape.ToArray();
            return product.Reshape([.. dims[..^2], dims[^1]]);
        }

        if (other.Rank == 1)
        {
            return MatMul(other.Reshape(other._shape[0], 1)).Reshape([.. _shape.ToArray()[..^1]]);
        }

        CheckInner(_shape[-1], other._shape[-2], other);
        return MatMulTransposed(this, other, false, false);
    }

    /// <summary>
    /// op(a)·op(b) over the last two axes (leading axes are batch axes that broadcast), where op transposes the
    /// last two axes when its flag is set; the GEMM reads a transposed operand through its strides, without a copy.
    /// </summary>
    /// <remarks>Both operands have rank 2 or more. Recorded as MatMul; its backward is again expressed with this op.</remarks>
    internal static Variable<T> MatMulTransposed(Variable<T> a, Variable<T> b, bool transposeA, bool transposeB)
    {
        var m = a._shape[transposeA ? -1 : -2];
        var k = a._shape[transposeA ? -2 : -1];
        var k2 = b._shape[transposeB ? -1 : -2];
        var n = b._shape[transposeB ? -2 : -1];
        if (k != k2)
        {
            throw new ArgumentException($"MatMul: shapes {a._shape}{(transposeA ? " (transposed)" : "")} and {b._shape}{(transposeB ? " (transposed)" : "")} are not aligned: the inner dimensions are {k} and {k2}.");
        }

        var aBatch = a._shape.Rank == 2 ? Shape.Scalar : new Shape(a._shape.ToArray()[..^2]);
        var bBatch = b._shape.Rank == 2 ? Shape.Scalar : new Shape(b._shape.ToArray()[..^2]);
        Shape batch;
        try
        {
            batch = Broadcasting.Shapes(aBatch, bBatch, "MatMul");
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"MatMul: the batch axes of {a._shape} and {b._shape} ({aBatch} and {bBatch}) cannot be broadcast together.");
        }

        var shape = batch.Rank == 0 ? Shape.Recent([m, n]) : new Shape([.. batch, m, n]);
        var data = NewBuffer(shape.ElementCount);
        MatMulKernel<T>.Multiply(a.Data, aBatch, b.Data, bBatch, data, batch, m, k, n, transposeA, transposeB);
        return Result(data, shape, ShouldRecord(a, b) ? MatMulNode.Create(a, b, transposeA, transposeB) : null);
    }

    private void CheckInner(int k, int k2, Variable<T> other)
    {
        if (k != k2)
        {
            throw new ArgumentException($"MatMul: shapes {_shape} and {other._shape} are not aligned: the left operand's last axis ({k}) must equal the right operand's {(other.Rank == 1 ? "length" : "second-to-last axis")} ({k2}).");
        }
    }

    /// <summary>Reorders the axes: result axis i is input axis <c>axes[i]</c>.</summary>
    /// <param name="axes">A permutation of 0..Rank−1 (negative values count from the end).</param>
    /// <returns>The permuted variable (its values are copied into the new order).</returns>
    /// <exception cref="ArgumentException">The axes are not a permutation of this variable's axes.</exception>
    public Variable<T> Permute(params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length != Rank)
        {
            throw new ArgumentException($"Permute: {axes.Length} axes [{string.Join(", ", axes)}] given for a variable of shape {_shape} (rank {Rank}); give each axis exactly once.", nameof(axes));
        }

        var perm = new int[Rank];
        var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (var i = 0; i < Rank; i++)
        {
            var a = axes[i] < 0 ? axes[i] + Rank : axes[i];
            if ((uint)a >= (uint)Rank || seen[a])
            {
                throw new ArgumentException($"Permute: [{string.Join(", ", axes)}] is not a permutation of the axes of shape {_shape}.", nameof(axes));
            }

            seen[a] = true;
            perm[i] = a;
            inverse[a] = i;
        }

        var identity = true;
        for (var i = 0; i < Rank && identity; i++)
        {
            identity = perm[i] == i;
        }

        if (identity)
        {
            return this;
        }

        var strides = _shape.Strides();
        var dims = new int[Rank];
        var viewStrides = new int[Rank];
        for (var i = 0; i < Rank; i++)
        {
            dims[i] = _shape[perm[i]];
            viewStrides[i] = strides[perm[i]];
        }

        var shape = new Shape(dims);
        var data = NewZeroedBuffer(Data.Length);
        Kernels<T>.Strided(Data, data, 0, dims, viewStrides, scatter: false);
        return Result(data, shape, ShouldRecord(this) ? new PermuteNode(this, inverse) : null);
    }

    /// <summary>Swaps two axes (by default the last two: the matrix transpose of each batch element).</summary>
    /// <param name="axis0">The first axis (negative counts from the end).</param>
    /// <param name="axis1">The second axis.</param>
    /// <returns>The transposed variable.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An axis is out of range (a vector has no axis −2).</exception>
    public Variable<T> Transpose(int axis0 = -2, int axis1 = -1)
    {
        var a0 = _shape.NormalizeAxis(axis0, "Transpose");
        var a1 = _shape.NormalizeAxis(axis1, "Transpose");
        var perm = new int[Rank];
        for (var i = 0; i < Rank; i++)
        {
            perm[i] = i == a0 ? a1 : i == a1 ? a0 : i;
        }

        return Permute(perm);
    }
}
