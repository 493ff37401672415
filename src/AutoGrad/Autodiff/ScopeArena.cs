using System.Numerics;
using System.Runtime.CompilerServices;

namespace AutoGrad;

/// <summary>
/// The per-thread pool behind <see cref="StepScope"/> for one element type: buffers rented by the operations of live
/// scopes, the results registered with them, and the free buffers (and, when recycling, variables) that ended scopes
/// returned.
/// </summary>
/// <remarks>
/// <para>
/// Live scopes nest, so their holdings form a stack: <see cref="_marks"/> records where each live scope's results and
/// rentals begin in <see cref="_results"/> and <see cref="_rented"/>, and ending a scope pops exactly its tail.
/// </para>
/// <para>
/// Free buffers are kept by exact length (a training step rents the same lengths every time). When an outermost
/// scope ends, a length no step has rented for <see cref="IdleScopesBeforeTrim"/> outermost scopes is dropped, so a
/// one-off large computation does not pin its memory for the life of the thread.
/// </para>
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class ScopeArena<T> : IScopeArena
    where T : IFloatingPointIeee754<T>
{
    /// <summary>Outermost scopes a free length may go unused before its buffers are dropped.</summary>
    internal const int IdleScopesBeforeTrim = 8;

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
    [ThreadStatic]
    private static ScopeArena<T>? t_instance;
#pragma warning restore IDE1006

    private readonly List<Variable<T>> _results = [];
    private readonly List<T[]> _rented = [];
    private readonly List<Mark> _marks = [];
    private readonly Dictionary<int, FreeList> _free = [];
    private readonly Stack<Variable<T>> _spareVariables = new();
    private long _outermostScopes;

    /// <summary>This thread's arena for <typeparamref name="T"/>.</summary>
    internal static ScopeArena<T> ForThread => t_instance ??= new ScopeArena<T>();

    /// <summary>This thread's arena for <typeparamref name="T"/> if it has one, without creating it.</summary>
    internal static ScopeArena<T>? Peek => t_instance;

    /// <summary>The scalar tape: rank-0 ops of this thread's live scopes, one segment per scope.</summary>
    internal Variable<T>.ScopeTape Tape { get; } = new();

    /// <summary>The number of free buffers held (for tests).</summary>
    internal int FreeBufferCount
    {
        get
        {
            var count = 0;
            foreach (var list in _free.Values)
            {
                count += list.Buffers.Count;
            }

            return count;
        }
    }

    /// <summary>
    /// A buffer of <paramref name="length"/> elements for a result of <paramref name="scope"/>, returned to the pool when
    /// the scope ends. Its contents are unspecified unless <paramref name="clear"/>.
    /// </summary>
    internal T[] Rent(StepScope scope, int length, bool clear)
    {
        if (length == 0)
        {
            return [];
        }

        EnterScope(scope);
        T[] buffer;
        if (_free.TryGetValue(length, out var list) && list.Buffers.Count > 0)
        {
            buffer = list.Buffers.Pop();
            list.LastUsed = _outermostScopes;
            if (clear)
            {
                Array.Clear(buffer);
            }
        }
        else
        {
            buffer = clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        }

        _rented.Add(buffer);
        return buffer;
    }

    /// <summary>The number of buffers rented and not yet returned (a position to pass to <see cref="Exchange"/>).</summary>
    internal int RentedCount => _rented.Count;

    /// <summary>
    /// Takes <paramref name="buffer"/> out of the pool's keeping when it was rented at or after position
    /// <paramref name="from"/>: the scope returns <paramref name="replacement"/> (a buffer of the same length, or nothing)
    /// to the pool in its place. Returns false, changing nothing, when the buffer is not such a rented one.
    /// </summary>
    internal bool Exchange(T[] buffer, int from, T[]? replacement)
    {
        if (replacement is not null && replacement.Length != buffer.Length)
        {
            return false;
        }

        for (var i = _rented.Count - 1; i >= from && i >= 0; i--)
        {
            if (ReferenceEquals(_rented[i], buffer))
            {
                if (replacement is not null)
                {
                    _rented[i] = replacement;
                }
                else
                {
                    _rented.RemoveAt(i); // The newest segment is this scope's: no later mark indexes past it.
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>Registers an operation's result with <paramref name="scope"/>, which ends it when disposed.</summary>
    internal void Register(StepScope scope, Variable<T> result)
    {
        EnterScope(scope);
        _results.Add(result);
    }

    /// <summary>A pooled variable object to reinitialize as a result, or null when the pool is empty.</summary>
    internal Variable<T>? TakeSpareVariable() => _spareVariables.Count > 0 ? _spareVariables.Pop() : null;

    /// <inheritdoc/>
    public void End(StepScope scope)
    {
        if (_marks.Count == 0 || !ReferenceEquals(_marks[^1].Scope, scope))
        {
            return;
        }

        var mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        Tape.Pop(mark.Tape);

        // Latest first, so the pool hands the objects out again in the order they were first taken: a step that repeats
        // the same computation gets the same object for the same position.
        for (var i = _results.Count - 1; i >= mark.Results; i--)
        {
            var result = _results[i];
            result.EndScope(scope.RecycleVariables);
            if (scope.RecycleVariables)
            {
                _spareVariables.Push(result);
            }
        }

        _results.RemoveRange(mark.Results, _results.Count - mark.Results);

        for (var i = mark.Rented; i < _rented.Count; i++)
        {
            var buffer = _rented[i];
            if (!_free.TryGetValue(buffer.Length, out var list))
            {
                _free[buffer.Length] = list = new FreeList();
            }

            list.Buffers.Push(buffer);
            list.LastUsed = _outermostScopes;
        }

        _rented.RemoveRange(mark.Rented, _rented.Count - mark.Rented);

        if (_marks.Count == 0)
        {
            Trim();
        }
    }

    /// <summary>Makes <paramref name="scope"/> the owner of what is registered or rented next (its segment starts here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EnterScope(StepScope scope)
    {
        if (_marks.Count == 0 || !ReferenceEquals(_marks[^1].Scope, scope))
        {
            PushMark(scope);
        }
    }

    private void PushMark(StepScope scope)
    {
        if (scope.Depth == 1)
        {
            _outermostScopes++;
        }

        _marks.Add(new Mark(scope, _results.Count, _rented.Count, Tape.Push(scope.RecycleVariables)));
        scope.Enlist(this);
    }

    private void Trim()
    {
        List<int>? idle = null;
        foreach (var (length, list) in _free)
        {
            if (_outermostScopes - list.LastUsed >= IdleScopesBeforeTrim)
            {
                (idle ??= []).Add(length);
            }
        }

        if (idle is not null)
        {
            foreach (var length in idle)
            {
                _free.Remove(length);
            }
        }
    }

    private readonly record struct Mark(StepScope Scope, int Results, int Rented, Variable<T>.TapeMark Tape);

    private sealed class FreeList
    {
        public Stack<T[]> Buffers { get; } = new();

        public long LastUsed { get; set; }
    }
}
