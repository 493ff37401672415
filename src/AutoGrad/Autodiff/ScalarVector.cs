using System.Numerics;
using System.Runtime.CompilerServices;
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
    private readonly ScalarTape<T>? _tape;
    private readonly long _first;
    private readonly int _length;
    private readonly Shape _shape;
    private readonly bool _constant;

    internal ScalarVector(ScalarTape<T> tape, long first, int length, Shape shape, bool constant)
    {
        _tape = tape;
        _first = first;
        _length = length;
        _shape = shape;
        _constant = constant;
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

            var global = _first + index;
            var value = _tape!.WatchedValue(global);
            return _constant ? new Scalar<T>(value) : new Scalar<T>(_tape, global, value, T.One);
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
