using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Benchmarks.Models;

/// <summary>
/// The 784-256-256-10 ReLU MLP with mean softmax cross-entropy written by hand on <see cref="TensorPrimitives"/>: the
/// loss and the gradients of all six parameter tensors into buffers allocated once, for batches of up to a fixed size.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// Parameters are stored as AutoGrad stores them for <c>x.MatMul(W) + b</c>: W is [in, out] row-major. The matrix
/// products are i-k-j loops of row updates (<c>MultiplyAdd</c>) and, for the products with a transposed weight, rows of
/// dot products: the "TensorPrimitives-based loop" of issue 5, about 20 GFLOP/s, not a packed GEMM.
/// </remarks>
internal sealed class HandMlp<T>
    where T : IFloatingPointIeee754<T>
{
    /// <summary>The layer widths.</summary>
    public static readonly int[] Widths = [784, 256, 256, 10];

    private readonly T[] _h1;
    private readonly T[] _h2;
    private readonly T[] _logits;
    private readonly T[] _dLogits;
    private readonly T[] _dH1;
    private readonly T[] _dH2;
    private readonly T[] _row;

    /// <summary>Creates the model with the given initial parameters (copied) for batches of up to <paramref name="maxBatch"/>.</summary>
    /// <param name="parameters">W1, b1, W2, b2, W3, b3.</param>
    /// <param name="maxBatch">The largest batch.</param>
    public HandMlp(T[][] parameters, int maxBatch)
    {
        Parameters = parameters.Select(p => (T[])p.Clone()).ToArray();
        Gradients = parameters.Select(p => new T[p.Length]).ToArray();
        _h1 = new T[maxBatch * Widths[1]];
        _h2 = new T[maxBatch * Widths[2]];
        _logits = new T[maxBatch * Widths[3]];
        _dLogits = new T[maxBatch * Widths[3]];
        _dH1 = new T[maxBatch * Widths[1]];
        _dH2 = new T[maxBatch * Widths[2]];
        _row = new T[Widths[3]];
    }

    /// <summary>W1, b1, W2, b2, W3, b3, updated in place by an optimizer.</summary>
    public T[][] Parameters { get; }

    /// <summary>The gradients of <see cref="Parameters"/> from the last <see cref="LossAndGradients"/>, overwritten by each call.</summary>
    public T[][] Gradients { get; }

    /// <summary>The mean cross-entropy of a batch, and its gradients into <see cref="Gradients"/>.</summary>
    /// <param name="x">The inputs, [batch, 784] row-major.</param>
    /// <param name="labels">The class of each sample, in 0..9.</param>
    /// <returns>The loss.</returns>
    public T LossAndGradients(ReadOnlySpan<T> x, ReadOnlySpan<int> labels)
    {
        var batch = labels.Length;
        var (n0, n1, n2, n3) = (Widths[0], Widths[1], Widths[2], Widths[3]);
        var p = Parameters;
        var g = Gradients;
        var h1 = _h1.AsSpan(0, batch * n1);
        var h2 = _h2.AsSpan(0, batch * n2);
        var logits = _logits.AsSpan(0, batch * n3);
        var dLogits = _dLogits.AsSpan(0, batch * n3);
        var dH1 = _dH1.AsSpan(0, batch * n1);
        var dH2 = _dH2.AsSpan(0, batch * n2);

        // Forward.
        Linear(x, batch, n0, p[0], p[1], n1, h1);
        TensorPrimitives.Max(h1, T.Zero, h1);
        Linear(h1, batch, n1, p[2], p[3], n2, h2);
        TensorPrimitives.Max(h2, T.Zero, h2);
        Linear(h2, batch, n2, p[4], p[5], n3, logits);

        // Mean softmax cross-entropy and its gradient (softmax − onehot) / batch.
        var loss = T.Zero;
        var inverseBatch = T.One / T.CreateChecked(batch);
        for (var i = 0; i < batch; i++)
        {
            var z = logits.Slice(i * n3, n3);
            var m = TensorPrimitives.Max<T>(z);
            TensorPrimitives.Subtract(z, m, _row);
            TensorPrimitives.Exp<T>(_row, _row);
            var sum = TensorPrimitives.Sum<T>(_row);
            loss += T.Log(sum) - (z[labels[i]] - m);
            var d = dLogits.Slice(i * n3, n3);
            TensorPrimitives.Divide(_row, sum, d);
            d[labels[i]] -= T.One;
            TensorPrimitives.Multiply(d, inverseBatch, d);
        }

        // Backward.
        WeightGradient(h2, batch, n2, dLogits, n3, g[4]);
        BiasGradient(dLogits, batch, n3, g[5]);
        InputGradient(dLogits, batch, n3, p[4], n2, dH2);
        ReluMask(h2, dH2);
        WeightGradient(h1, batch, n1, dH2, n2, g[2]);
        BiasGradient(dH2, batch, n2, g[3]);
        InputGradient(dH2, batch, n2, p[2], n1, dH1);
        ReluMask(h1, dH1);
        WeightGradient(x, batch, n0, dH1, n1, g[0]);
        BiasGradient(dH1, batch, n1, g[1]);
        return loss * inverseBatch;
    }

    /// <summary>output[batch, outputs] = input[batch, inputs] · W[inputs, outputs] + b.</summary>
    private static void Linear(ReadOnlySpan<T> input, int batch, int inputs, T[] w, T[] b, int outputs, Span<T> output)
    {
        for (var i = 0; i < batch; i++)
        {
            var o = output.Slice(i * outputs, outputs);
            var a = input.Slice(i * inputs, inputs);
            o.Clear();
            for (var k = 0; k < inputs; k++)
            {
                TensorPrimitives.MultiplyAdd(w.AsSpan(k * outputs, outputs), a[k], o, o);
            }

            TensorPrimitives.Add<T>(o, b, o);
        }
    }

    /// <summary>dW[inputs, outputs] = input[batch, inputs]ᵀ · d[batch, outputs].</summary>
    private static void WeightGradient(ReadOnlySpan<T> input, int batch, int inputs, ReadOnlySpan<T> d, int outputs, T[] dW)
    {
        Array.Clear(dW);
        for (var i = 0; i < batch; i++)
        {
            var di = d.Slice(i * outputs, outputs);
            var a = input.Slice(i * inputs, inputs);
            for (var k = 0; k < inputs; k++)
            {
                var row = dW.AsSpan(k * outputs, outputs);
                TensorPrimitives.MultiplyAdd(di, a[k], row, row);
            }
        }
    }

    /// <summary>db[outputs] = Σ over the batch of d[batch, outputs].</summary>
    private static void BiasGradient(ReadOnlySpan<T> d, int batch, int outputs, T[] db)
    {
        Array.Clear(db);
        for (var i = 0; i < batch; i++)
        {
            TensorPrimitives.Add(db, d.Slice(i * outputs, outputs), db);
        }
    }

    /// <summary>dInput[batch, inputs] = d[batch, outputs] · W[inputs, outputs]ᵀ.</summary>
    private static void InputGradient(ReadOnlySpan<T> d, int batch, int outputs, T[] w, int inputs, Span<T> dInput)
    {
        for (var i = 0; i < batch; i++)
        {
            var di = d.Slice(i * outputs, outputs);
            for (var k = 0; k < inputs; k++)
            {
                dInput[(i * inputs) + k] = TensorPrimitives.Dot(di, w.AsSpan(k * outputs, outputs));
            }
        }
    }

    /// <summary>d ← d where the ReLU's output h is positive, else 0 (the derivative at 0 is 0).</summary>
    private static void ReluMask(ReadOnlySpan<T> h, Span<T> d)
    {
        for (var j = 0; j < d.Length; j++)
        {
            if (!(h[j] > T.Zero))
            {
                d[j] = T.Zero;
            }
        }
    }
}
