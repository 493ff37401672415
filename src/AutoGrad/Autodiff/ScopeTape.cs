using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoGrad;

// Scalar ops recorded on the tape inside a StepScope: the value and the local partials are computed together at
// forward time, and backward is adj[x] += dx ⊙ adj[result]; adj[y] += dy ⊙ adj[result] in reverse order (⊙ is the
// chain-rule product: a zero factor absorbs ∞ and NaN, as ChainMultiply does). Each row matches the op's ordinary
// rule in Arithmetic.cs and Elementwise.cs, value for value, including the kinks.
//
//   op              result            dx                          dy
//   x + y           x + y             1                           1
//   x - y           x - y             1                           -1
//   x * y           x · y             y                           x
//   x / y           x / y             1 / y                       -(result / y)
//   -x              -x                -1
//   Square(x)       x · x             x · 2
//   Sqrt(x)         √x                0.5 / result
//   Exp(x)          eˣ                result
//   Log(x)          log x             1 / x
//   Sin(x)          sin x             cos x
//   Cos(x)          cos x             -sin x
//   Tanh(x)         tanh x            1 - result²
//   Sigmoid(x)      1 / (1 + e⁻ˣ)     result · (1 - result)
//   Pow(x, p)       xᵖ                p = 0 ? 0 : x^(p-1) · p
//   Abs(x)          |x|               sign x        (0 at x = 0 and for NaN)
//   Relu(x)         x > 0 ? x : 0     [x > 0]       (0 at x = 0; NaN stays NaN)
//
// A constant operand (T on either side of an operator, or a variable that does not require gradients) goes to the
// sink slot 0, whose adjoint nobody reads.
public sealed partial class Variable<T>
{
    /// <summary>The operations the scalar tape records, for error messages and <see cref="ToString"/>.</summary>
    internal enum ScalarOp : byte
    {
        Add,
        Subtract,
        Multiply,
        Divide,
        Negate,
        Square,
        Sqrt,
        Exp,
        Log,
        Sin,
        Cos,
        Tanh,
        Sigmoid,
        Pow,
        Abs,
        Relu,
    }

    /// <summary>
    /// The per-thread Wengert list that records rank-0 operations inside a <see cref="StepScope"/> without allocating a
    /// <see cref="Node"/> per operation: each entry stores its result slot, up to two input slots and the local partials,
    /// so the backward sweep is two multiply-adds per entry.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Slots: every tape result owns one slot (its adjoint, its flags, and the result variable itself in
    /// <see cref="_owners"/>), and so does every variable from outside the tape that a tape op reads and that requires
    /// gradients (a parameter, or a rank-0 result of an ordinary node): it is registered once per scope and found again
    /// through <see cref="_tapeSlot"/>. A variable is at slot s exactly when s is below the slot count and
    /// <c>_owners[s]</c> is that variable, which needs no generation stamp and stays right when two threads' tapes both
    /// register one shared parameter.
    /// </para>
    /// <para>
    /// Lifetime: the tape is a stack of segments, one per live scope (the <see cref="ScopeArena{T}"/> keeps the marks);
    /// ending a scope truncates its segment. A tape result is live while it owns its slot, so ending a scope ends all
    /// its results at once, and a later use of one throws. When the scope recycles variables, the result objects stay in
    /// <see cref="_owners"/> past the truncation and the next scope's op at the same slot reuses the object and its
    /// one-element buffer: a steady-state step allocates nothing.
    /// </para>
    /// <para>
    /// Backward from a tape result sweeps the entries from its own down (<see cref="Sweep"/>), then hands each
    /// reached input slot's adjoint to its variable. When the tape reads results of ordinary nodes, or an ordinary op
    /// reads tape results, <see cref="RunMixed"/> walks both in one reverse pass of recording order.
    /// </para>
    /// </remarks>
    internal sealed class ScopeTape
    {
        /// <summary>The slot's adjoint received a contribution in the current pass.</summary>
        private const byte Reached = 1;

        /// <summary>The entry producing this slot was swept by a pass that did not retain the graph.</summary>
        private const byte Released = 2;

