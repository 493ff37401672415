using System.Collections;
using System.Numerics;

namespace AutoGrad;

/// <summary>
/// Gradient descent over a dataset (<see cref="Minimize.OverData{TSample}(IReadOnlyList{TSample}, Func{IReadOnlyList{TSample}, Variable{double}}, IEnumerable{IVariable})"/>):
/// full-batch, stochastic or mini-batch, by <see cref="BatchSize"/>. Configure it fluently, then call
/// <see cref="MinimizationBuilder{TSelf, T}.Run"/>.
/// </summary>
/// <typeparam name="TSample">The type of one sample.</typeparam>
/// <typeparam name="T">The element type of the loss: <see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// <para>
/// The seed material's three variants are one loop with different batch sizes: <b>batch</b> (full-batch) gradient
/// descent takes one step per pass over the data with the gradient of the whole dataset's loss
/// (<c>BatchSize(data.Count)</c>, the default); <b>stochastic</b> gradient descent takes one step per sample
/// (<c>BatchSize(1)</c>); <b>mini-batch</b> gradient descent one step per batch of n samples (<c>BatchSize(n)</c>).
/// </para>
/// <para>
/// An epoch is one pass over the data, in ⌈count / batch size⌉ iterations; the last batch of an epoch holds the
/// remainder when the batch size does not divide the count. Samples are taken in order unless <see cref="Shuffle"/>
/// is called, which reorders them before every epoch from a seeded generator, so a run is reproducible.
/// </para>
/// <para>
/// A run stops after one epoch unless <see cref="Epochs"/> or <c>Until(maxIterations: …)</c> sets a limit. The
/// loss-change rules compare epochs' mean losses; the gradient-norm rule looks at each batch's gradient (meaningful
/// mainly for full batches). <see cref="MinimizationResult{T}.Value"/> is the batch loss of the whole dataset at the
/// end (one call to the batch loss with every sample, without recording).
/// </para>
/// </remarks>
public sealed class DataMinimization<TSample, T> : MinimizationBuilder<DataMinimization<TSample, T>, T>
    where T : IFloatingPointIeee754<T>
{
    private readonly IReadOnlyList<TSample> _data;
    private readonly Func<IReadOnlyList<TSample>, Variable<T>> _batchLoss;
    private int _batchSize;
    private int? _seed;
    private int? _epochs;
    private int[]? _order;
    private Random? _random;
    private IReadOnlyList<TSample> _batch;

    internal DataMinimization(IReadOnlyList<TSample> data, Func<IReadOnlyList<TSample>, Variable<T>> batchLoss, IReadOnlyList<IVariable> parameters)
        : base(parameters)
    {
        _data = data;
        _batchLoss = batchLoss;
        _batchSize = data.Count;
        _batch = data;
    }

    private protected override int? DefaultMaxIterations => null;

    private protected override int IterationsPerEpoch => (_data.Count + _batchSize - 1) / _batchSize;

    private protected override int? MaxEpochs => _epochs;

    private protected override string LossName => "the batch loss";

    /// <summary>Sets how many samples each step sees: the dataset's count (the default) for full-batch, 1 for stochastic, anything between for mini-batch gradient descent.</summary>
    /// <param name="size">The batch size, ≥ 1; a size above the dataset's count means full batches.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is less than 1.</exception>
    public DataMinimization<TSample, T> BatchSize(int size)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"BatchSize: the batch size must be ≥ 1 (1 for stochastic, {_data.Count} for full-batch gradient descent); got {size}.");
        }

        ThrowIfRan();
        _batchSize = Math.Min(size, _data.Count);
        return this;
    }

    /// <summary>Reorders the samples before every epoch with a generator seeded by <paramref name="seed"/> (Fisher–Yates over <see cref="Random"/>); the same seed gives the same batches.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>This builder.</returns>
    public DataMinimization<TSample, T> Shuffle(int seed)
    {
        ThrowIfRan();
        _seed = seed;
        return this;
    }

    /// <summary>Stops after <paramref name="count"/> passes over the data (<see cref="StopReason.MaxEpochs"/>).</summary>
    /// <param name="count">The number of epochs, ≥ 1.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public DataMinimization<TSample, T> Epochs(int count)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Epochs: the number of epochs must be ≥ 1; got {count}.");
        }

        ThrowIfRan();
        _epochs = count;
        return this;
    }

    /// <summary>Calls <paramref name="schedule"/> after every step, or after the last step of every epoch.</summary>
    /// <param name="schedule">Updates the learning rates; see <see cref="MinimizationBuilder{TSelf, T}.WithSchedule(Action{ScheduleContext})"/>.</param>
    /// <param name="interval">After every iteration (the step's loss is the metric) or every epoch (the epoch's mean loss is).</param>
    /// <returns>This builder.</returns>
    public DataMinimization<TSample, T> WithSchedule(Action<ScheduleContext> schedule, ScheduleInterval interval) => SetSchedule(schedule, interval);

    /// <summary>Uses a learning-rate schedule built over the run's optimizer, stepped every iteration or every epoch.</summary>
    /// <param name="create">Builds the schedule over the optimizer it receives.</param>
    /// <param name="interval">Step it after every iteration, or after every epoch (with the epoch's mean loss as the metric).</param>
    /// <returns>This builder.</returns>
    public DataMinimization<TSample, T> WithSchedule(Func<Optimizer, LearningRateSchedule> create, ScheduleInterval interval) => SetScheduleFactory(create, interval);

    private protected override void BeginIteration(int epoch, int position)
    {
        var count = _data.Count;
        if (_seed is { } seed && position == 0)
        {
            _random ??= new Random(seed);
            _order ??= Enumerable.Range(0, count).ToArray();
            for (var i = count - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
        }

        var start = position * _batchSize;
        var size = Math.Min(_batchSize, count - start);
        _batch = _order is null && size == count ? _data : new BatchView(_data, _order, start, size);
    }

    private protected override Variable<T> Loss() => _batchLoss(_batch);

    private protected override Variable<T> FinalLoss() => _batchLoss(_data);

    /// <summary>A batch: a window of the data, through the shuffled order when there is one.</summary>
    private sealed class BatchView(IReadOnlyList<TSample> data, int[]? order, int start, int count) : IReadOnlyList<TSample>
    {
        public int Count => count;

        public TSample this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                return data[order is null ? start + index : order[start + index]];
            }
        }

        public IEnumerator<TSample> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
