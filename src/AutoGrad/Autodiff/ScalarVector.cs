using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
namespace AutoGrad;

/// <summary>
/// The elements of a watched <see cref="Variable{T}"/> as <see cref="Scalar{T}"/> values on a
/// <see cref="ScalarTape{T}"/> (row-major); made by <see cref="ScalarTape{T}.Watch(Variable{T})"/>.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// A view, not a copy: indexing gives a scalar whose value the tape stored when the variable was watched. It ends with
/// the tape's next <see cref="ScalarTape{T}.Reset"/>. When the variable does not require gradients the scalars are
/// constants.
/// </remarks>
public readonly struct ScalarVector<T>
    where T : IFloatingPointIeee754<T>
{
    // Indexing builds the scalar from these fields without a branch (a constant vector has no tape and scale 0, as a
    // constant scalar does), so the JIT sees every scalar read from one vector with the same tape and scale.
    private readonly ScalarTape<T> _owner;
    private readonly ScalarTape<T>? _tape;
    private readonly T _scale;
    private readonly T[] _values;
    private readonly int _offset;
    private readonly int _length;
    private readonly long _first;
    private readonly Shape _shape;

    internal ScalarVector(ScalarTape<T> owner, bool constant, T[] values, int offset, long first, int length, Shape shape)
    {
        _owner = owner;
        _tape = constant ? null : owner;
        _scale = constant ? T.Zero : T.One;
        _values = values;
        _offset = offset;
        _first = first;
        _length = length;
        _shape = shape;
    }

    /// <summary>The number of elements.</summary>
    public int Length => _length;

    /// <summary>The shape of the watched variable.</summary>
    public Shape Shape => _shape;

    /// <summary>Element <paramref name="index"/> (row-major).</summary>
    /// <param name="index">The flat index, 0 ≤ index &lt; <see cref="Length"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The index is out of range.</exception>
    /// <exception cref="InvalidOperationException">The tape was reset after this vector was watched.</exception>
    public Scalar<T> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_length)
            {
                ThrowIndex(index);
            }

            if (_owner.Origin > _first)
            {
                ScalarTape<T>.ThrowReset(); // The tape was reset: the values array may hold another recording's values.
            }

            // Unchecked read: the tape made _values hold _length values from _offset on, and never shrinks it.
            var value = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values), _offset + index);
            return new Scalar<T>(_tape, _first + index, value, _scale);
        }
    }

    /// <summary>Element (<paramref name="row"/>, <paramref name="column"/>) of a watched matrix.</summary>
    /// <param name="row">The row.</param>
    /// <param name="column">The column.</param>
    /// <exception cref="InvalidOperationException">The watched variable is not a matrix.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The row or column is out of range.</exception>
    public Scalar<T> this[int row, int column]
    {
        get
        {
            if (_shape.Rank != 2)
            {
                throw new InvalidOperationException($"ScalarVector: [row, column] needs a watched matrix, but the variable has shape {_shape}. Use a flat index.");
            }

            int rows = _shape[0], columns = _shape[1];
            if ((uint)row >= (uint)rows || (uint)column >= (uint)columns)
            {
                throw new ArgumentOutOfRangeException(nameof(row), $"ScalarVector: element ({row}, {column}) is outside shape {_shape}.");
            }

            return this[(row * columns) + column];
        }
    }

    /// <summary>Copies the scalars into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> elements.</param>
    public void CopyTo(Span<Scalar<T>> destination)
    {
        if (destination.Length < _length)
        {
            throw new ArgumentException($"ScalarVector.CopyTo: the destination has {destination.Length} elements, fewer than the {_length} to copy.", nameof(destination));
        }

        for (var i = 0; i < _length; i++)
        {
            destination[i] = this[i];
        }
    }

    /// <summary>The scalars as a new array.</summary>
    /// <returns>An array of <see cref="Length"/> scalars.</returns>
    public Scalar<T>[] ToArray()
    {
        var result = new Scalar<T>[_length];
        CopyTo(result);
        return result;
    }

    private void ThrowIndex(int index) => throw IndexException(index);

    private ArgumentOutOfRangeException IndexException(int index) =>
        new(nameof(index), $"ScalarVector: index {index} is outside the {_length} watched elements.");
}
