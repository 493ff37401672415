using System.Runtime.CompilerServices;

namespace AutoGrad;

public sealed partial class Variable<T>
{
    /// <summary>
    /// One recorded operation: the edge from an op's result back to its inputs, plus the rule that turns
    /// the gradient of the result into gradients of the inputs.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Graph lifetime: a node is reachable only from the variable it produced (its <see cref="Result"/>) and
    /// from nodes downstream of it. There is no global tape, so a graph that the caller drops (a loop that
    /// only evaluates and never calls <c>Backward()</c>) is collected by the GC like any other object graph,
    /// the way PyTorch frees an unreachable graph.
    /// </para>
    /// <para>
    /// Order: every node gets a sequence number larger than its inputs' and than every node recorded
    /// before it on the same thread. Backward visits the reachable nodes by decreasing sequence number,
    /// which is the reverse of recording order and therefore topological: no recursion, no repeated sorts.
    /// </para>
    /// </remarks>
    internal abstract class Node
    {
#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
        [ThreadStatic]
        private static long t_lastSequence;
#pragma warning restore IDE1006

        // Inputs: up to two inline (no array per node), more in the first _inputCount elements of an array. A released
        // node clears the array but keeps it, so a pooled node reused for as many inputs allocates none (the node of a
        // scalar tape that watched 10,000 rank-0 parameters has 10,000 inputs every evaluation).
        private InputPair _pair;
        private Variable<T>[]? _many;
        private bool _inline = true;
        private int _inputCount;
        private bool _released;

        protected Node(params ReadOnlySpan<Variable<T>> inputs) => Initialize(inputs);

        /// <summary>A node to be initialized later (a pooled node; see <see cref="PooledNode{TSelf}"/>).</summary>
        protected Node()
        {
        }

        /// <summary>Sets the inputs and takes the next sequence number: a new node, or a pooled one being reused.</summary>
        protected void Initialize(ReadOnlySpan<Variable<T>> inputs)
        {
            _inputCount = inputs.Length;
            _released = false;
            Result = null!;
            PendingGradient = null;
            PendingFactor = null;
            VisitStamp = 0;
            _inline = inputs.Length <= 2;
            if (_inline)
            {
                inputs.CopyTo(_pair);
            }
            else
            {
                if (_many is null || _many.Length < inputs.Length)
                {
                    _many = new Variable<T>[inputs.Length];
                }

                inputs.CopyTo(_many);
            }

            long sequence = t_lastSequence + 1;
            foreach (var input in inputs)
            {
                if (input._node is { } n && n.Sequence >= sequence)
                {
                    sequence = n.Sequence + 1;
                }
            }

            Sequence = sequence;
            t_lastSequence = sequence;
            TapeMark = ScopeArena<T>.Peek?.Tape.EntryCount ?? 0;
        }

        /// <summary>
        /// Called when the result of this node ends with a recycling <see cref="StepScope"/>: a poolable node drops its
        /// references and returns to its pool. Most nodes are not pooled and do nothing.
        /// </summary>
        public virtual void Recycle()
        {
        }

        /// <summary>The op's name, used in error messages.</summary>
        public abstract string Name { get; }

        /// <summary>Position in recording order (larger = recorded later).</summary>
        public long Sequence { get; private set; }

        /// <summary>
        /// The number of entries on this thread's scalar tape when the node was created: entries at or above it were
        /// recorded after the node, so a backward pass through both handles them first.
        /// </summary>
        public int TapeMark { get; private set; }

        /// <summary>The variable this node produced; set once when it is created.</summary>
        public Variable<T> Result { get; set; } = null!;

        /// <summary>The op's inputs (empty once the graph was released by a backward pass).</summary>
        public ReadOnlySpan<Variable<T>> Inputs => _inline ? ((ReadOnlySpan<Variable<T>>)_pair)[.._inputCount] : _many.AsSpan(0, _inputCount);

        /// <summary>Whether a backward pass released this node (dropped its inputs).</summary>
        public bool IsReleased => _released;

        /// <summary>
        /// The gradient accumulated for <see cref="Result"/> during the current backward pass. When no graph is being
        /// built it may be unexpanded: a smaller tensor (a full sum's backward passes on its rank-0 gradient) that stands
        /// for its broadcast to the result's shape.
        /// </summary>
        public Variable<T>? PendingGradient { get; set; }

        /// <summary>
        /// Whether <see cref="Backward"/> takes an unexpanded gradient (see <see cref="PendingGradient"/>); for the
        /// others the backward pass broadcasts it to the result's shape first.
        /// </summary>
        public virtual bool AcceptsUnexpandedGradient => false;

        /// <summary>
        /// When set, the gradient accumulated for <see cref="Result"/> is a product not formed yet: the chain-rule product
        /// of the one-element <see cref="PendingGradient"/> and this tensor of the result's shape (a product node's
        /// backward of a full sum's gradient hands on g and its other operand). Only a node that
        /// <see cref="AcceptsFactoredGradient"/> gets one, only in an ordinary pass, and only as its first gradient:
        /// a second one forms the product before adding.
        /// </summary>
        public Variable<T>? PendingFactor { get; set; }