        /// <summary>The slot is a leaf from outside the tape (a parameter).</summary>
        private const byte LeafInput = 4;

        /// <summary>The slot is a rank-0 result of an ordinary node, read by the tape.</summary>
        private const byte NodeInput = 8;

        private const int InitialCapacity = 256;

        private Entry[] _entries = new Entry[InitialCapacity];
        private int _entryCount;
        private Variable<T>?[] _owners = new Variable<T>?[InitialCapacity];
        private T[] _adjoints = new T[InitialCapacity];
        private byte[] _flags = new byte[InitialCapacity];
        private int _slotCount = 1;
        private int[] _inputs = new int[InitialCapacity];
        private int _inputCount;
        private int _nodeInputCount;
        private bool _recycle;

        /// <summary>The number of entries; an ordinary <see cref="Node"/> records it so a mixed pass can interleave the two.</summary>
        internal int EntryCount => _entryCount;

        /// <summary>The tape of the innermost live scope on this thread for ops on <paramref name="x"/>, or null for the ordinary path.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ScopeTape? For(Variable<T> x) =>
            StepScope.Current is { Recording: true } scope && x._requiresGrad && x._shape.Rank == 0
                ? scope.ScopeTape as ScopeTape ?? Attach(scope)
                : null;

        /// <summary>The tape for a binary op on two rank-0 variables, or null for the ordinary path.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ScopeTape? For(Variable<T> x, Variable<T> y) =>
            StepScope.Current is { Recording: true } scope && (x._requiresGrad | y._requiresGrad) && x._shape.Rank == 0 && y._shape.Rank == 0
                ? scope.ScopeTape as ScopeTape ?? Attach(scope)
                : null;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ScopeTape Attach(StepScope scope)
        {
            var arena = ScopeArena<T>.ForThread;
            arena.EnterScope(scope);
            scope.ScopeTape = arena.Tape;
            return arena.Tape;
        }

        /// <summary>Starts a segment for a scope; returns what <see cref="Pop"/> restores.</summary>
        internal TapeMark Push(bool recycle)
        {
            var mark = new TapeMark(_entryCount, _slotCount, _inputCount, _nodeInputCount, _recycle);
            _recycle = recycle;
            return mark;
        }

        /// <summary>Ends the top segment: its results end (they no longer own their slots) and the segment is truncated.</summary>
        internal void Pop(TapeMark mark)
        {
            if (_recycle)
            {
                // Keep the result objects for reuse, but do not keep the outside variables alive.
                for (var i = mark.Inputs; i < _inputCount; i++)
                {
                    _owners[_inputs[i]] = null;
                }
            }
            else
            {
                Array.Clear(_owners, mark.Slots, _slotCount - mark.Slots);
            }

            Array.Clear(_flags, mark.Slots, _slotCount - mark.Slots);
            _entryCount = mark.Entries;
            _slotCount = mark.Slots;
            _inputCount = mark.Inputs;
            _nodeInputCount = mark.NodeInputs;
            _recycle = mark.Recycle;
        }

        /// <summary>Whether <paramref name="v"/> is a live result of this tape.</summary>
        internal bool Owns(Variable<T> v)
        {
            var owners = _owners;
            var s = v._tapeSlot;
            return (uint)s < (uint)_slotCount && (uint)s < (uint)owners.Length && ReferenceEquals(owners[s], v);
        }

        /// <summary>The name of the op that produced the live result <paramref name="v"/>.</summary>
        internal string OpName(Variable<T> v) => Owns(v) ? _entries[EntryOf(v._tapeSlot)].Op.ToString() : "ScopeTape";

        // ----- Ops (see the table at the top of the file) -----

        internal Variable<T> Add(Variable<T> x, Variable<T> y)
        {
            int sx = SlotOf(x), sy = SlotOf(y);
            return Record(ScalarOp.Add, x._buffer[0] + y._buffer[0], sx, T.One, sy, T.One);
        }

        internal Variable<T> Add(Variable<T> x, T c) => Record(ScalarOp.Add, x._buffer[0] + c, SlotOf(x), T.One, 0, T.Zero);

