using System.Collections;
using System.Runtime.CompilerServices;

namespace AutoGrad;

/// <summary>
/// The dimensions of a dense, row-major tensor. A shape of rank 0 (<see cref="Scalar"/>) holds one element.
/// </summary>
/// <remarks>
/// Shapes are immutable values compared by their dimensions. A collection expression builds one:
/// <c>Shape s = [2, 3];</c>.
/// </remarks>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? _dims;
    private readonly int _length;

    /// <summary>Creates a shape from its dimensions.</summary>
    /// <param name="dimensions">The size of each axis, outermost first; each must be non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the element count overflows.</exception>
    public Shape(params ReadOnlySpan<int> dimensions)
    {
        if (dimensions.IsEmpty)
        {
            _dims = null;
            _length = 1;
            return;
        }

        long length = 1;
        foreach (var d in dimensions)
        {
            if (d < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(dimensions), $"Shape dimensions must be non-negative; got [{string.Join(", ", dimensions.ToArray())}].");
            }

            length *= d;
            if (length > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(dimensions), $"Shape [{string.Join(", ", dimensions.ToArray())}] has more elements than an array can hold.");
            }
        }

        _dims = dimensions.ToArray();
        _length = (int)length;
    }

    /// <summary>
    /// A shape with these dimensions, reusing one made recently on this thread when the dimensions match: ops that
    /// produce the same shapes every training step then allocate no dimension arrays (shapes are immutable, so
    /// sharing one is safe).
    /// </summary>
    internal static Shape Recent(ReadOnlySpan<int> dimensions)
    {
        if (dimensions.IsEmpty)
        {
            return default;
        }

        var cache = t_recent ??= new Shape[RecentCount];
        foreach (var shape in cache)
        {
            if (shape._dims is { } dims && dimensions.SequenceEqual(dims))
            {
                return shape;
            }
        }

        var made = new Shape(dimensions);
        cache[t_nextRecent] = made;
        t_nextRecent = (t_nextRecent + 1) % RecentCount;
        return made;
    }

    private const int RecentCount = 16;

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
    [ThreadStatic]
    private static Shape[]? t_recent;

    [ThreadStatic]
    private static int t_nextRecent;
#pragma warning restore IDE1006

    /// <summary>Builds a shape from a collection expression such as <c>[2, 3]</c>.</summary>
    /// <param name="dimensions">The dimensions.</param>
    /// <returns>The shape.</returns>
    public static Shape Create(ReadOnlySpan<int> dimensions) => new(dimensions);

    /// <summary>The shape of a scalar: rank 0, one element.</summary>
    public static Shape Scalar => default;

    /// <summary>The number of axes.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>The number of elements (the product of the dimensions; 1 for a scalar).</summary>
    /// <remarks>
    /// Deliberately not called <c>Length</c>: C# takes a <c>Length</c> property as the collection's count in
    /// spreads (<c>[1, .. shape]</c>) and from-end indices (<c>shape[^1]</c>), which must count axes.
    /// </remarks>
    public int ElementCount => _dims is null ? 1 : _length;

    /// <summary>The number of axes (the same as <see cref="Rank"/>); lets <c>shape[^1]</c> and <c>[.. shape]</c> work.</summary>
    public int Count => Rank;

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Dimensions => _dims;

    /// <summary>The size of axis <paramref name="axis"/>; a negative axis counts from the end.</summary>
    /// <param name="axis">The axis, in <c>[-Rank, Rank)</c>.</param>
    public int this[int axis] => _dims![NormalizeAxis(axis, "Shape")];

    /// <summary>Copies the dimensions into a new array.</summary>
    /// <returns>The dimensions.</returns>
    public int[] ToArray() => _dims is null ? [] : (int[])_dims.Clone();

    /// <summary>Maps a possibly negative axis into <c>[0, Rank)</c>.</summary>
    /// <param name="axis">The axis; negative values count from the end.</param>
    /// <param name="operation">The operation named in the exception.</param>
    /// <returns>The non-negative axis.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside <c>[-Rank, Rank)</c>.</exception>
    public int NormalizeAxis(int axis, string operation)
    {
        var rank = Rank;
        var a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"{operation}: axis {axis} is out of range for a tensor of shape {this} (rank {rank}); valid axes are {-rank}..{rank - 1}.");
        }

        return a;
    }

    /// <summary>Returns the row-major strides (in elements) of this shape.</summary>
    internal int[] Strides()
    {
        var rank = Rank;
        var strides = new int[rank];
        var s = 1;
        for (var i = rank - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= _dims![i];
        }

        return strides;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dimensions.SequenceEqual(other.Dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var d in Dimensions)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>Compares two shapes by their dimensions.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>Compares two shapes by their dimensions.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>Converts an array of dimensions into a shape.</summary>
    /// <param name="dimensions">The dimensions.</param>
    public static implicit operator Shape(int[] dimensions) => new(dimensions);

    /// <summary>Formats the shape as <c>[2, 3]</c> (<c>[]</c> for a scalar).</summary>
    /// <returns>The formatted shape.</returns>
    public override string ToString() => "[" + string.Join(", ", ToArray()) + "]";

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator()
    {
        for (var i = 0; i < Rank; i++)
        {
            yield return _dims![i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
