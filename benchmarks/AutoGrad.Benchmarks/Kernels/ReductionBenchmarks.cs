using System.Numerics;
using System.Numerics.Tensors;
using AutoGrad.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AutoGrad.Benchmarks.Kernels;

/// <summary>
/// Reductions of a Size × Size matrix, forward only: AutoGrad's Sum, Max and Mean (of all elements and along each
/// axis) and LogSumExp along each axis under <see cref="Variable.NoGrad"/>, against bare
/// <see cref="TensorPrimitives"/> calls and hand loops into preallocated buffers (issue 5, target 5: within 1.2×).
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// Each category has its own baseline. Axis 0 reduces down the columns (the result has one entry per column), axis 1
/// along the rows. The hand loops for axis 0 accumulate whole rows with vector ops (row-major order, unit stride);
/// those for axis 1 reduce each contiguous row with one call. Size 1001 is odd, so every row has a vector tail.
/// Values are uniform in [0.5, 1.5), so sums do not cancel and a relative tolerance is meaningful.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[GenericTypeArguments(typeof(double))]
[GenericTypeArguments(typeof(float))]
public class ReductionBenchmarks<T>
    where T : IFloatingPointIeee754<T>
{
    private T[] _data = [];
    private T[] _vector = [];
    private T[] _columnMax = [];
    private T[] _work = [];
    private Variable<T> _matrix = null!;

    /// <summary>The number of rows and of columns.</summary>
    [Params(1_000, 1_001)]
    public int Size { get; set; }

    /// <summary>
    /// Creates the seeded matrix and buffers, then runs every AutoGrad benchmark once and compares it with its
    /// baseline; throws if any disagrees.
    /// </summary>
    /// <exception cref="InvalidOperationException">An AutoGrad result disagrees with its baseline.</exception>
    [GlobalSetup]
    public void Setup()
    {
        _data = Data.Uniform<T>(Size * Size, 0.5, 1.5, seed: 11);
        _vector = new T[Size];
        _columnMax = new T[Size];
        _work = new T[Size];
        _matrix = Variable.Parameter(_data, [Size, Size]);
        Verify();
    }

    /// <summary>TensorPrimitives.Sum over all elements.</summary>
    /// <returns>The sum.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Sum")]
    public T Sum_Bare() => TensorPrimitives.Sum<T>(_data);

    /// <summary>x.Sum() under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Sum")]
    public Variable<T> Sum_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Sum();
        }
    }

    /// <summary>Column sums: the rows added one by one into a preallocated vector.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("SumAxis0")]
    public T[] SumAxis0_Bare()
    {
        SumColumns(_vector);
        return _vector;
    }

    /// <summary>x.Sum(0) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("SumAxis0")]
    public Variable<T> SumAxis0_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Sum(0);
        }
    }

    /// <summary>Row sums: one TensorPrimitives.Sum per row.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("SumAxis1")]
    public T[] SumAxis1_Bare()
    {
        var n = Size;
        for (var i = 0; i < n; i++)
        {
            _vector[i] = TensorPrimitives.Sum<T>(_data.AsSpan(i * n, n));
        }

        return _vector;
    }

    /// <summary>x.Sum(1) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("SumAxis1")]
    public Variable<T> SumAxis1_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Sum(1);
        }
    }

    /// <summary>TensorPrimitives.Max over all elements.</summary>
    /// <returns>The maximum.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Max")]
    public T Max_Bare() => TensorPrimitives.Max<T>(_data);

    /// <summary>x.Max() under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Max")]
    public Variable<T> Max_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Max();
        }
    }

    /// <summary>Column maxima: the first row copied, then an elementwise TensorPrimitives.Max with each further row.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MaxAxis0")]
    public T[] MaxAxis0_Bare()
    {
        MaxColumns(_vector);
        return _vector;
    }

    /// <summary>x.Max(0) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("MaxAxis0")]
    public Variable<T> MaxAxis0_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Max(0);
        }
    }

    /// <summary>Row maxima: one TensorPrimitives.Max per row.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MaxAxis1")]
    public T[] MaxAxis1_Bare()
    {
        var n = Size;
        for (var i = 0; i < n; i++)
        {
            _vector[i] = TensorPrimitives.Max<T>(_data.AsSpan(i * n, n));
        }

        return _vector;
    }

    /// <summary>x.Max(1) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("MaxAxis1")]
    public Variable<T> MaxAxis1_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Max(1);
        }
    }

    /// <summary>TensorPrimitives.Sum over all elements divided by their count.</summary>
    /// <returns>The mean.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Mean")]
    public T Mean_Bare() => TensorPrimitives.Sum<T>(_data) / T.CreateChecked(_data.Length);

    /// <summary>x.Mean() under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("Mean")]
    public Variable<T> Mean_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Mean();
        }
    }

    /// <summary>Column means: the column sums, then one division of the vector.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MeanAxis0")]
    public T[] MeanAxis0_Bare()
    {
        SumColumns(_vector);
        TensorPrimitives.Divide<T>(_vector, T.CreateChecked(Size), _vector);
        return _vector;
    }

    /// <summary>x.Mean(0) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("MeanAxis0")]
    public Variable<T> MeanAxis0_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Mean(0);
        }
    }

    /// <summary>Row means: one TensorPrimitives.Sum per row, divided by the row length.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MeanAxis1")]
    public T[] MeanAxis1_Bare()
    {
        var n = Size;
        var count = T.CreateChecked(n);
        for (var i = 0; i < n; i++)
        {
            _vector[i] = TensorPrimitives.Sum<T>(_data.AsSpan(i * n, n)) / count;
        }

        return _vector;
    }

    /// <summary>x.Mean(1) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("MeanAxis1")]
    public Variable<T> MeanAxis1_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.Mean(1);
        }
    }

    /// <summary>
    /// Column log-sum-exp m + log Σ exp(x − m): the column maxima m, then each row's exp(row − m) accumulated into
    /// the result vector, then log and + m; all in preallocated buffers.
    /// </summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("LogSumExpAxis0")]
    public T[] LogSumExpAxis0_Bare()
    {
        var n = Size;
        MaxColumns(_columnMax);
        Array.Clear(_vector);
        for (var i = 0; i < n; i++)
        {
            TensorPrimitives.Subtract<T>(_data.AsSpan(i * n, n), _columnMax, _work);
            TensorPrimitives.Exp<T>(_work, _work);
            TensorPrimitives.Add<T>(_vector, _work, _vector);
        }

        TensorPrimitives.Log<T>(_vector, _vector);
        TensorPrimitives.Add<T>(_vector, _columnMax, _vector);
        return _vector;
    }

    /// <summary>x.LogSumExp(0) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("LogSumExpAxis0")]
    public Variable<T> LogSumExpAxis0_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.LogSumExp(0);
        }
    }

    /// <summary>Row log-sum-exp: per row, m = Max(row), then m + log Σ exp(row − m) through a preallocated row buffer.</summary>
    /// <returns>The vector.</returns>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("LogSumExpAxis1")]
    public T[] LogSumExpAxis1_Bare()
    {
        var n = Size;
        for (var i = 0; i < n; i++)
        {
            var row = _data.AsSpan(i * n, n);
            var m = TensorPrimitives.Max<T>(row);
            TensorPrimitives.Subtract(row, m, _work);
            TensorPrimitives.Exp<T>(_work, _work);
            _vector[i] = m + T.Log(TensorPrimitives.Sum<T>(_work));
        }

        return _vector;
    }

    /// <summary>x.LogSumExp(1) under NoGrad.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    [BenchmarkCategory("LogSumExpAxis1")]
    public Variable<T> LogSumExpAxis1_AutoGrad()
    {
        using (Variable.NoGrad())
        {
            return _matrix.LogSumExp(1);
        }
    }

    private void SumColumns(T[] destination)
    {
        var n = Size;
        Array.Clear(destination);
        for (var i = 0; i < n; i++)
        {
            TensorPrimitives.Add<T>(destination, _data.AsSpan(i * n, n), destination);
        }
    }

    private void MaxColumns(T[] destination)
    {
        var n = Size;
        _data.AsSpan(0, n).CopyTo(destination);
        for (var i = 1; i < n; i++)
        {
            TensorPrimitives.Max<T>(destination, _data.AsSpan(i * n, n), destination);
        }
    }

    private void Verify()
    {
        var tolerance = Check.Tolerance<T>();
        VerifyScalar("Sum", Sum_AutoGrad(), Sum_Bare(), tolerance);
        VerifyVector("Sum(0)", SumAxis0_AutoGrad(), SumAxis0_Bare(), tolerance);
        VerifyVector("Sum(1)", SumAxis1_AutoGrad(), SumAxis1_Bare(), tolerance);
        VerifyScalar("Max", Max_AutoGrad(), Max_Bare(), 0);
        VerifyVector("Max(0)", MaxAxis0_AutoGrad(), MaxAxis0_Bare(), 0);
        VerifyVector("Max(1)", MaxAxis1_AutoGrad(), MaxAxis1_Bare(), 0);
        VerifyScalar("Mean", Mean_AutoGrad(), Mean_Bare(), tolerance);
        VerifyVector("Mean(0)", MeanAxis0_AutoGrad(), MeanAxis0_Bare(), tolerance);
        VerifyVector("Mean(1)", MeanAxis1_AutoGrad(), MeanAxis1_Bare(), tolerance);
        VerifyVector("LogSumExp(0)", LogSumExpAxis0_AutoGrad(), LogSumExpAxis0_Bare(), tolerance);
        VerifyVector("LogSumExp(1)", LogSumExpAxis1_AutoGrad(), LogSumExpAxis1_Bare(), tolerance);
    }

    private void VerifyScalar(string op, Variable<T> autoGrad, T bare, double tolerance)
    {
        if (autoGrad.RequiresGrad)
        {
            throw new InvalidOperationException($"{op} ({Size}×{Size}): the result under NoGrad requires gradients, so it was recorded.");
        }

        Check.Close($"{op} ({Size}×{Size})", double.CreateTruncating(autoGrad.ToScalar()), double.CreateTruncating(bare), tolerance);
    }

    private void VerifyVector(string op, Variable<T> autoGrad, T[] bare, double tolerance)
    {
        if (autoGrad.RequiresGrad)
        {
            throw new InvalidOperationException($"{op} ({Size}×{Size}): the result under NoGrad requires gradients, so it was recorded.");
        }

        Check.Close($"{op} ({Size}×{Size})", autoGrad.Values, bare, tolerance);
    }
}