        internal Variable<T> Add(T c, Variable<T> y) => Record(ScalarOp.Add, c + y._buffer[0], 0, T.Zero, SlotOf(y), T.One);

        internal Variable<T> Subtract(Variable<T> x, Variable<T> y)
        {
            int sx = SlotOf(x), sy = SlotOf(y);
            return Record(ScalarOp.Subtract, x._buffer[0] - y._buffer[0], sx, T.One, sy, -T.One);
        }

        internal Variable<T> Subtract(Variable<T> x, T c) => Record(ScalarOp.Subtract, x._buffer[0] - c, SlotOf(x), T.One, 0, T.Zero);

        internal Variable<T> Subtract(T c, Variable<T> y) => Record(ScalarOp.Subtract, c - y._buffer[0], 0, T.Zero, SlotOf(y), -T.One);

        internal Variable<T> Multiply(Variable<T> x, Variable<T> y)
        {
            int sx = SlotOf(x), sy = SlotOf(y);
            T vx = x._buffer[0], vy = y._buffer[0];
            return Record(ScalarOp.Multiply, vx * vy, sx, vy, sy, vx);
        }

        internal Variable<T> Multiply(Variable<T> x, T c) => Record(ScalarOp.Multiply, x._buffer[0] * c, SlotOf(x), c, 0, T.Zero);

        internal Variable<T> Multiply(T c, Variable<T> y) => Record(ScalarOp.Multiply, c * y._buffer[0], 0, T.Zero, SlotOf(y), c);

        internal Variable<T> Divide(Variable<T> x, Variable<T> y)
        {
            int sx = SlotOf(x), sy = SlotOf(y);
            T vx = x._buffer[0], vy = y._buffer[0];
            var result = vx / vy;
            return Record(ScalarOp.Divide, result, sx, T.One / vy, sy, -(result / vy));
        }

        internal Variable<T> Divide(Variable<T> x, T c) => Record(ScalarOp.Divide, x._buffer[0] / c, SlotOf(x), T.One / c, 0, T.Zero);

        internal Variable<T> Divide(T c, Variable<T> y)
        {
            var vy = y._buffer[0];
            var result = c / vy;
            return Record(ScalarOp.Divide, result, 0, T.Zero, SlotOf(y), -(result / vy));
        }

        internal Variable<T> Negate(Variable<T> x) => Unary(ScalarOp.Negate, x, -x._buffer[0], -T.One);

