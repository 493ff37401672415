using System.Numerics;
using System.Numerics.Tensors;
using AutoGrad.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AutoGrad.Benchmarks.Kernels;

/// <summary>
/// Elementwise ops, forward only: AutoGrad's op under <see cref="Variable.NoGrad"/> (which allocates its result)
/// against the bare <see cref="TensorPrimitives"/> call into a preallocated buffer (issue 5, target 5: within
/// 1.2×). Also forward + backward of y = Σ tanh(x) ⊙ w against a hand-fused loop that computes the value and both
/// gradients in one pass over memory.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// Each category (Exp, Tanh, Sigmoid, Add, AddRow, Multiply, TanhMulSum) has its own baseline, the bare version.
/// N = 1,023 and 1,000,007 are odd, so every vectorized loop runs its scalar or masked tail. AddRow adds a row
/// vector to every row of an [R, C] matrix of N elements with an odd C: [31, 33] for N = 1,023 and
/// [29, 34,483] for N = 1,000,007.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[GenericTypeArguments(typeof(double))]
[GenericTypeArguments(typeof(float))]
public class ElementwiseBenchmarks<T>
    where T : IFloatingPointIeee754<T>
{
    // The fused loop works on blocks small enough that a block of each of its four arrays stays in L1/L2, so
    // main memory sees x and w read once and the two gradients written once: the traffic minimum.
    private const int Block = 2048;

    private T[] _x = [];
    private T[] _y = [];
    private T[] _row = [];
    private T[] _destination = [];
    private T[] _gradX = [];
    private T[] _gradW = [];
    private T[] _t = [];
    private T[] _p = [];
    private Variable<T> _vx = null!;
    private Variable<T> _vy = null!;
    private Variable<T> _vMatrix = null!;
    private Variable<T> _vRow = null!;
    private Variable<T> _px = null!;
    private Variable<T> _pw = null!;
    private int _columns;

    /// <summary>The number of elements (odd, so vector loops have a tail).</summary>
    [Params(1_023, 1_000_007)]
    public int N { get; set; }

    /// <summary>
    /// Creates seeded inputs in [−2, 2), then runs every AutoGrad benchmark once and compares it with its baseline;
    /// throws if any disagrees, so wrong code is never timed.
    /// </summary>
    /// <exception cref="InvalidOperationException">An AutoGrad result disagrees with its baseline.</exception>
    [GlobalSetup]
    public void Setup()
    {
        _columns = N switch
        {
            1_023 => 33,
            1_000_007 => 34_483,
            _ => throw new InvalidOperationException($"ElementwiseBenchmarks: no [R, C] layout for N = {N}."),
        };
        _x = Data.Uniform<T>(N, -2, 2, seed: 1);
        _y = Data.Uniform<T>(N, -2, 2, seed: 2);
        _row = Data.Uniform<T>(_columns, -2, 2, seed: 3);
        _destination = new T[N];
        _gradX = new T[N];
        _gradW = new T[N];
        _t = new T[N];
        _p = new T[N];
        TensorPrimitives.Tanh<T>(_x, _t);
        _vx = Variable.Parameter(_x);
        _vy = Variable.Parameter(_y);
        _vMatrix = Variable.Parameter(_x, [N / _columns, _columns]);
        _vRow = Variable.Parameter(_row);
        _px = Variable.Parameter(_x);
        _pw = Variable.Parameter(_y);
        Verify();
    }

    /// <summary>TensorPrimitives.Exp into a preallocated buffer.</summary>
    /// <returns>The buffer.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Exp")]
    public T[] Exp_Bare()
    {
        TensorPrimitives.Exp<T>(_x, _destination);
        return _destination;
    }

    /// <summary>x.Exp() under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Exp")]
    public Variable<T> Exp_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _vx.Exp();
        }
    }

    /// <summary>TensorPrimitives.Tanh into a preallocated buffer.</summary>
    /// <returns>The buffer.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Tanh")]
    public T[] Tanh_Bare()
    {
        TensorPrimitives.Tanh<T>(_x, _destination);
        return _destination;
    }

    /// <summary>x.Tanh() under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Tanh")]
    public Variable<T> Tanh_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _vx.Tanh();
        }
    }

    /// <summary>TensorPrimitives.Sigmoid into a preallocated buffer.</summary>
    /// <returns>The buffer.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Sigmoid")]
    public T[] Sigmoid_Bare()
    {
        TensorPrimitives.Sigmoid<T>(_x, _destination);
        return _destination;
    }

    /// <summary>x.Sigmoid() under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Sigmoid")]
    public Variable<T> Sigmoid_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _vx.Sigmoid();
        }
    }

    /// <summary>TensorPrimitives.Add of two N-vectors into a preallocated buffer.</summary>
    /// <returns>The buffer.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Add")]
    public T[] Add_Bare()
    {
        TensorPrimitives.Add<T>(_x, _y, _destination);
        return _destination;
    }

    /// <summary>x + y (same shape) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Add")]
    public Variable<T> Add_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _vx + _vy;
        }
    }

    /// <summary>A row vector added to each row of an [R, C] matrix: one TensorPrimitives.Add per row.</summary>
    /// <returns>The buffer.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("AddRow")]
    public T[] AddRow_Bare()
    {
        AddRowInto(_destination);
        return _destination;
    }

    /// <summary>matrix [R, C] + row [C] (broadcast) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("AddRow")]
    public Variable<T> AddRow_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _vMatrix + _vRow;
        }
    }

    /// <summary>TensorPrimitives.Multiply of two N-vectors into a preallocated buffer.</summary>
    /// <returns>The buffer.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Multiply")]
    public T[] Multiply_Bare()
    {
        TensorPrimitives.Multiply<T>(_x, _y, _destination);
        return _destination;
    }

    /// <summary>x * y (same shape) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Multiply")]
    public Variable<T> Multiply_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _vx * _vy;
        }
    }

    /// <summary>
    /// y = Σ tanh(x) ⊙ w with ∂y/∂x = w ⊙ (1 − tanh²(x)) and ∂y/∂w = tanh(x), fused block by block into
    /// preallocated gradient buffers: x and w are read from memory once, each gradient written once.
    /// </summary>
    /// <returns>y.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("TanhMulSum")]
    public T TanhMulSum_FusedLoop() => FusedValueAndGradient(_x, _y, _gradX, _gradW);

    /// <summary>
    /// The same with AutoGrad: zero both parameters' gradients, y = (x.Tanh() * w).Sum(), y.Backward().
    /// </summary>
    /// <returns>y.</returns>
    [Benchmark]
    [BenchmarkCategory("TanhMulSum")]
    public T TanhMulSum_AutoGrad()
    {
        var y = AutoGradTanhMulSum();
        return y.ToScalar();
    }

    /// <summary>x.Exp() under NoGrad inside a recycling step scope (the result's buffer comes from the pool).</summary>
    /// <returns>The result's first element, read before the scope ends.</returns>
    [Benchmark]
    [BenchmarkCategory("Exp")]
    public T Exp_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        using var noGrad = Variable.NoGrad();
        return (_vx.Exp()).Values[0];
    }

    /// <summary>x.Tanh() under NoGrad inside a recycling step scope (the result's buffer comes from the pool).</summary>
    /// <returns>The result's first element, read before the scope ends.</returns>
    [Benchmark]
    [BenchmarkCategory("Tanh")]
    public T Tanh_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        using var noGrad = Variable.NoGrad();
        return (_vx.Tanh()).Values[0];
    }

    /// <summary>x.Sigmoid() under NoGrad inside a recycling step scope (the result's buffer comes from the pool).</summary>
    /// <returns>The result's first element, read before the scope ends.</returns>
    [Benchmark]
    [BenchmarkCategory("Sigmoid")]
    public T Sigmoid_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        using var noGrad = Variable.NoGrad();
        return (_vx.Sigmoid()).Values[0];
    }

    /// <summary>x + y under NoGrad inside a recycling step scope (the result's buffer comes from the pool).</summary>
    /// <returns>The result's first element, read before the scope ends.</returns>
    [Benchmark]
    [BenchmarkCategory("Add")]
    public T Add_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        using var noGrad = Variable.NoGrad();
        return (_vx + _vy).Values[0];
    }

    /// <summary>matrix + row under NoGrad inside a recycling step scope (the result's buffer comes from the pool).</summary>
    /// <returns>The result's first element, read before the scope ends.</returns>
    [Benchmark]
    [BenchmarkCategory("AddRow")]
    public T AddRow_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        using var noGrad = Variable.NoGrad();
        return (_vMatrix + _vRow).Values[0];
    }

    /// <summary>x * y under NoGrad inside a recycling step scope (the result's buffer comes from the pool).</summary>
    /// <returns>The result's first element, read before the scope ends.</returns>
    [Benchmark]
    [BenchmarkCategory("Multiply")]
    public T Multiply_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        using var noGrad = Variable.NoGrad();
        return (_vx * _vy).Values[0];
    }

    /// <summary>The AutoGrad value and gradient inside a recycling step scope (intermediates from the pool).</summary>
    /// <returns>y.</returns>
    [Benchmark]
    [BenchmarkCategory("TanhMulSum")]
    public T TanhMulSum_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        return AutoGradTanhMulSum().ToScalar();
    }

    /// <summary>
    /// The forward half of <see cref="TanhMulSum_AutoGradInStepScope"/>: y = (x.Tanh() * w).Sum() recorded in a
    /// recycling step scope, no backward pass. The step's time minus this one is its backward pass.
    /// </summary>
    /// <returns>y.</returns>
    [Benchmark]
    [BenchmarkCategory("TanhMulSum")]
    public T TanhMulSum_ForwardInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        return (_px.Tanh() * _pw).Sum().ToScalar();
    }

    /// <summary>
    /// The least a backward pass of y = Σ tanh(x) ⊙ w can move, given t = tanh(x) from the forward pass and the seed g:
    /// t and w read once, ∂y/∂w = g·t and ∂y/∂x = g·w ⊙ (1 − t²) written once, block by block.
    /// </summary>
    /// <returns>The first element of ∂y/∂x.</returns>
    [Benchmark]
    [BenchmarkCategory("TanhMulSum")]
    public T TanhMulSum_MinimalBackward()
    {
        var g = T.One;
        for (var start = 0; start < _t.Length; start += Block)
        {
            var length = Math.Min(Block, _t.Length - start);
            var t = _t.AsSpan(start, length);
            var gx = _gradX.AsSpan(start, length);
            TensorPrimitives.Multiply(t, g, _gradW.AsSpan(start, length)); // ∂y/∂w = g·t
            TensorPrimitives.Multiply<T>(t, t, gx);                         // t²
            TensorPrimitives.Subtract(T.One, gx, gx);                       // 1 − t²
            TensorPrimitives.Multiply<T>(gx, _y.AsSpan(start, length), gx); // w ⊙ (1 − t²)
            TensorPrimitives.Multiply(gx, g, gx);                           // ∂y/∂x = g·w ⊙ (1 − t²)
        }

        return _gradX[0];
    }

    /// <summary>
    /// What an eager step of y = Σ tanh(x) ⊙ w needs at the least with bare kernels and no framework: the forward pass
    /// writes t = tanh(x) and p = t ⊙ w whole and sums p, then <see cref="TanhMulSum_MinimalBackward"/>. It moves what
    /// AutoGrad's step must (6 passes forward, 4 backward) with none of its bookkeeping, so AutoGrad's step against it
    /// is the cost of the framework, and the backward pass runs after the same forward traffic as AutoGrad's does.
    /// </summary>
    /// <returns>y.</returns>
    [Benchmark]
    [BenchmarkCategory("TanhMulSum")]
    public T TanhMulSum_BareEagerStep()
    {
        TensorPrimitives.Tanh<T>(_x, _t);
        TensorPrimitives.Multiply<T>(_t, _y, _p);
        var y = TensorPrimitives.Sum<T>(_p);
        TanhMulSum_MinimalBackward();
        return y;
    }

    /// <summary>
    /// y = Σ σ(x) with ∂y/∂x = σ(x)(1 − σ(x)), fused block by block: x read once, the gradient written once.
    /// </summary>
    /// <returns>y.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("SigmoidSum")]
    public T SigmoidSum_FusedLoop()
    {
        var sum = T.Zero;
        for (var start = 0; start < _x.Length; start += Block)
        {
            var length = Math.Min(Block, _x.Length - start);
            var s = _gradX.AsSpan(start, length);
            var d = _gradW.AsSpan(start, length);
            TensorPrimitives.Sigmoid<T>(_x.AsSpan(start, length), s); // σ(x)
            sum += TensorPrimitives.Sum<T>(s);
            TensorPrimitives.Subtract(T.One, s, d);                    // 1 − σ
            TensorPrimitives.Multiply<T>(s, d, s);                     // ∂y/∂x = σ(1 − σ)
        }

        return sum;
    }

    /// <summary>The same with AutoGrad in a recycling step scope: zero x's gradient, y = x.Sigmoid().Sum(), y.Backward().</summary>
    /// <returns>y.</returns>
    [Benchmark]
    [BenchmarkCategory("SigmoidSum")]
    public T SigmoidSum_AutoGradInStepScope()
    {
        using var scope = Variable.StepScope(recycleVariables: true);
        _px.ZeroGrad();
        var y = _px.Sigmoid().Sum();
        y.Backward();
        return y.ToScalar();
    }

    private static T FusedValueAndGradient(T[] x, T[] w, T[] gradX, T[] gradW)
    {
        var sum = T.Zero;
        for (var start = 0; start < x.Length; start += Block)
        {
            var length = Math.Min(Block, x.Length - start);
            var xs = x.AsSpan(start, length);
            var ws = w.AsSpan(start, length);
            var gx = gradX.AsSpan(start, length);
            var gw = gradW.AsSpan(start, length);
            TensorPrimitives.Tanh<T>(xs, gw);          // t = tanh(x) = ∂y/∂w
            sum += TensorPrimitives.Dot<T>(gw, ws);     // y += Σ t·w
            TensorPrimitives.Multiply<T>(gw, gw, gx);   // t²
            TensorPrimitives.Subtract(T.One, gx, gx);   // 1 − t²
            TensorPrimitives.Multiply<T>(gx, ws, gx);   // ∂y/∂x = w·(1 − t²)
        }

        return sum;
    }

    private Variable<T> AutoGradTanhMulSum()
    {
        _px.ZeroGrad();
        _pw.ZeroGrad();
        var y = (_px.Tanh() * _pw).Sum();
        y.Backward();
        return y;
    }

    private void AddRowInto(T[] destination)
    {
        var columns = _columns;
        for (var start = 0; start < destination.Length; start += columns)
        {
            TensorPrimitives.Add<T>(_x.AsSpan(start, columns), _row, destination.AsSpan(start, columns));
        }
    }

    private void Verify()
    {
        // The AutoGrad ops call the same kernels today, so they agree to the bit; the tolerance leaves room for a
        // faster kernel that rounds differently.
        var tolerance = typeof(T) == typeof(float) ? 1e-6 : 1e-13;
        VerifyOne("Exp", Exp_AutoGrad(), Exp_Bare(), tolerance);
        VerifyOne("Tanh", Tanh_AutoGrad(), Tanh_Bare(), tolerance);
        VerifyOne("Sigmoid", Sigmoid_AutoGrad(), Sigmoid_Bare(), tolerance);
        VerifyOne("Add", Add_AutoGrad(), Add_Bare(), tolerance);
        VerifyOne("AddRow", AddRow_AutoGrad(), AddRow_Bare(), tolerance);
        VerifyOne("Multiply", Multiply_AutoGrad(), Multiply_Bare(), tolerance);

        VerifyScoped("Exp", Exp_AutoGradInStepScope(), Exp_Bare()[0], tolerance);
        VerifyScoped("Tanh", Tanh_AutoGradInStepScope(), Tanh_Bare()[0], tolerance);
        VerifyScoped("Sigmoid", Sigmoid_AutoGradInStepScope(), Sigmoid_Bare()[0], tolerance);
        VerifyScoped("Add", Add_AutoGradInStepScope(), Add_Bare()[0], tolerance);
        VerifyScoped("AddRow", AddRow_AutoGradInStepScope(), AddRow_Bare()[0], tolerance);
        VerifyScoped("Multiply", Multiply_AutoGradInStepScope(), Multiply_Bare()[0], tolerance);
        Check.Close($"TanhMulSum in a step scope (N = {N})", double.CreateTruncating(TanhMulSum_AutoGradInStepScope()), double.CreateTruncating(AutoGradTanhMulSum().ToScalar()), 0, 1);

        var fused = double.CreateTruncating(TanhMulSum_FusedLoop());
        var y = AutoGradTanhMulSum();
        var scale = 0.0;
        for (var i = 0; i < N; i++)
        {
            scale += Math.Abs(double.CreateTruncating(_gradW[i] * _y[i]));
        }

        Check.Close($"TanhMulSum (N = {N}) value", double.CreateTruncating(y.ToScalar()), fused, Check.Tolerance<T>(), scale);
        Check.Close($"TanhMulSum (N = {N}) ∂y/∂x", _px.Grad!.Values, _gradX, Check.Tolerance<T>());
        Check.Close($"TanhMulSum (N = {N}) ∂y/∂w", _pw.Grad!.Values, _gradW, Check.Tolerance<T>());
        Check.Close($"TanhMulSum forward in a step scope (N = {N})", double.CreateTruncating(TanhMulSum_ForwardInStepScope()), fused, Check.Tolerance<T>(), scale);
        Check.Close($"TanhMulSum bare eager step (N = {N}) value", double.CreateTruncating(TanhMulSum_BareEagerStep()), fused, Check.Tolerance<T>(), scale);
        Check.Close($"TanhMulSum minimal backward (N = {N}) ∂y/∂x", _px.Grad!.Values, _gradX, Check.Tolerance<T>());
        Check.Close($"TanhMulSum minimal backward (N = {N}) ∂y/∂w", _pw.Grad!.Values, _gradW, Check.Tolerance<T>());

        var sigmoidSum = double.CreateTruncating(SigmoidSum_FusedLoop());
        Check.Close($"SigmoidSum (N = {N}) value", double.CreateTruncating(SigmoidSum_AutoGradInStepScope()), sigmoidSum, Check.Tolerance<T>(), N);
        Check.Close($"SigmoidSum (N = {N}) ∂y/∂x", _px.Grad!.Values, _gradX, Check.Tolerance<T>());
    }

    private void VerifyScoped(string op, T autoGrad, T bare, double tolerance) =>
        Check.Close($"{op} in a step scope (N = {N})", double.CreateTruncating(autoGrad), double.CreateTruncating(bare), tolerance, 1);

    private void VerifyOne(string op, Variable<T> autoGrad, T[] bare, double tolerance)
    {
        if (autoGrad.RequiresGrad)
        {
            throw new InvalidOperationException($"{op} (N = {N}): the result under NoGrad requires gradients, so it was recorded.");
        }

        Check.Close($"{op} (N = {N})", autoGrad.Values, bare, tolerance);
    }
}