        /// <summary>Whether <see cref="BackwardFactored"/> takes a gradient given as a product not formed yet (see <see cref="PendingFactor"/>).</summary>
        public virtual bool AcceptsFactoredGradient => false;

        /// <summary>Marks the node as visited by the backward pass with this stamp.</summary>
        public long VisitStamp { get; set; }

        /// <summary>Whether input <paramref name="i"/> needs a gradient.</summary>
        public bool NeedsGradient(int i) => Inputs[i].RequiresGrad;

        /// <summary>
        /// Computes the gradient of each input that needs one from the gradient of the result. The rule is
        /// written with Variable operations, so under <c>createGraph</c> it is itself recorded and can be
        /// differentiated again. Entries for inputs that need no gradient are left null.
        /// </summary>
        /// <param name="grad">The gradient of the result (same shape as the result).</param>
        /// <param name="inputGrads">One slot per input. A gradient may have the result's (broadcast) shape; the engine sums it back to the input's shape.</param>
        public abstract void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads);

        /// <summary>
        /// <see cref="Backward"/> in an ordinary pass (no gradients of gradients, no <c>Gradients(...)</c> targets), where
        /// a node may add its leaf inputs' gradients to their <see cref="Variable{T}.Grad"/> itself and leave their slots
        /// null. Most nodes just run <see cref="Backward"/>.
        /// </summary>
        /// <param name="grad">The gradient of the result.</param>
        /// <param name="inputGrads">One slot per input, as for <see cref="Backward"/>.</param>
        public virtual void BackwardToLeaves(Variable<T> grad, Span<Variable<T>?> inputGrads) => Backward(grad, inputGrads);

        /// <summary>
        /// <see cref="BackwardToLeaves(Variable{T}, Span{Variable{T}?})"/>, where the node may also give an input's gradient as a
        /// product not formed yet: a one-element gradient g in <paramref name="inputGrads"/> and, in
        /// <paramref name="factors"/>, a tensor f of the input's shape; the gradient is then the chain-rule product g ⊙ f. The
        /// backward pass forms it (the same kernel, so the same bits) unless the upstream node takes it as it is.
        /// </summary>
        /// <param name="grad">The gradient of the result.</param>
        /// <param name="inputGrads">One slot per input, as for <see cref="Backward"/>.</param>
        /// <param name="factors">One slot per input, all null on entry.</param>
        public virtual void BackwardToLeaves(Variable<T> grad, Span<Variable<T>?> inputGrads, Span<Variable<T>?> factors) =>
            BackwardToLeaves(grad, inputGrads);

        /// <summary>
        /// <see cref="Backward"/> for the gradient <paramref name="scale"/> ⊙ <paramref name="factor"/> (see
        /// <see cref="PendingFactor"/>), without forming it first. Called only when <see cref="AcceptsFactoredGradient"/>.
        /// </summary>
        /// <param name="scale">The one-element gradient g.</param>
        /// <param name="factor">The tensor f, of the result's shape.</param>
        /// <param name="inputGrads">One slot per input, as for <see cref="Backward"/>.</param>
        public virtual void BackwardFactored(Variable<T> scale, Variable<T> factor, Span<Variable<T>?> inputGrads) =>
            throw new NotSupportedException($"Backward: '{Name}' does not take a factored gradient.");

        /// <summary>Drops the references that keep the graph alive; a later backward pass through this node throws.</summary>
        public void Release()
        {
            _pair = default;
            if (!_inline)
            {
                Array.Clear(_many!, 0, _inputCount);
                _inline = true;
            }

            _inputCount = 0;
            _released = true;
            PendingGradient = null;
            PendingFactor = null;
        }

