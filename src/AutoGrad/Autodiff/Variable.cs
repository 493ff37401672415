using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
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
    private T[] _buffer;
    private Shape _shape;
    private bool _requiresGrad;
    private bool _ended;
    private Node? _node;
    private Variable<T>? _grad;
    private bool _ownsGrad;
    private bool _gradExposed;
    private Variable<T>? _spareGrad;

    // The scalar tape (ScopeTape.cs): the tape that recorded this variable as a result (null for every other
    // variable), and its slot there, or, for a variable from outside the tape, the slot it was last registered at.
    private ScopeTape? _tape;
    private int _tapeSlot;

    // Guards _grad, _ownsGrad, _gradExposed and _spareGrad: concurrent backward passes may share a leaf. A spin lock
    // rather than Monitor, because the scalar tape takes it once per parameter per step and Monitor's call, thread
    // lookup and second interlocked operation cost several times a single compare-exchange.
    private int _gradLock;

    internal Variable(T[] data, Shape shape, bool requiresGrad)
    {
        if (data.Length != shape.ElementCount)
        {
            throw new ArgumentException($"{data.Length} values do not fill shape {shape} ({shape.ElementCount} elements).", nameof(data));
        }

        _buffer = data;
        _shape = shape;
        _requiresGrad = requiresGrad;
    }

    /// <summary>The shape of the tensor.</summary>
    public Shape Shape => _shape;

    /// <summary>The number of axes.</summary>
    public int Rank => _shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Length => _shape.ElementCount;

    /// <summary>Whether gradients flow to this variable: it is a parameter, or it was computed from one while recording.</summary>
    public bool RequiresGrad => _requiresGrad;

    /// <summary>Whether this variable was created directly (a parameter or a constant) rather than computed by a recorded operation.</summary>
    public bool IsLeaf => _node is null && _tape is null;

    /// <summary>
    /// The gradient accumulated by backward passes, with this variable's shape; <c>null</c> when no backward
    /// pass has reached this variable since it was created or last zeroed.
    /// </summary>
    /// <remarks>
    /// Only leaves that require gradients receive one. After <c>Backward(createGraph: true)</c> the gradient is
    /// itself a variable on the graph, so it can be differentiated again.
    /// </remarks>
    public Variable<T>? Grad
    {
        get
        {
            // Once the gradient variable has been handed out, the caller may keep it, so ZeroGrad must not recycle it.
            _gradExposed = true;
            return _grad;
        }
    }

    /// <summary>The gradient, for the library's own readers (optimizers, clipping), which never keep it.</summary>
    internal Variable<T>? CurrentGrad => _grad;

    /// <summary>The values, row-major, without copying.</summary>
    public ReadOnlySpan<T> Values => Data;

    /// <inheritdoc/>
    public Type ElementType => typeof(T);

    /// <inheritdoc/>
    IVariable? IVariable.Grad => Grad;

    /// <summary>The op that produced this variable, or null for a leaf.</summary>
    internal Node? CreatorNode => _node;

    /// <summary>The backing buffer (shared, never mutate unless the variable is owned).</summary>
    internal T[] Data
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_ended | _tape is not null)
            {
                CheckLive();
            }

            return _buffer;
        }
    }

    /// <summary>Whether this variable was a result of a <see cref="StepScope"/> that has ended.</summary>
    internal bool HasEnded => _ended || (_tape is not null && !_tape.Owns(this));

    /// <summary>Copies the values into a new row-major array.</summary>
    /// <returns>The values.</returns>
    public T[] ToArray() => (T[])Data.Clone();

    /// <summary>Copies the values of a rank-2 variable into a new two-dimensional array.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The variable is not of rank 2.</exception>
    public T[,] ToArray2D()
    {
        if (Rank != 2)
        {
            throw new InvalidOperationException($"ToArray2D: the variable has shape {_shape}; only rank-2 variables convert to T[,].");
        }

        var data = Data;
        var result = new T[_shape[0], _shape[1]];
        var k = 0;
        for (var i = 0; i < _shape[0]; i++)
        {
            for (var j = 0; j < _shape[1]; j++)
            {
                result[i, j] = data[k++];
            }
        }

        return result;
    }

    /// <summary>The value of a variable with exactly one element.</summary>
    /// <returns>The single value.</returns>
    /// <exception cref="InvalidOperationException">The variable does not have exactly one element.</exception>
    public T ToScalar()
    {
        var data = Data;
        if (data.Length != 1)
        {
            throw new InvalidOperationException($"ToScalar: the variable has shape {_shape} ({data.Length} elements); only a one-element variable converts to a scalar. Reduce it first (Sum(), Mean()) or index an element.");
        }

        return data[0];
    }

    /// <summary>
    /// Returns a variable with the same values that is cut off from the graph: it does not require
    /// gradients and nothing flows back through it. The values are shared, not copied.
    /// </summary>
    /// <returns>The detached variable.</returns>
    public Variable<T> Detach() => Result(Data, _shape, node: null);

    /// <summary>Clears the accumulated gradient.</summary>
    /// <param name="setToNull">
    /// <c>true</c> (the default, as in PyTorch) sets <see cref="Grad"/> to <c>null</c>; <c>false</c> keeps a
    /// gradient of zeros, zeroing the existing gradient in place when this variable owns it (PyTorch's
    /// <c>grad.zero_()</c>), so a reference to <see cref="Grad"/> taken earlier sees the zeros.
    /// </param>
    /// <remarks>
    /// Gradient buffers are reused across steps where that is invisible: a gradient that was never handed out through
    /// <see cref="Grad"/> is kept when set to null and filled again by the next backward pass, so a training loop
    /// that zeroes, runs backward and steps allocates no gradient memory in steady state.
    /// </remarks>
    public void ZeroGrad(bool setToNull = true)
    {
        using (LockGrad())
        {
            var recyclable = OwnsPlainGrad;
            if (setToNull || _grad is null)
            {
                _spareGrad = recyclable && !_gradExposed ? _grad : _spareGrad;
                _grad = null;
                _ownsGrad = false;
            }
            else if (recyclable)
            {
                Array.Clear(_grad!._buffer);
            }
            else
            {
                _grad = new Variable<T>(new T[_buffer.Length], _shape, requiresGrad: false);
                _ownsGrad = true;
                _gradExposed = false;
            }

            if (_grad is null)
            {
                _gradExposed = false;
            }
        }
    }

    /// <summary>Adds a gradient contribution to this leaf (thread-safe: concurrent passes may share a leaf).</summary>
    internal void AccumulateGrad(Variable<T> contribution, bool createGraph)
    {
        using (LockGrad())
        {
            AccumulateLocked(contribution, createGraph);
        }
    }

    private void AccumulateLocked(Variable<T> contribution, bool createGraph)
    {
        if (createGraph || (_grad is not null && !OwnsPlainGrad))
        {
            // On the graph, or added to a gradient the leaf does not own: a new sum (no copy of the contribution).
            _grad = _grad is null ? contribution : _grad + contribution;
            _ownsGrad = false;
        }
        else
        {
            AccumulateLocked(contribution.Data);
        }
    }

    /// <summary>
    /// Adds <paramref name="contribution"/>, made by a node's backward inside a step scope, to this leaf's gradient; when
    /// the leaf has none yet, it takes the contribution's buffer instead of copying it, and gives <paramref name="arena"/>
    /// its spare gradient buffer in exchange, so the pool keeps its size and a training step still allocates nothing.
    /// </summary>
    /// <param name="contribution">The gradient; no other gradient of the node shares its buffer (checked by the caller).</param>
    /// <param name="arena">This thread's arena.</param>
    /// <param name="rentedBefore">The arena's rented count before the node's backward ran: only a buffer rented since is taken.</param>
    internal void AdoptOrAccumulateGrad(Variable<T> contribution, ScopeArena<T> arena, int rentedBefore)
    {
        using (LockGrad())
        {
            if (_grad is null && contribution._shape == _shape)
            {
                var spare = _spareGrad;
                var buffer = contribution._buffer;
                if (arena.Exchange(buffer, rentedBefore, spare?._buffer))
                {
                    if (spare is null)
                    {
                        spare = new Variable<T>(buffer, _shape, requiresGrad: false);
                    }
                    else
                    {
                        spare._buffer = buffer;
                    }

                    // The contribution is a result of the scope and ends with it; until then only the backward pass that
                    // made it holds it, and that pass is done with it.
                    _spareGrad = null;
                    _grad = spare;
                    _ownsGrad = true;
                    _gradExposed = false;
                    return;
                }
            }

            AccumulateLocked(contribution, createGraph: false);
        }
    }

    /// <summary>
    /// Adds a gradient contribution given as values (this variable's length, row-major) to this leaf; the scalar tape
    /// delivers through it without making a gradient variable per parameter.
    /// </summary>
    internal void AccumulateGradFrom(ReadOnlySpan<T> contribution)
    {
        using (LockGrad())
        {
            AccumulateLocked(contribution);
        }
    }

    /// <summary>Adds a scalar gradient contribution to this one-element leaf.</summary>
    internal void AccumulateScalarGrad(T contribution) => AccumulateGradFrom(new ReadOnlySpan<T>(in contribution));

    /// <summary>Whether the gradient is this leaf's own buffer, off the graph, so it can be accumulated into in place.</summary>
    [MemberNotNullWhen(true, nameof(_grad))]
    private bool OwnsPlainGrad => _grad is not null && _ownsGrad && !_grad._requiresGrad;

    /// <summary>
    /// The non-recording accumulation, with the gradient lock held: into the leaf's own gradient buffer in place when it
    /// has one, else copied into the buffer of a gradient zeroed earlier (allocated only the first time), else (the
    /// gradient is shared or on a graph) as a new sum.
    /// </summary>
    private void AccumulateLocked(ReadOnlySpan<T> contribution)
    {
        if (_grad is null)
        {
            // Copy: the contribution may be aliased elsewhere in the graph (Add passes its gradient through unchanged)
            // or belong to a step scope, and later passes accumulate into this buffer in place.
            var spare = _spareGrad ?? new Variable<T>(GC.AllocateUninitializedArray<T>(_buffer.Length), _shape, requiresGrad: false);
            _spareGrad = null;
            if (contribution.Length == 1)
            {
                spare._buffer[0] = contribution[0]; // A scalar parameter: the scalar tapes deliver thousands of these.
            }
            else
            {
                contribution.CopyTo(spare._buffer);
            }

            _grad = spare;
            _ownsGrad = true;
            _gradExposed = false;
        }
        else if (OwnsPlainGrad)
        {
            var buffer = _grad._buffer;
            if (buffer.Length == 1)
            {
                buffer[0] += contribution[0];
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Add(buffer, contribution, buffer);
            }
        }
        else
        {
            _grad = _grad + new Variable<T>(contribution.ToArray(), _shape, requiresGrad: false);
            _ownsGrad = false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private GradLockScope LockGrad()
    {
        if (Interlocked.CompareExchange(ref _gradLock, 1, 0) != 0)
        {
            SpinUntilLocked();
        }

        return new GradLockScope(this);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SpinUntilLocked()
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _gradLock) != 0 || Interlocked.CompareExchange(ref _gradLock, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }
    }

    /// <summary>Releases the gradient lock when disposed (taken by <see cref="LockGrad"/>).</summary>
    private readonly ref struct GradLockScope(Variable<T> owner)
    {
        public void Dispose() => Volatile.Write(ref owner._gradLock, 0);
    }

    /// <summary>
    /// The gradient's buffer for changing it in place (gradient clipping), or null when there is no gradient. A
    /// gradient this variable does not own outright (one left by <c>Backward(createGraph: true)</c>, which may be on
    /// a graph or shared with other variables or the seed) is first replaced by a private copy off the graph, so the
    /// change never reaches anything else.
    /// </summary>
    internal T[]? MutableGrad()
    {
        using (LockGrad())
        {
            if (_grad is null)
            {
                return null;
            }

            if (!_ownsGrad || _grad._requiresGrad)
            {
                _grad = new Variable<T>(_grad.ToArray(), _shape, requiresGrad: false);
                _ownsGrad = true;
                _gradExposed = false;
            }

            return _grad._buffer;
        }
    }

    /// <summary>Whether recording is on and any input requires gradients (so a node must be created).</summary>
    internal static bool ShouldRecord(Variable<T> x) => x._requiresGrad && GradMode.IsEnabled;

    /// <summary>Whether recording is on and either input requires gradients (so a node must be created).</summary>
    internal static bool ShouldRecord(Variable<T> x, Variable<T> y) => (x._requiresGrad || y._requiresGrad) && GradMode.IsEnabled;

    /// <summary>Creates an op's result and, when <paramref name="node"/> is not null, links it as the result's creator.</summary>
    /// <remarks>
    /// Inside a <see cref="StepScope"/> the result is registered with the scope, which ends it when disposed (and, when
    /// the scope recycles variables, the object comes from the thread's pool).
    /// </remarks>
    internal static Variable<T> Result(T[] data, Shape shape, Node? node)
    {
        Variable<T> result;
        if (StepScope.Current is { } scope)
        {
            var arena = ScopeArena<T>.ForThread;
            result = scope.RecycleVariables && arena.TakeSpareVariable() is { } spare
                ? spare.Reinitialize(data, shape, node is not null)
                : new Variable<T>(data, shape, node is not null);
            arena.Register(scope, result);
        }
        else
        {
            result = new Variable<T>(data, shape, node is not null);
        }

        if (node is not null)
        {
            node.Result = result;
            result._node = node;
        }

        return result;
    }

    /// <summary>
    /// A buffer for an op's result whose every element the op writes: rented from the step scope's pool inside a
    /// <see cref="StepScope"/>, otherwise newly allocated without zeroing.
    /// </summary>
    internal static T[] NewBuffer(int length) =>
        StepScope.Current is { } scope ? ScopeArena<T>.ForThread.Rent(scope, length, clear: false)
        : length == 0 ? [] : GC.AllocateUninitializedArray<T>(length);

    /// <summary>A zeroed buffer for an op's result (from the step scope's pool inside a <see cref="StepScope"/>).</summary>
    internal static T[] NewZeroedBuffer(int length) =>
        StepScope.Current is { } scope ? ScopeArena<T>.ForThread.Rent(scope, length, clear: true) : new T[length];

    /// <summary>A one-element buffer holding <paramref name="value"/> (from the step scope's pool inside a scope).</summary>
    internal static T[] ScalarBuffer(T value)
    {
        var buffer = NewBuffer(1);
        buffer[0] = value;
        return buffer;
    }

    /// <summary>Marks this result of an ended <see cref="StepScope"/>: any later use throws.</summary>
    internal void EndScope(bool recycle)
    {
        _ended = true;
        if (recycle)
        {
            _node?.Recycle();
        }

        _node = null;
        _grad = null;
    }

    private Variable<T> Reinitialize(T[] data, Shape shape, bool requiresGrad)
    {
        _buffer = data;
        _shape = shape;
        _requiresGrad = requiresGrad;
        _ended = false;
        _node = null;
        _grad = null;
        _ownsGrad = false;
        _gradExposed = false;
        _spareGrad = null;
        return this;
    }

    /// <summary>Throws when this variable has ended: a result of a disposed scope, on the ordinary path or the scalar tape.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckLive()
    {
        if (HasEnded)
        {
            ThrowEnded();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowEnded() => throw new InvalidOperationException(
        $"This variable (shape {_shape}) was computed inside a StepScope that has been disposed, and its buffer has gone back to the pool. Copy what you need out before the scope ends (ToScalar(), ToArray(), or Variable.Constant(v.ToArray(), v.Shape)), or compute it outside the scope.");

    /// <summary>
    /// Formats the variable as its values (nested brackets per axis, abbreviated beyond 1000 elements),
    /// its shape and element type, and whether it requires gradients.
    /// </summary>
    /// <returns>For example <c>[-1.2, 1] (shape [2], double, requires grad)</c>.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var summarize = Data.Length > 1000;
        AppendValues(sb, 0, 0, summarize);
        sb.Append(" (shape ").Append(_shape.ToString()).Append(", ").Append(typeof(T) == typeof(double) ? "double" : typeof(T) == typeof(float) ? "float" : typeof(T).Name);
        if (_requiresGrad)
        {
            sb.Append(_node is not null ? ", grad_fn " + _node.Name : _tape is not null ? ", grad_fn " + _tape.OpName(this) : ", requires grad");
        }

        return sb.Append(')').ToString();
    }

    private void AppendValues(StringBuilder sb, int axis, int offset, bool summarize)
    {
        if (Rank == 0)
        {
            sb.Append(Format(Data[0]));
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
                sb.Append(Format(Data[offset + i]));
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
