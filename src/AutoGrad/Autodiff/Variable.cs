using System.Globalization;
using System.Numerics;
using System.Text;

namespace AutoGrad;

/// <summary>
/// A dense tensor of <typeparamref name="T"/> that records the operations applied to it, so that
/// <see cref="Backward(bool, bool)"/> can compute gradients by reverse-mode automatic differentiation.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// <para>
/// Create variables with the factories on <see cref="Variable"/> (<c>Variable.Parameter</c>,
/// <c>Variable.Constant</c>, …). Operations on a variable that requires gradients are
/// recorded while <see cref="GradMode.IsEnabled"/>; their results require gradients too.
/// </para>
/// <para>
/// Values are immutable once computed: every operation returns a new variable. Gradients of leaves
/// (parameters) accumulate with <c>+=</c> until <see cref="ZeroGrad"/>; <see cref="Grad"/> is <c>null</c>
/// when no backward pass reached the variable, which is distinct from a zero gradient.
/// </para>
/// </remarks>
public sealed partial class Variable<T> : IVariable
    where T : IFloatingPointIeee754<T>
{
    private readonly T[] _data;
    private readonly Shape _shape;
    private readonly bool _requiresGrad;
    private Node? _node;
    private Variable<T>? _grad;
    private bool _ownsGrad;

    internal Variable(T[] data, Shape shape, bool requiresGrad)
    {
        if (data.Length != shape.ElementCount)
        {
            throw new ArgumentException($"{data.Length} values do not fill shape {shape} ({shape.ElementCount} elements).", nameof(data));
        }

        _data = data;
        _shape = shape;
        _requiresGrad = requiresGrad;
    }

    /// <summary>The shape of the tensor.</summary>
    public Shape Shape => _shape;

    /// <summary>The number of axes.</summary>
    public int Rank => _shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Length => _data.Length;

    /// <summary>Whether gradients flow to this variable: it is a parameter, or it was computed from one while recording.</summary>
    public bool RequiresGrad => _requiresGrad;

    /// <summary>Whether this variable was created directly (a parameter or a constant) rather than computed by a recorded operation.</summary>
    public bool IsLeaf => _node is null;

    /// <summary>
    /// The gradient accumulated by backward passes, with this variable's shape; <c>null</c> when no backward
    /// pass has reached this variable since it was created or last zeroed.
    /// </summary>
    /// <remarks>
    /// Only leaves that require gradients receive one. After <c>Backward(createGraph: true)</c> the gradient is
    /// itself a variable on the graph, so it can be differentiated again.
    /// </remarks>
    public Variable<T>? Grad => _grad;

    /// <summary>The values, row-major, without copying.</summary>
    public ReadOnlySpan<T> Values => _data;

    /// <inheritdoc/>
    public Type ElementType => typeof(T);

    /// <inheritdoc/>
    IVariable? IVariable.Grad => _grad;

    /// <summary>The op that produced this variable, or null for a leaf.</summary>
    internal Node? CreatorNode => _node;

    /// <summary>The backing buffer (shared, never mutate unless the variable is owned).</summary>
    internal T[] Data => _data;

    /// <summary>Copies the values into a new row-major array.</summary>
    /// <returns>The values.</returns>
    public T[] ToArray() => (T[])_data.Clone();

    /// <summary>Copies the values of a rank-2 variable into a new two-dimensional array.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The variable is not of rank 2.</exception>
    public T[,] ToArray2D()
    {
        if (Rank != 2)
        {
            throw new InvalidOperationException($"ToArray2D: the variable has shape {_shape}; only rank-2 variables convert to T[,].");
        }

        var result = new T[_shape[0], _shape[1]];
        var k = 0;
        for (var i = 0; i < _shape[0]; i++)
        {
            for (var j = 0; j < _shape[1]; j++)
            {
                result[i, j] = _data[k++];
            }
        }

        return result;
    }

    /// <summary>The value of a variable with exactly one element.</summary>
    /// <returns>The single value.</returns>
    /// <exception cref="InvalidOperationException">The variable does not have exactly one element.</exception>
    public T ToScalar()
    {
        if (_data.Length != 1)
        {
            throw new InvalidOperationException($"ToScalar: the variable has shape {_shape} ({_data.Length} elements); only a one-element variable converts to a scalar. Reduce it first (Sum(), Mean()) or index an element.");
        }

        return _data[0];
    }

    /// <summary>
    /// Returns a variable with the same values that is cut off from the graph: it does not require
    /// gradients and nothing flows back through it. The values are shared, not copied.
    /// </summary>
    /// <returns>The detached variable.</returns>
    public Variable<T> Detach() => new(_data, _shape, requiresGrad: false);

    /// <summary>Clears the accumulated gradient.</summary>
    /// <param name="setToNull">
    /// <c>true</c> (the default, as in PyTorch) sets <see cref="Grad"/> to <c>null</c>; <c>false</c> keeps a
    /// gradient of zeros.
    /// </param>
    public void ZeroGrad(bool setToNull = true)
    {
        lock (_data)
        {
            if (setToNull || _grad is null)
            {
                _grad = null;
                _ownsGrad = false;
            }
            else
            {
                _grad = new Variable<T>(new T[_data.Length], _shape, requiresGrad: false);
                _ownsGrad = true;
            }
        }
    }

    /// <summary>Adds a gradient contribution to this leaf (thread-safe: concurrent passes may share a leaf).</summary>
    internal void AccumulateGrad(Variable<T> contribution, bool createGraph)
    {
        lock (_data)
        {
            if (_grad is null)
            {
                if (createGraph)
                {
                    _grad = contribution;
                    _ownsGrad = false;
                }
                else
                {
                    // Copy: the contribution may be aliased elsewhere in the graph (Add passes its gradient
                    // through unchanged), and later passes accumulate into this buffer in place.
                    _grad = new Variable<T>(contribution.ToArray(), _shape, requiresGrad: false);
                    _ownsGrad = true;
                }
            }
            else if (_ownsGrad && !createGraph && !_grad.RequiresGrad)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(_grad._data, contribution._data, _grad._data);
            }
            else
            {
                _grad = _grad + contribution;
                _ownsGrad = false;
            }
        }
    }

    /// <summary>
    /// The gradient's buffer for changing it in place (gradient clipping), or null when there is no gradient. A
    /// gradient this variable does not own outright (one left by <c>Backward(createGraph: true)</c>, which may be on
    /// a graph or shared with other variables or the seed) is first replaced by a private copy off the graph, so the
    /// change never reaches anything else.
    /// </summary>
    internal T[]? MutableGrad()
    {
        lock (_data)
        {
            if (_grad is null)
            {
                return null;
            }

            if (!_ownsGrad || _grad.RequiresGrad)
            {
                _grad = new Variable<T>(_grad.ToArray(), _shape, requiresGrad: false);
                _ownsGrad = true;
            }

            return _grad._data;
        }
    }

    /// <summary>Whether recording is on and any input requires gradients (so a node must be created).</summary>
    internal static bool ShouldRecord(Variable<T> x) => x._requiresGrad && GradMode.IsEnabled;

    /// <summary>Whether recording is on and either input requires gradients (so a node must be created).</summary>
    internal static bool ShouldRecord(Variable<T> x, Variable<T> y) => (x._requiresGrad || y._requiresGrad) && GradMode.IsEnabled;

    /// <summary>Creates an op's result and, when <paramref name="node"/> is not null, links it as the result's creator.</summary>
    internal static Variable<T> Result(T[] data, Shape shape, Node? node)
    {
        var result = new Variable<T>(data, shape, node is not null);
        if (node is not null)
        {
            node.Result = result;
            result._node = node;
        }

        return result;
    }

    /// <summary>
    /// Formats the variable as its values (nested brackets per axis, abbreviated beyond 1000 elements),
    /// its shape and element type, and whether it requires gradients.
    /// </summary>
    /// <returns>For example <c>[-1.2, 1] (shape [2], double, requires grad)</c>.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var summarize = _data.Length > 1000;
        AppendValues(sb, 0, 0, summarize);
        sb.Append(" (shape ").Append(_shape.ToString()).Append(", ").Append(typeof(T) == typeof(double) ? "double" : typeof(T) == typeof(float) ? "float" : typeof(T).Name);
        if (_requiresGrad)
        {
            sb.Append(_node is null ? ", requires grad" : ", grad_fn " + _node.Name);
        }

        return sb.Append(')').ToString();
    }

    private void AppendValues(StringBuilder sb, int axis, int offset, bool summarize)
    {
        if (Rank == 0)
        {
            sb.Append(Format(_data[0]));
            return;
        }

        const int EdgeItems = 3;
        var n = _shape[axis];
        var stride = 1;
        for (var i = axis + 1; i < Rank; i++)
        {
            stride *= _shape[i];
        }

        sb.Append('[');
        for (var i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(axis == Rank - 1 ? "..., " : "...,\n" + new string(' ', axis + 1));
                i = n - EdgeItems - 1;
                continue;
            }

            if (axis == Rank - 1)
            {
                sb.Append(Format(_data[offset + i]));
            }
            else
            {
                AppendValues(sb, axis + 1, offset + (i * stride), summarize);
            }

            if (i < n - 1)
            {
                sb.Append(axis == Rank - 1 ? ", " : ",\n" + new string(' ', axis + 1));
            }
        }

        sb.Append(']');
    }

    private static string Format(T value) => value.ToString(null, CultureInfo.InvariantCulture);
}