        /// <summary>Storage for up to two inputs inside the node.</summary>
        [InlineArray(2)]
        private struct InputPair
        {
            private Variable<T> _element;
        }
    }

    /// <summary>
    /// A node type a training step creates every time, kept on a per-thread free list. Results of a recycling
    /// <see cref="StepScope"/> give their nodes back when the scope ends (<see cref="Node.Recycle"/>), and the next
    /// step's ops take them again, so a steady-state step allocates no nodes. Nothing else can reach a node once its
    /// result has ended: its downstream nodes belong to results of the same or an inner scope, which ended before or
    /// with it.
    /// </summary>
    /// <typeparam name="TSelf">The node type itself.</typeparam>
    private abstract class PooledNode<TSelf> : Node
        where TSelf : PooledNode<TSelf>, new()
    {
#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
        [ThreadStatic]
        private static Stack<TSelf>? t_free;
#pragma warning restore IDE1006

        /// <summary>A free node (or a new one) recording an op on <paramref name="inputs"/>.</summary>
        public static TSelf Create(params ReadOnlySpan<Variable<T>> inputs)
        {
            var node = t_free is { Count: > 0 } free ? free.Pop() : new TSelf();
            node.Initialize(inputs);
            return node;
        }

        /// <inheritdoc/>
        public sealed override void Recycle()
        {
            Release();
            Result = null!;
            DropReferences();
            (t_free ??= new Stack<TSelf>()).Push((TSelf)this);
        }

        /// <summary>Clears the node's own references (beyond its inputs and result) before it goes back to the pool.</summary>
        protected virtual void DropReferences()
        {
        }
    }

    /// <summary>A node whose single input's local derivative comes from an <see cref="ElementwiseFunction"/>.</summary>
    private sealed class ElementwiseNode : PooledNode<ElementwiseNode>
    {
        private ElementwiseFunction _function = null!;

        public override string Name => _function.Name;

        public static ElementwiseNode Create(ElementwiseFunction function, Variable<T> x)
        {
            var node = Create(x);
            node._function = function;
            return node;
        }

        protected override void DropReferences() => _function = null!;

        public override bool AcceptsUnexpandedGradient => _function.HasRawDerivative;

        public override bool AcceptsFactoredGradient => _function.HasRawDerivative;

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            var function = _function;
            if (!GradMode.IsEnabled && function.HasRawDerivative && (grad._shape == x._shape || grad.Length == 1))
            {
                // A one-element gradient of another shape is an unexpanded one (see PendingGradient): g for every element.
                inputGrads[0] = Result(RawBackward(function, x.Data, Result.Data, grad, factor: null), x._shape, node: null);
                return;
            }

            if (grad._shape != x._shape)
            {
                grad = grad.BroadcastTo(x._shape);
            }

            inputGrads[0] = ChainMultiply(grad, function.Derivative(x, Result));
        }

        /// <summary>
        /// (g ⊙ f) ⊙ f′ in the same blocked pass as <see cref="Backward"/>: g ⊙ f is formed a block at a time in scratch
        /// memory instead of as a whole gradient written out and read back (the same kernels, so the same bits).
        /// </summary>
        public override void BackwardFactored(Variable<T> scale, Variable<T> factor, Span<Variable<T>?> inputGrads)
        {
            var x = Inputs[0];
            if (GradMode.IsEnabled || !_function.HasRawDerivative || scale.Length != 1 || factor._shape != x._shape)
            {
                base.BackwardFactored(scale, factor, inputGrads); // Throws: the backward pass never asks for this.
                return;
            }

            inputGrads[0] = Result(RawBackward(_function, x.Data, Result.Data, scale, factor), x._shape, node: null);
        }

        /// <summary>
        /// grad ⊙ f′ without building f′ as a variable (no graph is being recorded): block by block, f′ goes into the
        /// result buffer and is multiplied by the gradient in place while the block is still in cache, so memory sees
        /// x, the forward result and the gradient read once and the input gradient written once.
        /// </summary>
        /// <remarks>
        /// <paramref name="grad"/> is the gradient of the result's shape; or one value g, standing for g ⊙
        /// <paramref name="factor"/> (see <see cref="Node.PendingFactor"/>) or, without a factor, for g at every element.
        /// Those are formed a block at a time in scratch memory with the kernels that would have formed them whole
        /// (ChainMultiply of one element and a tensor, a broadcast), so the bits are the same and memory never sees them.
        /// </remarks>
        private static T[] RawBackward(ElementwiseFunction function, T[] x, T[] result, Variable<T> grad, Variable<T>? factor)
        {
            const int Block = 4096;
            var destination = NewBuffer(x.Length);
            var whole = factor is null && grad.Length == x.Length;
            var scratch = whole ? null : (t_scratch ??= new T[Block]);
            var g = grad.Data;
            if (scratch is not null && factor is null)
            {
                scratch.AsSpan(0, Math.Min(Block, x.Length)).Fill(g[0]); // The broadcast, one block's worth, the same for every block.
            }

            for (var start = 0; start < x.Length; start += Block)
            {
                var length = Math.Min(Block, x.Length - start);
                var d = destination.AsSpan(start, length);
                ReadOnlySpan<T> block;
                if (scratch is null)
                {
                    block = g.AsSpan(start, length);
                }
                else if (factor is not null)
                {
                    var formed = scratch.AsSpan(0, length);
                    BinaryKernels.ChainMultiply<T>.Invoke(g[0], factor.Data.AsSpan(start, length), formed);
                    block = formed;
                }
                else
                {
                    block = scratch.AsSpan(0, length);
                }

                function.RawDerivative(x.AsSpan(start, length), result.AsSpan(start, length), d);
                BinaryKernels.ChainMultiply<T>.InvokeInPlace(block, d);
            }

            return destination;
        }

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
        [ThreadStatic]
        private static T[]? t_scratch;
#pragma warning restore IDE1006
    }
}
