using System.Numerics;

namespace AutoGrad.Benchmarks.Optim;

/// <summary>
/// Adam written by hand as one fused <see cref="Vector{T}"/> loop per parameter tensor: each element's gradient,
/// moments and value are read and written once. It rounds exactly as AutoGrad's <see cref="Adam"/> (PyTorch's order:
/// m ← m·β₁ + g·(1 − β₁); v ← v·β₂ + (g·(1 − β₂))·g; θ ← θ + (−lr/(1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε)), without
/// AMSGrad, weight decay or maximization.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
internal sealed class HandAdam<T>
    where T : struct, IFloatingPointIeee754<T>
{
    private readonly double _learningRate;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    private readonly T[][] _m;
    private readonly T[][] _v;
    private long _step;

    /// <summary>Creates the optimizer state (zero moments) for tensors of the given lengths.</summary>
    /// <param name="lengths">The length of each parameter tensor.</param>
    /// <param name="learningRate">lr.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="epsilon">ε.</param>
    public HandAdam(IReadOnlyList<int> lengths, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _learningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _m = lengths.Select(n => new T[n]).ToArray();
        _v = lengths.Select(n => new T[n]).ToArray();
    }

    /// <summary>One step: updates every parameter tensor in place from its gradient.</summary>
    /// <param name="parameters">The parameter tensors.</param>
    /// <param name="gradients">Their gradients, in the same order.</param>
    public void Step(T[][] parameters, T[][] gradients)
    {
        _step++;
        var t = (double)_step;
        var negativeStepSize = T.CreateChecked(-(_learningRate / (1 - Math.Pow(_beta1, t))));
        var biasCorrection2Sqrt = T.CreateChecked(Math.Sqrt(1 - Math.Pow(_beta2, t)));
        var beta1 = T.CreateChecked(_beta1);
        var oneMinusBeta1 = T.CreateChecked(1 - _beta1);
        var beta2 = T.CreateChecked(_beta2);
        var oneMinusBeta2 = T.CreateChecked(1 - _beta2);
        var epsilon = T.CreateChecked(_epsilon);
        for (var k = 0; k < parameters.Length; k++)
        {
            var p = parameters[k].AsSpan();
            ReadOnlySpan<T> g = gradients[k];
            var m = _m[k].AsSpan();
            var v = _v[k].AsSpan();
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var b1 = new Vector<T>(beta1);
                var c1 = new Vector<T>(oneMinusBeta1);
                var b2 = new Vector<T>(beta2);
                var c2 = new Vector<T>(oneMinusBeta2);
                var step = new Vector<T>(negativeStepSize);
                var bc2 = new Vector<T>(biasCorrection2Sqrt);
                var eps = new Vector<T>(epsilon);
                for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var gi = new Vector<T>(g[i..]);
                    var mi = (new Vector<T>(m[i..]) * b1) + (gi * c1);
                    var vi = (new Vector<T>(v[i..]) * b2) + (gi * c2 * gi);
                    var denominator = (Vector.SquareRoot(vi) / bc2) + eps;
                    var pi = new Vector<T>(p[i..]) + (mi * step / denominator);
                    mi.CopyTo(m[i..]);
                    vi.CopyTo(v[i..]);
                    pi.CopyTo(p[i..]);
                }
            }

            for (; i < p.Length; i++)
            {
                var gi = g[i];
                var mi = (m[i] * beta1) + (gi * oneMinusBeta1);
                var vi = (v[i] * beta2) + (gi * oneMinusBeta2 * gi);
                var denominator = (T.Sqrt(vi) / biasCorrection2Sqrt) + epsilon;
                m[i] = mi;
                v[i] = vi;
                p[i] += mi * negativeStepSize / denominator;
            }
        }
    }
}

/// <summary>
/// SGD with momentum written by hand as one fused <see cref="Vector{T}"/> loop per tensor, rounding exactly as
/// AutoGrad's <see cref="SGD"/> (PyTorch's order: b ← g on the first step, then b ← b·μ + g·(1 − τ); θ ← b·(−lr) + θ),
/// without Nesterov, weight decay or maximization.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
internal sealed class HandSgdMomentum<T>
    where T : struct, IFloatingPointIeee754<T>
{
    private readonly double _learningRate;
    private readonly double _momentum;
    private readonly double _dampening;
    private readonly T[][] _buffers;
    private bool _started;

    /// <summary>Creates the optimizer state for tensors of the given lengths.</summary>
    /// <param name="lengths">The length of each parameter tensor.</param>
    /// <param name="learningRate">lr.</param>
    /// <param name="momentum">μ.</param>
    /// <param name="dampening">τ.</param>
    public HandSgdMomentum(IReadOnlyList<int> lengths, double learningRate, double momentum, double dampening = 0)
    {
        _learningRate = learningRate;
        _momentum = momentum;
        _dampening = dampening;
        _buffers = lengths.Select(n => new T[n]).ToArray();
    }

    /// <summary>One step: updates every parameter tensor in place from its gradient.</summary>
    /// <param name="parameters">The parameter tensors.</param>
    /// <param name="gradients">Their gradients, in the same order.</param>
    public void Step(T[][] parameters, T[][] gradients)
    {
        var negativeLearningRate = T.CreateChecked(-_learningRate);
        var momentum = T.CreateChecked(_momentum);
        var oneMinusDampening = T.CreateChecked(1 - _dampening);
        for (var k = 0; k < parameters.Length; k++)
        {
            var p = parameters[k].AsSpan();
            ReadOnlySpan<T> g = gradients[k];
            var b = _buffers[k].AsSpan();
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var mu = new Vector<T>(momentum);
                var c = new Vector<T>(oneMinusDampening);
                var lr = new Vector<T>(negativeLearningRate);
                for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var gi = new Vector<T>(g[i..]);
                    var bi = _started ? (new Vector<T>(b[i..]) * mu) + (gi * c) : gi;
                    var pi = (bi * lr) + new Vector<T>(p[i..]);
                    bi.CopyTo(b[i..]);
                    pi.CopyTo(p[i..]);
                }
            }

            for (; i < p.Length; i++)
            {
                var bi = _started ? (b[i] * momentum) + (g[i] * oneMinusDampening) : g[i];
                b[i] = bi;
                p[i] += bi * negativeLearningRate;
            }
        }

        _started = true;
    }
}
