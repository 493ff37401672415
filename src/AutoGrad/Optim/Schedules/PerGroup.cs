using System.Globalization;

namespace AutoGrad;

/// <summary>
/// A schedule hyperparameter given once for every parameter group (<c>maxLearningRate: 0.1</c>) or as one value per
/// group (<c>maxLearningRate: new[] { 0.1, 0.01 }</c>), as PyTorch accepts a float or a list.
/// </summary>
public readonly struct PerGroup
{
    private readonly double _value;
    private readonly double[]? _values;

    /// <summary>One value for every group.</summary>
    /// <param name="value">The value.</param>
    public PerGroup(double value) => _value = value;

    /// <summary>One value per group, in the optimizer's group order.</summary>
    /// <param name="values">The values; there must be as many as the optimizer has groups.</param>
    public PerGroup(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToArray();
    }

    /// <summary>The per-group values, or null when one value applies to every group.</summary>
    public IReadOnlyList<double>? Values => _values;

    /// <summary>The value for every group (meaningful when <see cref="Values"/> is null).</summary>
    public double Value => _value;

    /// <summary>One value for every group.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator PerGroup(double value) => new(value);

    /// <summary>One value per group.</summary>
    /// <param name="values">The values.</param>
    public static implicit operator PerGroup(double[] values) => new(values);

    /// <inheritdoc/>
    public override string ToString() => _values is null
        ? _value.ToString(CultureInfo.InvariantCulture)
        : $"[{string.Join(", ", _values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]";

    /// <summary>The value of every group, each checked by <paramref name="check"/>.</summary>
    internal double[] Resolve(int groups, string name, string schedule, Action<double, string, string> check)
    {
        if (_values is not null && _values.Length != groups)
        {
            throw new ArgumentException($"{schedule}: {name} has {_values.Length} values; the optimizer has {groups} parameter groups. Give one value for all groups or one per group.", name);
        }

        var resolved = _values is null ? Enumerable.Repeat(_value, groups).ToArray() : (double[])_values.Clone();
        foreach (var v in resolved)
        {
            check(v, name, schedule);
        }

        return resolved;
    }
}
