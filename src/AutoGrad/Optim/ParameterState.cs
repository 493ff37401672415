using System.Numerics;

namespace AutoGrad;

/// <summary>
/// The per-parameter state of an optimizer: a step count, named buffers of the parameter's element type (moment
/// estimates, momentum, ...) and named scalars. Buffers are created zero-filled on first use and reused afterwards,
/// so a step allocates nothing in steady state.
/// </summary>
public sealed class ParameterState
{
    private readonly Dictionary<string, Array> _buffers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _scalars = new(StringComparer.Ordinal);
    private Array? _scratch;

    /// <summary>How many updates this parameter has received.</summary>
    public long Step { get; set; }

    /// <summary>The names of the buffers, in creation order.</summary>
    public IEnumerable<string> BufferNames => _buffers.Keys;

    /// <summary>The names of the scalars.</summary>
    public IEnumerable<string> ScalarNames => _scalars.Keys;

    /// <summary>The buffer <paramref name="name"/>, created zero-filled with <paramref name="length"/> elements on first use.</summary>
    /// <typeparam name="T">The parameter's element type.</typeparam>
    /// <param name="name">The buffer's name (for example <c>"exp_avg"</c>).</param>
    /// <param name="length">The number of elements (the parameter's length).</param>
    /// <returns>The buffer.</returns>
    public T[] Buffer<T>(string name, int length)
        where T : IFloatingPointIeee754<T>
    {
        if (_buffers.TryGetValue(name, out var existing))
        {
            return (T[])existing;
        }

        var created = new T[length];
        _buffers[name] = created;
        return created;
    }

    /// <summary>
    /// A work area of <paramref name="length"/> elements for use within one update; kept between steps so nothing is
    /// allocated in steady state, but not part of the saved state and not preserved in meaning from step to step.
    /// </summary>
    /// <typeparam name="T">The parameter's element type.</typeparam>
    /// <param name="length">The number of elements.</param>
    /// <returns>The work area.</returns>
    public T[] Scratch<T>(int length)
        where T : IFloatingPointIeee754<T>
    {
        if (_scratch is T[] existing && existing.Length == length)
        {
            return existing;
        }

        var created = new T[length];
        _scratch = created;
        return created;
    }

    /// <summary>Whether the buffer <paramref name="name"/> exists yet.</summary>
    /// <param name="name">The buffer's name.</param>
    /// <returns>True when it has been created.</returns>
    public bool HasBuffer(string name) => _buffers.ContainsKey(name);

    /// <summary>The scalar <paramref name="name"/>, or <paramref name="fallback"/> when it was never set.</summary>
    /// <param name="name">The scalar's name.</param>
    /// <param name="fallback">The value to return when unset.</param>
    /// <returns>The value.</returns>
    public double Scalar(string name, double fallback = 0) => _scalars.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>Sets the scalar <paramref name="name"/>.</summary>
    /// <param name="name">The scalar's name.</param>
    /// <param name="value">The value.</param>
    public void SetScalar(string name, double value) => _scalars[name] = value;

    internal Array RawBuffer(string name) => _buffers[name];

    internal void SetRawBuffer(string name, Array value) => _buffers[name] = value;

    internal void Clear()
    {
        _buffers.Clear();
        _scalars.Clear();
        Step = 0;
    }
}
