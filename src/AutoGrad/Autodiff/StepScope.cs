namespace AutoGrad;

/// <summary>
/// A training-step scope: the results of operations computed inside it live only until it is disposed, so their
/// buffers are reused by the next step instead of being allocated and collected again.
/// </summary>
/// <remarks>
/// <para>
/// Create one per step with <see cref="Variable.StepScope(bool)"/> and dispose it with <c>using</c>:
/// </para>
/// <code>
/// for (var step = 0; step &lt; steps; step++)
/// {
///     using var scope = Variable.StepScope();
///     optimizer.ZeroGrad();
///     var loss = Loss.CrossEntropy(model(x), labels);
///     loss.Backward();
///     optimizer.Step();
///     history.Add(loss.ToScalar());   // copy values out before the scope ends
/// }
/// </code>
/// <para>
/// What belongs to the scope: every variable an operation returns while the scope is the innermost one on the
/// thread, including views (<c>Reshape</c>, <c>Detach</c>) and the gradients a backward pass computes on the way.
/// What does not: parameters and constants made by the factories (<c>Variable.Parameter</c>, <c>Variable.Constant</c>),
/// the gradients left on parameters by <c>Backward()</c> (copied into the parameter's own buffer), optimizer state,
/// and values copied out (<c>ToScalar</c>, <c>ToArray</c>).
/// </para>
/// <para>
/// Escapes are detected: when the scope is disposed, its variables are marked ended, and any later use of one (its
/// values, an operation on it, a backward pass through it) throws <see cref="InvalidOperationException"/> that says
/// so. Their buffers go back to a per-thread pool, where the next scope's operations find them already allocated.
/// </para>
/// <para>
/// With <c>recycleVariables: true</c> the <see cref="Variable{T}"/> objects themselves are pooled as well, so a
/// steady-state step allocates nothing at all for its results. The price is a weaker escape check: a variable kept
/// past its scope is detected until the pool hands its object out again in a later scope, and from then on the kept
/// reference sees the new result. Use it in loops you control (a benchmark, the inner loop of a trainer), and develop
/// with the default, which catches every escape.
/// </para>
/// <para>
/// Scopes are per thread and nest: a scope created inside another owns the results computed while it is the
/// innermost one, and must be disposed first. A scope must be disposed on the thread that created it.
/// </para>
/// </remarks>
public sealed class StepScope : IDisposable
{
#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
    [ThreadStatic]
    private static StepScope? t_current;
#pragma warning restore IDE1006

    private readonly StepScope? _outer;
    private readonly int _threadId;
    private IScopeArena? _arena0;
    private IScopeArena? _arena1;
    private List<IScopeArena>? _moreArenas;

    internal StepScope(bool recycleVariables)
    {
        RecycleVariables = recycleVariables;
        _outer = t_current;
        _threadId = Environment.CurrentManagedThreadId;
        Depth = (_outer?.Depth ?? 0) + 1;
        Recording = GradMode.IsEnabled;
        t_current = this;
    }

    /// <summary>Whether the scope pools the <see cref="Variable{T}"/> objects of its results, not only their buffers.</summary>
    public bool RecycleVariables { get; }

    /// <summary>Whether the scope has been disposed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The innermost live scope on this thread, or null.</summary>
    internal static StepScope? Current => t_current;

    /// <summary>1 for an outermost scope, 2 for one inside it, and so on.</summary>
    internal int Depth { get; }

    /// <summary>
    /// <see cref="GradMode.IsEnabled"/>, mirrored while this is the innermost scope (<see cref="GradMode"/> updates it),
    /// so the scalar fast path reads one thread-static.
    /// </summary>
    internal bool Recording { get; set; }

    /// <summary>The scalar tape (a <c>ScopeTape&lt;T&gt;</c>) the scope's scalar ops used last, cached for the fast path.</summary>
    internal object? ScopeTape { get; set; }

    /// <summary>
    /// Ends the scope: its results are marked ended (a later use throws) and their buffers return to the thread's
    /// pool. Disposing twice does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Called on another thread than the one that created the scope, or while a scope created inside this one is still
    /// live.
    /// </exception>
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException(
                "StepScope.Dispose: a step scope must be disposed on the thread that created it (scopes and their pools are per thread). Do not let a 'using' scope span an 'await' that may resume on another thread.");
        }

        if (!ReferenceEquals(t_current, this))
        {
            throw new InvalidOperationException(
                "StepScope.Dispose: a scope created inside this one is still live. Dispose nested scopes first (innermost first), as 'using' does.");
        }

        IsDisposed = true;
        t_current = _outer;
        _outer?.Recording = GradMode.IsEnabled;
        _arena0?.End(this);
        _arena1?.End(this);
        if (_moreArenas is not null)
        {
            foreach (var arena in _moreArenas)
            {
                arena.End(this);
            }
        }
    }

    /// <summary>Records that <paramref name="arena"/> holds results of this scope, so <see cref="Dispose"/> ends them.</summary>
    internal void Enlist(IScopeArena arena)
    {
        if (_arena0 is null || ReferenceEquals(_arena0, arena))
        {
            _arena0 = arena;
        }
        else if (_arena1 is null || ReferenceEquals(_arena1, arena))
        {
            _arena1 = arena;
        }
        else
        {
            _moreArenas ??= [];
            if (!_moreArenas.Contains(arena))
            {
                _moreArenas.Add(arena);
            }
        }
    }
}

/// <summary>The per-thread, per-element-type state a <see cref="StepScope"/> ends when it is disposed.</summary>
internal interface IScopeArena
{
    /// <summary>Ends every result registered for <paramref name="scope"/> and returns their buffers to the pool.</summary>
    void End(StepScope scope);
}
