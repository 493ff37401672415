using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoGrad;

/// <summary>
/// A Wengert list for <see cref="Scalar{T}"/> values: losses written element by element over thousands of scalars
/// run at a few nanoseconds per operation, forward and backward, and plug into the ordinary graph as one operation.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
/// <remarks>
/// <para>
/// <see cref="Watch(Variable{T})"/> gives the elements of a variable as scalars; ordinary C# arithmetic on them records
/// one entry per operation on two scalars (its input slots and local partial derivatives), while functions of one
/// scalar fold their derivative into the scalar and record nothing; <see cref="ToVariable(Scalar{T})"/>
/// returns the result as a rank-0 <see cref="Variable{T}"/>, and a backward pass through it sweeps the entries once in
/// reverse and hands each watched variable its gradient:
/// </para>
/// <code>
/// var tape = new ScalarTape&lt;double&gt;();
/// var x = Variable.Parameter(start);               // a vector of n values
///
/// Variable&lt;double&gt; Rosenbrock()
/// {
///     tape.Reset();                                 // reuse the tape's memory: nothing is allocated in steady state
///     var xs = tape.Watch(x);
///     Scalar&lt;double&gt; f = 0.0;
///     for (var i = 0; i &lt; xs.Length - 1; i++)
///     {
///         var a = xs[i + 1] - xs[i].Square();
///         var b = 1.0 - xs[i];
///         f += (100.0 * a.Square()) + b.Square();
///     }
///
///     return tape.ToVariable(f);
/// }
///
/// Rosenbrock().Backward();                         // x.Grad now holds ∇f
/// </code>
/// <para>
/// Lifetime: the tape keeps its entries until <see cref="Reset"/>, which ends the recording and keeps the memory for
/// the next one. Afterwards, recording an entry with an earlier scalar, passing one to <see cref="ToVariable(Scalar{T})"/>,
/// indexing an earlier watched vector, or a backward pass through an earlier output variable throws
/// <see cref="InvalidOperationException"/>; values already computed (<see cref="Scalar{T}.Value"/>, the output
/// variable's values) stay readable, and a function of one earlier scalar, which records nothing, still computes its
/// value. Backward passes do not consume the entries, so several passes (or several outputs) can run over one
/// recording.
/// </para>
/// <para>
/// Performance: every operation is inlined into the caller's loop, so keep a long loop in a method of its own
/// (with <c>[MethodImpl(MethodImplOptions.NoInlining)]</c> if it is short): inlined into a larger method it can exhaust
/// the JIT's inlining budget, and operators that become calls double the cost of the forward pass.
/// </para>
/// <para>
/// Only first derivatives are available: the partial derivatives are numbers computed during the forward pass, so
/// <c>Backward(createGraph: true)</c> through a tape output throws <see cref="NotSupportedException"/>. A tape is not
/// thread-safe; use one per thread.
/// </para>
/// </remarks>
public sealed class ScalarTape<T>
    where T : IFloatingPointIeee754<T>
{
    private const int MinimumCapacity = 256;

    private readonly List<WatchRange> _ranges = [];
    private readonly List<Variable<T>> _gradVariables = [];

    // The watch range of each of _gradVariables: a backward pass leaves their gradients in those slots.
    private readonly List<int> _gradRanges = [];
    private readonly Dictionary<Variable<T>, int> _watched = new(ReferenceEqualityComparer.Instance);

    // One slot per entry or watched element. Every adjoint is zero between backward passes: a sweep zeroes each entry's
    // slot after propagating it, EndBackward zeroes the watched slots after they are read, and nothing else writes them.
    private Entry[] _entries;
    private T[] _adjoints;
    private int _count;

    // The values of the watched elements, back to back in watch order (a range's ValueOffset is where its values
    // start): a watched vector reads them straight from here. A reset reuses the array.
    private T[] _watchValues = [];
    private int _watchValueCount;

    // The global index of slot 0 of the current recording: scalars carry global indices, and Reset moves the origin
    // past every index handed out so far, so a scalar from before a reset is found out of range.
    private long _origin;

    /// <summary>Creates an empty tape.</summary>
    /// <param name="capacity">The number of operations and watched elements to make room for up front (it grows as needed).</param>
    public ScalarTape(int capacity = MinimumCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        capacity = Math.Max(capacity, MinimumCapacity);
        _entries = new Entry[capacity];
        _adjoints = new T[capacity];
    }

    /// <summary>
    /// The number of slots recorded since the last reset: one per watched element and one per recorded entry (an
    /// operation on two scalars of the tape, or an infinite, NaN, overflowing or underflowing derivative of one; see
    /// <see cref="Scalar{T}"/>).
    /// </summary>
    public int Count => _count;

    /// <summary>
    /// Ends the recording (a later operation on one of its scalars, index into one of its watched vectors, or backward
    /// pass through one of its outputs throws) and starts an empty one that reuses the tape's memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // Once per recording: keeps the caller's loop small enough for the JIT to keep scalars in registers.
    public void Reset()
    {
        _origin += _count + 1;
        _count = 0;
        _watchValueCount = 0;
        _ranges.Clear();
        _gradVariables.Clear();
        _gradRanges.Clear();
        _watched.Clear();
    }

    /// <summary>
    /// The elements of <paramref name="x"/> (row-major) as scalars on this tape; watching the same variable again
    /// before a reset returns the same scalars.
    /// </summary>
    /// <param name="x">The variable. When it does not require gradients (or inside <see cref="Variable.NoGrad"/>), the scalars are constants.</param>
    /// <returns>The scalars.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)] // Once per recording: keeps the caller's loop small enough for the JIT to keep scalars in registers.
    public ScalarVector<T> Watch(Variable<T> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Vector(_ranges[RangeOf(x)]);
    }

    /// <summary>The index of <paramref name="x"/>'s watch range, watching it first if it is not watched yet.</summary>
    private int RangeOf(Variable<T> x)
    {
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_watched, x, out var exists);
        if (exists)
        {
            return index;
        }

        try
        {
            index = AddRange(x);
            return index;
        }
        catch
        {
            _watched.Remove(x); // Not watched after all (an ended result, or a recording too large for one tape).
            throw;
        }
    }

    /// <summary>Records <paramref name="x"/>'s elements as watched slots; returns the index of the new range.</summary>
    private int AddRange(Variable<T> x)
    {
        var values = x.Values; // Throws for a result of an ended StepScope.
        var first = Reserve(values.Length);
        var valueOffset = _watchValueCount;
        if (valueOffset + (long)values.Length > _watchValues.Length)
        {
            // A new array: watched vectors of this recording keep reading the old one, whose values stay valid.
            var grown = new T[Math.Max(valueOffset + (long)values.Length, 2L * _watchValues.Length)];
            _watchValues.AsSpan(0, valueOffset).CopyTo(grown);
            _watchValues = grown;
        }

        values.CopyTo(_watchValues.AsSpan(valueOffset));
        _watchValueCount = valueOffset + values.Length;

        var constant = !(x.RequiresGrad && GradMode.IsEnabled);
        if (!constant)
        {
            _gradVariables.Add(x);
            _gradRanges.Add(_ranges.Count);
        }

        _ranges.Add(new WatchRange(first, values.Length, x.Shape, constant, valueOffset));
        return _ranges.Count - 1;
    }

    /// <summary>The single element of <paramref name="x"/> as a scalar on this tape.</summary>
    /// <param name="x">A variable with exactly one element (usually rank 0).</param>
    /// <returns>The scalar.</returns>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not have exactly one element.</exception>
    public Scalar<T> WatchScalar(Variable<T> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length != 1)
        {
            throw new ArgumentException($"ScalarTape.WatchScalar: the variable has shape {x.Shape} ({x.Length} elements), but only a one-element variable is a scalar. Use Watch(x) for its elements.", nameof(x));
        }

        var range = _ranges[RangeOf(x)];
        return range.Constant
            ? new Scalar<T>(_watchValues[range.ValueOffset])
            : new Scalar<T>(this, _origin + range.First, _watchValues[range.ValueOffset], T.One);
    }

    /// <summary>
    /// <paramref name="output"/> as a rank-0 variable: a backward pass through it sweeps this tape and hands the
    /// watched variables their gradients. A constant output gives a constant variable.
    /// </summary>
    /// <param name="output">A scalar of this tape (or a constant).</param>
    /// <returns>The variable.</returns>
    public Variable<T> ToVariable(Scalar<T> output) => ToVariable([output], Shape.Scalar);

    /// <summary>
    /// <paramref name="outputs"/> as a vector variable (a vector-valued function): a backward pass with seed s sweeps
    /// this tape once for sᵀ·J.
    /// </summary>
    /// <param name="outputs">Scalars of this tape (or constants).</param>
    /// <returns>A variable of shape [outputs.Length].</returns>
    public Variable<T> ToVariable(params ReadOnlySpan<Scalar<T>> outputs) => ToVariable(outputs, new Shape(outputs.Length));

    /// <summary><paramref name="outputs"/> as a variable of shape <paramref name="shape"/> (row-major).</summary>
    /// <param name="outputs">Scalars of this tape (or constants), one per element of <paramref name="shape"/>.</param>
    /// <param name="shape">The shape of the result.</param>
    /// <returns>The variable.</returns>
    /// <exception cref="ArgumentException">The number of outputs does not fill the shape.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)] // Once per recording: keeps the caller's loop small enough for the JIT to keep scalars in registers.
    public Variable<T> ToVariable(ReadOnlySpan<Scalar<T>> outputs, Shape shape)
    {
        if (outputs.Length != shape.ElementCount)
        {
            throw new ArgumentException($"ScalarTape.ToVariable: {outputs.Length} outputs do not fill shape {shape} ({shape.ElementCount} elements).", nameof(outputs));
        }

        var anyRecorded = false;
        foreach (var s in outputs)
        {
            if (s._tape is not null)
            {
                _ = Slot(s);
                anyRecorded = true;
            }
        }

        var inputs = anyRecorded && GradMode.IsEnabled ? CollectionsMarshal.AsSpan(_gradVariables) : [];
        return Variable<T>.FromScalarTape(this, outputs, shape, inputs);
    }

    // ----- Recording (called by the Scalar<T> operators) -----

    /// <summary>The slot of <paramref name="s"/> in the current recording; throws for a scalar of another tape or of an earlier recording.</summary>
    internal int Slot(in Scalar<T> s) => Slot(s._tape, s._index);

    // The recording methods take the scalars' fields rather than the scalars: a struct passed by reference is
    // address-exposed, and the JIT then keeps every scalar of the caller's loop on the stack instead of in registers.

    /// <summary>The slot of global index <paramref name="index"/> of <paramref name="tape"/>; throws unless it is a live slot of this tape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ScalarTape<T>? tape, long index)
    {
        // A scalar of this tape has an index below _origin + _count (it was handed out by this recording or an earlier
        // one, and every reset moves the origin past all of them), so it is live exactly when the index is not below
        // the origin: one subtraction and a sign test, without reading _count.
        var local = index - _origin;
        if (!ReferenceEquals(tape, this) || local < 0)
        {
            ThrowForeign(tape);
        }

        return (int)local;
    }

    /// <summary>
    /// Records a function of two scalars of this tape (at global indices <paramref name="x"/> and <paramref name="y"/>;
    /// <paramref name="yTape"/> must be this tape) with the given local partial derivatives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Scalar<T> Binary(long x, ScalarTape<T>? yTape, long y, T value, T dx, T dy)
    {
        int sx = Slot(this, x), sy = Slot(yTape, y);
        var k = _count;
        var entries = _entries;
        if ((uint)k >= (uint)entries.Length)
        {
            return BinaryGrowing(x, yTape, y, value, dx, dy);
        }

        // Element stores rather than stores through a ref: the JIT then knows they cannot change this tape's fields and
        // keeps _count, _origin and _entries in registers from one operation to the next.
        entries[k].X = sx;
        entries[k].Y = sy;
        entries[k].DX = dx;
        entries[k].DY = dy;
        _count = k + 1;
        return new(this, _origin + k, value, T.One);
    }

    /// <summary>Records a function of one scalar of this tape (at global index <paramref name="x"/>) with the given local derivative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Scalar<T> Unary(long x, T value, T dx)
    {
        var sx = Slot(this, x);
        var k = _count;
        var entries = _entries;
        if ((uint)k >= (uint)entries.Length)
        {
            return UnaryGrowing(x, value, dx);
        }

        // The second input is the entry's own slot, whose adjoint the sweep discards after this entry: no shared
        // dummy slot that every unary entry would update in turn. Its partial is never read in a way that matters.
        entries[k].X = sx;
        entries[k].Y = k;
        entries[k].DX = dx;
        _count = k + 1;
        return new(this, _origin + k, value, T.One);
    }

    /// <summary>
    /// A function of the scalar at global index <paramref name="x"/> (derivative <paramref name="scale"/> with respect to
    /// that slot: finite, nonzero) with local derivative <paramref name="factor"/> (nonzero), whose product with the
    /// scale is not a finite nonzero number: a finite factor (the product overflowed or underflowed) gets the scale
    /// recorded as an entry and is carried as the new scale; an infinite or NaN factor is recorded with the scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal Scalar<T> Rescale(long x, T value, T factor, T scale)
    {
        return T.IsFinite(factor)
            ? new(this, Unary(x, value, scale)._index, value, factor)
            : Unary(x, value, factor * scale);
    }

    /// <summary>
    /// As <see cref="Binary"/> for partials <paramref name="px"/> · <paramref name="sx"/> and <paramref name="py"/> ·
    /// <paramref name="sy"/> of which one is zero, infinite or NaN: each input is handed on as <see cref="Rescale"/>
    /// would (a zero scale or partial gives partial 0, a product that overflowed or underflowed records the scale
    /// first), so that the sweep applies the chain rule factor by factor.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal Scalar<T> BinaryRare(long x, T px, T sx, ScalarTape<T>? yTape, long y, T py, T sy, T value)
    {
        _ = Slot(yTape, y); // Validates y before anything is recorded for it.
        var dx = Partial(ref x, px, sx);
        var dy = Partial(ref y, py, sy);
        return Binary(x, yTape, y, value, dx, dy);
    }

    /// <summary>The partial derivative to record for input <paramref name="index"/> (recording its scale first when the product overflows or underflows).</summary>
    private T Partial(ref long index, T partial, T scale)
    {
        var product = partial * scale;
        if (T.IsZero(scale) || T.IsZero(partial))
        {
            return T.IsNaN(product) ? T.Zero : product;
        }

        if (!T.IsFinite(partial) || (T.IsFinite(product) && !T.IsZero(product)))
        {
            return product;
        }

        index = Unary(index, T.Zero, scale)._index;
        return partial;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Scalar<T> BinaryGrowing(long x, ScalarTape<T>? yTape, long y, T value, T dx, T dy)
    {
        Grow(_count + 1);
        return Binary(x, yTape, y, value, dx, dy);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Scalar<T> UnaryGrowing(long x, T value, T dx)
    {
        Grow(_count + 1);
        return Unary(x, value, dx);
    }

    private int Reserve(int length)
    {
        if (_count + (long)length > _entries.Length)
        {
            Grow(_count + (long)length);
        }

        var first = _count;
        _count += length;
        return first;
    }

    private void Grow(long required)
    {
        if (required > Array.MaxLength)
        {
            throw new InvalidOperationException($"ScalarTape: a recording of {required} slots does not fit in one tape (at most {Array.MaxLength}). Reset the tape between evaluations.");
        }

        var capacity = (int)Math.Min(Array.MaxLength, Math.Max(required, 2L * _entries.Length));
        Array.Resize(ref _entries, capacity);
        Array.Resize(ref _adjoints, capacity);
    }

    private ScalarVector<T> Vector(WatchRange range) =>
        new(this, range.Constant, _watchValues, range.ValueOffset, _origin + range.First, range.Length, range.Shape);

    /// <summary>The global index of slot 0 of the current recording (an output variable remembers it to detect a reset).</summary>
    internal long Origin => _origin;

    // ----- Backward -----

    /// <summary>
    /// Σᵢ seedᵢ · ∂outputᵢ/∂x for every element x of the watched variables that receive gradients, in one reverse
    /// sweep from the highest output down. The gradients stay in the watched slots: read them with
    /// <see cref="GradientOf"/>, then call <see cref="EndBackward"/>, which zeroes those slots for the next pass.
    /// </summary>
    /// <remarks>
    /// The sweep multiplies plainly (partial · adjoint). That differs from AutoGrad's chain-rule product, where a zero
    /// factor absorbs ∞ and NaN, only when some product is NaN, and a NaN reaches a watched slot whatever happens
    /// after it (NaN propagates through every later multiply and add, and every entry has an input on the tape). So
    /// when a gradient comes out NaN the sweep is repeated with the chain-rule product, which is then the answer.
    /// </remarks>
    internal void Backward(long origin, ReadOnlySpan<long> outputs, ReadOnlySpan<T> scales, ReadOnlySpan<T> seed)
    {
        if (origin != _origin)
        {
            ThrowReset();
        }

        Sweep(outputs, scales, seed, chain: false);
        if (WatchedSlots(clear: false))
        {
            // The first sweep left every entry's adjoint zero again; start the watched ones over as well.
            WatchedSlots(clear: true);
            Sweep(outputs, scales, seed, chain: true);
        }
    }

    /// <summary>The gradient of the <paramref name="index"/>-th watched variable that receives gradients (in watch order), valid until <see cref="EndBackward"/>.</summary>
    internal ReadOnlySpan<T> GradientOf(int index)
    {
        var range = _ranges[_gradRanges[index]];
        return _adjoints.AsSpan(range.First, range.Length);
    }

    /// <summary>Zeroes the watched slots after a backward pass has read them.</summary>
    internal void EndBackward() => WatchedSlots(clear: true);

    /// <summary>
    /// Zeroes the watched slots (<paramref name="clear"/>), or tells whether any of them is NaN, run by run of back to
    /// back ranges (thousands of WatchScalar parameters are thousands of one-slot ranges).
    /// </summary>
    private bool WatchedSlots(bool clear)
    {
        var ranges = CollectionsMarshal.AsSpan(_ranges);
        for (var r = 0; r < ranges.Length;)
        {
            int first = ranges[r].First, end = first + ranges[r].Length;
            for (r++; r < ranges.Length && ranges[r].First == end; r++)
            {
                end += ranges[r].Length;
            }

            var slots = _adjoints.AsSpan(first, end - first);
            if (clear)
            {
                slots.Clear();
            }
            else if (TensorPrimitives.IsNaNAny<T>(slots))
            {
                return true;
            }
        }

        return false;
    }

    private void Sweep(ReadOnlySpan<long> outputs, ReadOnlySpan<T> scales, ReadOnlySpan<T> seed, bool chain)
    {
        var adjoints = _adjoints;
        var entries = _entries;
        var top = -1;
        for (var i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] < 0)
            {
                continue; // A constant output.
            }

            var slot = (int)(outputs[i] - _origin);
            adjoints[slot] += chain ? BinaryKernels.ChainMultiply<T>.Invoke(scales[i], seed[i]) : scales[i] * seed[i];
            top = Math.Max(top, slot);
        }

        if (top >= _count || _count > entries.Length || entries.Length != adjoints.Length)
        {
            throw new InvalidOperationException("ScalarTape: inconsistent state.");
        }

        // Sweep the entries from the top down, skipping the watched ranges (which hold gradients, not entries). Every
        // range recorded before the top is below it; the ones after it were not reached.
        var k = top;
        var ranges = CollectionsMarshal.AsSpan(_ranges);
        for (var r = ranges.Length - 1; r >= -1; r--)
        {
            var low = 0;
            if (r >= 0)
            {
                ref readonly var range = ref ranges[r];
                if (range.First > top)
                {
                    continue;
                }

                low = range.First + range.Length;
            }

            if (k >= low)
            {
                if (chain)
                {
                    SweepChain(entries, adjoints, k, low);
                }
                else
                {
                    SweepPlain(entries, adjoints, k, low);
                }
            }

            if (r >= 0)
            {
                k = Math.Min(k, ranges[r].First - 1);
            }
        }
    }

    /// <summary>The reverse sweep over entries <paramref name="top"/> down to <paramref name="low"/>, with plain products.</summary>
    // Compiled optimized once, without dynamic PGO: with it, the branch layout of the carries depended on the profile
    // the tier-0 code happened to collect, and the sweep took 73-77 or 85-89 µs at n = 10,000 from one process to the
    // next; without it, 75-78 µs every time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SweepPlain(Entry[] entries, T[] adjoints, int top, int low)
    {
        // Unchecked access: every entry below _count has X, Y ≤ its own slot < _count ≤ adjoints.Length (checked by the
        // caller), and top < _count.
        ref var e0 = ref MemoryMarshal.GetArrayDataReference(entries);
        ref var a0 = ref MemoryMarshal.GetArrayDataReference(adjoints);
        // What the entries above k sent to slots k, k - 1 and k - 2, kept in registers instead of stored and loaded
        // back (most entries read one of the three just below them). They start from -0, the identity of addition, so an
        // adjoint that received nothing keeps its sign of zero.
        T c1 = T.NegativeZero, c2 = T.NegativeZero, c3 = T.NegativeZero;
        for (var k = top; k >= low; k--)
        {
            ref var a = ref Unsafe.Add(ref a0, k);
            ref var e = ref Unsafe.Add(ref e0, k);
            var g = a + c1;
            a = T.Zero;
            c1 = c2;
            c2 = c3;
            c3 = T.NegativeZero;
            var dx = e.DX * g;
            var x = k - e.X;
            if (x == 1)
            {
                c1 += dx;
            }
            else if (x == 2)
            {
                c2 += dx;
            }
            else if (x == 3)
            {
                c3 = dx;
            }
            else
            {
                Unsafe.Add(ref a0, e.X) += dx;
            }

            var y = k - e.Y;
            if (y != 0)
            {
                var dy = e.DY * g;
                if (y == 1)
                {
                    c1 += dy;
                }
                else if (y == 2)
                {
                    c2 += dy;
                }
                else if (y == 3)
                {
                    c3 += dy;
                }
                else
                {
                    Unsafe.Add(ref a0, e.Y) += dy;
                }
            }
        }

        if (low > 0)
        {
            Unsafe.Add(ref a0, low - 1) += c1; // The watched slots just below the entries swept.
        }

        if (low > 1)
        {
            Unsafe.Add(ref a0, low - 2) += c2;
        }

        if (low > 2)
        {
            Unsafe.Add(ref a0, low - 3) += c3;
        }
    }

    /// <summary>The reverse sweep with the chain-rule product (a zero factor absorbs ∞ and NaN).</summary>
    private static void SweepChain(Entry[] entries, T[] adjoints, int top, int low)
    {
        for (var k = top; k >= low; k--)
        {
            var e = entries[k];
            var g = adjoints[k];
            if (e.Y != k)
            {
                adjoints[e.Y] += BinaryKernels.ChainMultiply<T>.Invoke(e.DY, g);
            }

            adjoints[e.X] += BinaryKernels.ChainMultiply<T>.Invoke(e.DX, g);

            adjoints[k] = T.Zero;
        }
    }

    // The throw helpers only throw (the exception is built elsewhere), so the JIT treats their calls as never returning
    // and keeps them out of the way of the recording fast path.
    [DoesNotReturn]
    private void ThrowForeign(ScalarTape<T>? tape) => throw ForeignException(tape);

    private InvalidOperationException ForeignException(ScalarTape<T>? tape) =>
        tape is null ? new InvalidOperationException("ScalarTape: a constant scalar has no slot on a tape.")
        : !ReferenceEquals(tape, this) ? new InvalidOperationException(
            "ScalarTape: an operation combines scalars of two different tapes. Record a whole computation on one tape (watch every variable it reads on that tape).")
        : ResetException();

    [DoesNotReturn]
    internal static void ThrowReset() => throw ResetException();

    private static InvalidOperationException ResetException() => new(
        "ScalarTape: this scalar (or watched vector, or output variable) was recorded before the tape was Reset(), which ends everything recorded until then. Watch the variables again after each Reset().");

    /// <summary>
    /// A watched variable's slots, whether its scalars are constants (it receives no gradient), and where its values
    /// start in the watched values.
    /// </summary>
    private readonly record struct WatchRange(int First, int Length, Shape Shape, bool Constant, int ValueOffset);

    /// <summary>One recorded operation: its input slots and the local partial derivatives (a watched slot's entry is unused).</summary>
    private struct Entry
    {
        public int X;
        public int Y;
        public T DX;
        public T DY;
    }
}