        internal Variable<T> Square(Variable<T> x)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Square, x, v * v, v * T.CreateTruncating(2));
        }

        internal Variable<T> Sqrt(Variable<T> x)
        {
            var result = T.Sqrt(x._buffer[0]);
            return Unary(ScalarOp.Sqrt, x, result, T.CreateTruncating(0.5) / result);
        }

        internal Variable<T> Exp(Variable<T> x)
        {
            var result = T.Exp(x._buffer[0]);
            return Unary(ScalarOp.Exp, x, result, result);
        }

        internal Variable<T> Log(Variable<T> x)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Log, x, T.Log(v), T.One / v);
        }

        internal Variable<T> Sin(Variable<T> x)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Sin, x, T.Sin(v), T.Cos(v));
        }

        internal Variable<T> Cos(Variable<T> x)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Cos, x, T.Cos(v), -T.Sin(v));
        }

        internal Variable<T> Tanh(Variable<T> x)
        {
            var result = T.Tanh(x._buffer[0]);
            return Unary(ScalarOp.Tanh, x, result, T.One - (result * result));
        }

        internal Variable<T> Sigmoid(Variable<T> x)
        {
            var result = T.One / (T.One + T.Exp(-x._buffer[0]));
            return Unary(ScalarOp.Sigmoid, x, result, result * (T.One - result));
        }

        internal Variable<T> Pow(Variable<T> x, T exponent)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Pow, x, T.Pow(v, exponent), T.IsZero(exponent) ? T.Zero : T.Pow(v, exponent - T.One) * exponent);
        }

        internal Variable<T> Abs(Variable<T> x)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Abs, x, T.Abs(v), v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero);
        }

        internal Variable<T> Relu(Variable<T> x)
        {
            var v = x._buffer[0];
            return Unary(ScalarOp.Relu, x, v > T.Zero || T.IsNaN(v) ? v : T.Zero, v > T.Zero ? T.One : T.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Variable<T> Unary(ScalarOp op, Variable<T> x, T value, T dx) => Record(op, value, SlotOf(x), dx, 0, T.Zero);

        /// <summary>The slot of an operand: its own if it is a live result or already registered, otherwise a new input slot.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int SlotOf(Variable<T> v)
        {
            var s = v._tapeSlot;
            if ((uint)s < (uint)_slotCount && ReferenceEquals(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_owners), s), v))
            {
                return s;
            }

            return Register(v);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private int Register(Variable<T> v)
        {
            if (v._tape is { } tape)
            {
                if (tape != this)
                {
                    throw new InvalidOperationException(
                        "A scalar result of a StepScope on another thread was used here. Scopes and their results are per thread: copy the value out (ToScalar()) and make a Variable.Constant or Parameter on this thread.");
                }

                v.ThrowEnded();
            }

            _ = v.Data; // An ended result of an ordinary op throws here.
            if (!v._requiresGrad)
            {
                return 0;
            }

            var slot = NewSlot();
            _owners[slot] = v;
            var isNode = v._node is not null;
            _flags[slot] = isNode ? NodeInput : LeafInput;
            if (_inputCount == _inputs.Length)
            {
                Array.Resize(ref _inputs, _inputs.Length * 2);
            }

            _inputs[_inputCount++] = slot;
            _nodeInputCount += isNode ? 1 : 0;
            v._tapeSlot = slot;
            return slot;
        }

        private int NewSlot()
        {
            if (_slotCount == _owners.Length)
            {
                var capacity = _owners.Length * 2;
                Array.Resize(ref _owners, capacity);
                Array.Resize(ref _adjoints, capacity);
                Array.Resize(ref _flags, capacity);
            }

            return _slotCount++;
        }

        /// <summary>Appends an entry and returns its result variable (reused from an ended step when the scope recycles).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Variable<T> Record(ScalarOp op, T value, int x, T dx, int y, T dy)
        {
            var index = _entryCount;
            var slot = _slotCount;
            var entries = _entries;
            var owners = _owners;
            if ((uint)index >= (uint)entries.Length || (uint)slot >= (uint)owners.Length)
            {
                return RecordGrowing(op, value, x, dx, y, dy);
            }

            ref var e = ref entries[index];
            e.Result = slot;
            e.X = x;
            e.Y = y;
            e.Op = op;
            e.DX = dx;
            e.DY = dy;
            var v = owners[slot];
            if (v is null || !_recycle || v._tape != this || v._tapeSlot != slot)
            {
                v = NewResult(slot);
            }

            v._buffer[0] = value;
            _entryCount = index + 1;
            _slotCount = slot + 1;
            return v;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private Variable<T> RecordGrowing(ScalarOp op, T value, int x, T dx, int y, T dy)
        {
            if (_entryCount == _entries.Length)
            {
                Array.Resize(ref _entries, _entries.Length * 2);
            }

            if (_slotCount == _owners.Length)
            {
                NewSlot();
                _slotCount--;
            }

            return Record(op, value, x, dx, y, dy);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private Variable<T> NewResult(int slot)
        {
            var v = new Variable<T>(new T[1], Shape.Scalar, requiresGrad: true) { _tape = this, _tapeSlot = slot };
            _owners[slot] = v;
            return v;
        }

        /// <summary>The index of the entry whose result is at <paramref name="slot"/> (result slots increase with the entries).</summary>
        private int EntryOf(int slot)
        {
            int lo = 0, hi = _entryCount - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var r = _entries[mid].Result;
                if (r == slot)
                {
                    return mid;
                }

                if (r < slot)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            throw new InvalidOperationException($"ScopeTape: slot {slot} has no entry.");
        }

        // ----- Backward -----

        /// <summary>
        /// Backward from the live tape result <paramref name="root"/> with the scalar seed <paramref name="seed"/>: when
        /// the tape reads no ordinary node results, one sweep down the entries, then each reached parameter receives its
        /// adjoint (allocation-free when its gradient buffer is kept by <see cref="ZeroGrad"/>).
        /// </summary>
        internal void Backward(Variable<T> root, T seed, bool retainGraph, bool createGraph)
        {
            if (createGraph)
            {
                ThrowCreateGraph();
            }

            if (!Owns(root))
            {
                root.ThrowEnded();
            }

            CheckThread();

            // As in the ordinary pass: nothing computed while delivering gradients is recorded.
            using var mode = GradMode.Set(false);

            if (_nodeInputCount > 0)
            {
                RunMixed(root, Result(ScalarBuffer(seed), Shape.Scalar, node: null), retainGraph, targets: null);
                return;
            }

            var rootSlot = root._tapeSlot;
            if ((_flags[rootSlot] & Released) != 0)
            {
                ThrowReleased(_entries[EntryOf(rootSlot)].Op);
            }

            _adjoints[rootSlot] = seed;
            _flags[rootSlot] |= Reached;
            Sweep(EntryOf(rootSlot), retainGraph);
            DeliverInputs(targets: null);
        }

        /// <summary>The reverse sweep over entries <paramref name="top"/> down to 0 (only reached ones propagate).</summary>
        private void Sweep(int top, bool retainGraph)
        {
            var entries = _entries;
            var adjoints = _adjoints;
            var flags = _flags;
            if ((uint)top >= (uint)entries.Length || adjoints.Length != flags.Length || _slotCount > adjoints.Length)
            {
                throw new InvalidOperationException("ScopeTape: inconsistent state.");
            }

            var done = retainGraph ? (byte)0 : Released;
            ref var entry = ref MemoryMarshal.GetArrayDataReference(entries);
            ref var adj = ref MemoryMarshal.GetArrayDataReference(adjoints);
            ref var flag = ref MemoryMarshal.GetArrayDataReference(flags);
            for (var k = top; k >= 0; k--)
            {
                // k ≤ top < entries.Length, and the slots in an entry are below _slotCount ≤ adjoints.Length (checked
                // above), so the unchecked reads are in range.
                ref var e = ref Unsafe.Add(ref entry, k);
                ref var f = ref Unsafe.Add(ref flag, e.Result);
                if ((f & Reached) == 0)
                {
                    continue;
                }

                if ((f & Released) != 0)
                {
                    ResetPass();
                    ThrowReleased(e.Op);
                }

                f = done;
                ref var a = ref Unsafe.Add(ref adj, e.Result);
                var g = a;
                a = T.Zero;
                Unsafe.Add(ref flag, e.X) |= Reached;
                Unsafe.Add(ref flag, e.Y) |= Reached;
                Unsafe.Add(ref adj, e.X) += BinaryKernels.ChainMultiply<T>.Invoke(e.DX, g);
                Unsafe.Add(ref adj, e.Y) += BinaryKernels.ChainMultiply<T>.Invoke(e.DY, g);
            }

            adjoints[0] = T.Zero;
            flags[0] = 0;
        }

        /// <summary>Hands each reached input slot's adjoint to its variable and clears the slot for the next pass.</summary>
        private void DeliverInputs((Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets)
        {
            var flags = _flags;
            for (var i = 0; i < _inputCount; i++)
            {
                var s = _inputs[i];
                if ((flags[s] & Reached) == 0)
                {
                    continue;
                }

                flags[s] &= unchecked((byte)~Reached);
                var g = _adjoints[s];
                _adjoints[s] = T.Zero;
                if ((flags[s] & LeafInput) == 0)
                {
                    continue; // A node input: its adjoint went to its node during the pass.
                }

                var leaf = _owners[s]!;
                if (targets is null)
                {
                    leaf.AccumulateScalarGrad(g);
                }
                else
                {
                    Deliver(leaf, new Variable<T>([g], Shape.Scalar, requiresGrad: false), createGraph: false, targets);
                }
            }
        }

        /// <summary>Clears the adjoints and reached marks of every slot, after a pass that stopped half-way.</summary>
        private void ResetPass()
        {
            Array.Clear(_adjoints, 0, _slotCount);
            for (var s = 0; s < _slotCount; s++)
            {
                _flags[s] &= unchecked((byte)~Reached);
            }
        }

        /// <summary>
        /// One reverse pass over a graph that mixes tape entries and ordinary nodes, started from <paramref name="root"/>
        /// (a tape result or an ordinary result) with <paramref name="seed"/>.
        /// </summary>
        /// <remarks>
        /// Every node records the tape's entry count when it is created (<see cref="Node.TapeMark"/>): the entries at or
        /// above it were recorded after the node. First the reachable part of both is collected (so a released graph
        /// throws before any gradient is delivered); then nodes are processed by decreasing sequence number, and before
        /// each node the tape entries recorded after it are swept. That is reverse recording order across both, hence
        /// topological.
        /// </remarks>
        internal void RunMixed(
            Variable<T> root,
            Variable<T> seed,
            bool retainGraph,
            (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets)
        {
            CheckThread();

            // The ordinary pass's scratch collections, taken the same way (see PassWork).
            var work = t_work ?? new PassWork();
            t_work = null;
            try
            {
                RunMixedPass(root, seed, retainGraph, targets, work);
            }
            finally
            {
                work.Clear();
                t_work = work;
            }
        }

        private void RunMixedPass(
            Variable<T> root,
            Variable<T> seed,
            bool retainGraph,
            (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets,
            PassWork work)
        {
            var stamp = Interlocked.Increment(ref s_passStamp);
            var nodes = work.Nodes;
            var stack = work.Stack;
            var top = -1;
            try
            {
                if (root._tape is not null)
                {
                    top = MarkResult(root, top);
                    if ((_flags[root._tapeSlot] & Released) != 0)
                    {
                        ThrowReleased(_entries[top].Op);
                    }
                }
                else
                {
                    Visit(root._node!, stamp, stack);
                }

                top = Drain(stack, nodes, stamp, top);
                for (var k = top; k >= 0; k--)
                {
                    var e = _entries[k];
                    if ((_flags[e.Result] & Reached) == 0)
                    {
                        continue;
                    }

                    if ((_flags[e.Result] & Released) != 0)
                    {
                        ThrowReleased(e.Op);
                    }

                    foreach (var s in (ReadOnlySpan<int>)[e.X, e.Y])
                    {
                        _flags[s] |= Reached;
                        if ((_flags[s] & NodeInput) != 0 && _owners[s]!._node is { } n && n.VisitStamp != stamp)
                        {
                            Visit(n, stamp, stack);
                            if (Drain(stack, nodes, stamp, -1) >= k)
                            {
                                throw new InvalidOperationException("ScopeTape: a node reads a tape result recorded after it.");
                            }
                        }
                    }
                }
            }
            catch
            {
                ResetPass();
                throw;
            }

            // The reached marks set by the collection are the ones the processing below relies on.
            nodes.Sort(static (a, b) => b.Sequence.CompareTo(a.Sequence));
            if (root._tape is not null)
            {
                _adjoints[root._tapeSlot] = seed.Data[0];
            }
            else
            {
                root._node!.PendingGradient = seed;
            }

            var next = top;
            try
            {
                foreach (var node in nodes)
                {
                    for (; next >= node.TapeMark; next--)
                    {
                        ProcessEntry(next, retainGraph, targets);
                    }

                    ProcessNode(node, work, retainGraph, createGraph: false, targets, this);
                }

                for (; next >= 0; next--)
                {
                    ProcessEntry(next, retainGraph, targets);
                }

                _adjoints[0] = T.Zero;
                _flags[0] = 0;
                DeliverInputs(targets);
            }
            catch
            {
                // A rule threw half-way (out of memory, a user's custom op): leave the tape clean for the next pass.
                ResetPass();
                throw;
            }
        }

        private void CheckThread()
        {
            if (ScopeArena<T>.Peek?.Tape != this)
            {
                throw new InvalidOperationException(
                    "Backward: the loss is a scalar result of a StepScope on another thread. Scopes, their results and their backward passes are per thread.");
            }
        }

        /// <summary>Marks a tape result read by an ordinary node (or the root) as reached; returns the highest entry to sweep from.</summary>
        private int MarkResult(Variable<T> v, int top)
        {
            if (v._tape != this)
            {
                throw new InvalidOperationException(
                    "Backward: the graph reads a scalar result of a StepScope on another thread. Scopes and their results are per thread.");
            }

            if (!Owns(v))
            {
                v.ThrowEnded();
            }

            _flags[v._tapeSlot] |= Reached;
            return Math.Max(top, EntryOf(v._tapeSlot));
        }

        /// <summary>Collects the ordinary nodes on the stack and above, marking the tape results they read.</summary>
        private int Drain(Stack<Node> stack, List<Node> nodes, long stamp, int top)
        {
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                nodes.Add(node);
                foreach (var input in node.Inputs)
                {
                    if (!input._requiresGrad)
                    {
                        continue;
                    }

                    if (input._node is { } n)
                    {
                        if (n.VisitStamp != stamp)
                        {
                            Visit(n, stamp, stack);
                        }
                    }
                    else if (input._tape is not null)
                    {
                        top = MarkResult(input, top);
                    }
                }
            }

            return top;
        }

        /// <summary>Propagates one reached entry's adjoint in a mixed pass (node inputs receive it as a pending gradient).</summary>
        private void ProcessEntry(int k, bool retainGraph, (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets)
        {
            var e = _entries[k];
            if ((_flags[e.Result] & Reached) == 0)
            {
                return;
            }

            _flags[e.Result] = retainGraph ? (byte)0 : Released;
            var g = _adjoints[e.Result];
            _adjoints[e.Result] = T.Zero;
            if (targets is { } t && t.Map.TryGetValue(_owners[e.Result]!, out var index))
            {
                t.Captured[index] = new Variable<T>([g], Shape.Scalar, requiresGrad: false);
            }

            Propagate(e.X, BinaryKernels.ChainMultiply<T>.Invoke(e.DX, g));
            Propagate(e.Y, BinaryKernels.ChainMultiply<T>.Invoke(e.DY, g));
        }

        private void Propagate(int slot, T contribution)
        {
            if ((_flags[slot] & NodeInput) != 0)
            {
                var node = _owners[slot]!._node!;
                var g = Result(ScalarBuffer(contribution), Shape.Scalar, node: null); // From the scope's pools.
                node.PendingGradient = node.PendingGradient is null ? g : node.PendingGradient + g;
            }
            else
            {
                _adjoints[slot] += contribution;
            }
        }

        /// <summary>Adds an ordinary node's gradient for the tape result <paramref name="input"/> to its adjoint.</summary>
        internal void AddAdjoint(Variable<T> input, Variable<T> grad) => _adjoints[input._tapeSlot] += grad.Data[0];

        [DoesNotReturn]
        internal static void ThrowCreateGraph() => throw new NotSupportedException(
            "Backward(createGraph: true) reached scalar operations recorded inside a StepScope. Inside a scope, rank-0 operations are recorded with precomputed first derivatives, which cannot be differentiated again. Compute higher-order derivatives (Hessians, gradients of gradients) outside a StepScope.");

        [DoesNotReturn]
        private static void ThrowReleased(ScalarOp op) => throw new InvalidOperationException(
            $"Backward: the graph through '{op}' (result shape {Shape.Scalar}) was already released by an earlier backward pass, which frees intermediate values. Pass retainGraph: true to the earlier Backward() call if you need to differentiate through the same graph twice, or recompute the forward pass.");

        /// <summary>One recorded operation: result slot, input slots and the local partials.</summary>
        private struct Entry
        {
            public int Result;
            public int X;
            public int Y;
            public ScalarOp Op;
            public T DX;
            public T DY;
        }
    }

    /// <summary>Where a scope's segment of the scalar tape begins.</summary>
    internal readonly record struct TapeMark(int Entries, int Slots, int Inputs, int NodeInputs, bool Recycle);
}
