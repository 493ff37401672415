using System.Globalization;

namespace AutoGrad;

/// <summary>
/// An immutable tensor of integer positions, with a shape: the index argument of <c>Gather</c>, <c>IndexSelect</c>,
/// <c>ScatterAdd</c> and <c>OneHot</c>, the class targets of <c>CrossEntropy</c>, and the result of <c>ArgMax</c>/<c>ArgMin</c>.
/// </summary>
/// <remarks>Indices are not differentiable; they only say where values come from or go to.</remarks>
public sealed class Indices
{
    private readonly int[] _values;

    /// <summary>Creates indices from values (copied) and an optional shape (a vector by default).</summary>
    /// <param name="values">The positions, row-major.</param>
    /// <param name="shape">The shape; its element count must equal <c>values.Length</c>.</param>
    /// <exception cref="ArgumentException">The values do not fill the shape.</exception>
    public Indices(int[] values, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = shape ?? new Shape(values.Length);
        if (s.ElementCount != values.Length)
        {
            throw new ArgumentException($"Indices: {values.Length} values do not fill shape {s} ({s.ElementCount} elements).", nameof(values));
        }

        _values = (int[])values.Clone();
        Shape = s;
    }

    private Indices(int[] values, Shape shape, bool owned)
    {
        _values = values;
        Shape = shape;
    }

    /// <summary>The shape.</summary>
    public Shape Shape { get; }

    /// <summary>The number of indices.</summary>
    public int Length => _values.Length;

    /// <summary>The values, row-major, without copying.</summary>
    public ReadOnlySpan<int> Values => _values;

    /// <summary>The backing array (never mutated: indices are immutable).</summary>
    internal int[] Array => _values;

    /// <summary>A vector of indices.</summary>
    /// <param name="values">The positions.</param>
    public static implicit operator Indices(int[] values) => new(values);

    /// <summary>Creates indices that take ownership of <paramref name="values"/> (no copy).</summary>
    internal static Indices Wrap(int[] values, Shape shape) => new(values, shape, owned: true);

    /// <summary>Copies the values into a new array.</summary>
    /// <returns>The values, row-major.</returns>
    public int[] ToArray() => (int[])_values.Clone();

    /// <summary>Formats the indices and their shape, e.g. <c>[2, 0, 1] (shape [3], indices)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var shown = _values.Length > 1000 ? string.Join(", ", _values.Take(3)) + ", ..., " + string.Join(", ", _values.TakeLast(3)) : string.Join(", ", _values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return $"[{shown}] (shape {Shape}, indices)";
    }
}
