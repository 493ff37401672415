namespace AutoGrad;

public sealed partial class Variable<T>
{
    private static readonly Comparison<Node> s_decreasingSequence = static (a, b) => b.Sequence.CompareTo(a.Sequence);

    private static long s_passStamp;

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
    [ThreadStatic]
    private static PassWork? t_work;
#pragma warning restore IDE1006

    /// <summary>Test hook: called with each node as the backward pass processes it (per thread).</summary>
    [ThreadStatic]
    internal static Action<Node>? t_visitObserver;

    /// <summary>
    /// Computes the gradient of this scalar with respect to every leaf that requires gradients, adding it
    /// to each leaf's <see cref="Grad"/>.
    /// </summary>
    /// <param name="retainGraph">
    /// Keep the graph so another backward pass can run through it. By default (as in PyTorch) the graph is
    /// released: a second pass throws <see cref="InvalidOperationException"/>.
    /// </param>
    /// <param name="createGraph">
    /// Record the backward computation itself, so the gradients are variables on the graph and can be
    /// differentiated again (Hessians, Hessian-vector products). Implies <paramref name="retainGraph"/>.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// The variable does not have exactly one element (pass a seed), does not require gradients, or its
    /// graph was released by an earlier pass.
    /// </exception>
    public void Backward(bool retainGraph = false, bool createGraph = false)
    {
        if (_tape is not null)
        {
            // A result of the scalar tape: no seed variable, no graph walk.
            _tape.Backward(this, T.One, retainGraph, createGraph);
            return;
        }

        if (Data.Length != 1)
        {
            throw new InvalidOperationException(
                $"Backward: the variable has shape {_shape} ({Data.Length} elements), but Backward() without a seed is defined only for one-element variables. Reduce it to a scalar (Sum(), Mean()) or pass a seed of shape {_shape}: Backward(seed).");
        }

        Run(this, Result(ScalarBuffer(T.One), _shape, node: null), retainGraph, createGraph, targets: null);
    }

    /// <summary>
    /// Computes the vector-Jacobian product seedᵀ·∂this/∂leaf for every leaf that requires gradients,
    /// adding it to each leaf's <see cref="Grad"/>.
    /// </summary>
    /// <param name="seed">The gradient of some scalar with respect to this variable; must have this variable's shape.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass.</param>
    /// <param name="createGraph">Record the backward computation so the gradients can be differentiated again.</param>
    /// <exception cref="ArgumentException">The seed's shape differs from this variable's.</exception>
    /// <exception cref="InvalidOperationException">The variable does not require gradients, or its graph was released.</exception>
    public void Backward(Variable<T> seed, bool retainGraph = false, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(seed);
        CheckSeed(seed);
        Run(this, seed, retainGraph, createGraph, targets: null);
    }

    /// <summary>
    /// Computes the vector-Jacobian product with a seed given as values (row-major, this variable's shape).
    /// </summary>
    /// <param name="seed">The seed values; their count must equal <see cref="Length"/>.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass.</param>
    /// <param name="createGraph">Record the backward computation so the gradients can be differentiated again.</param>
    public void Backward(T[] seed, bool retainGraph = false, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (seed.Length != Data.Length)
        {
            throw new ArgumentException($"Backward: the seed has {seed.Length} values but the variable has shape {_shape} ({Data.Length} elements); the seed must match it.", nameof(seed));
        }

        Run(this, new Variable<T>((T[])seed.Clone(), _shape, requiresGrad: false), retainGraph, createGraph, targets: null);
    }

    private void CheckSeed(Variable<T> seed)
    {
        if (seed._shape != _shape)
        {
            throw new ArgumentException($"Backward: the seed has shape {seed._shape} but the variable has shape {_shape}; the seed must have the same shape as the variable it differentiates.", nameof(seed));
        }
    }

    /// <summary>
    /// Computes gradients of <paramref name="output"/> with respect to <paramref name="inputs"/> and returns
    /// them, leaving every <see cref="Grad"/> untouched (PyTorch's <c>torch.autograd.grad</c>).
    /// </summary>
    internal static Variable<T>?[] Gradients(Variable<T> output, IReadOnlyList<Variable<T>> inputs, Variable<T>? seed, bool retainGraph, bool createGraph)
    {
        if (seed is null)
        {
            if (output.Data.Length != 1)
            {
                throw new InvalidOperationException(
                    $"Gradients: the output has shape {output._shape} ({output.Data.Length} elements); pass a seed of that shape, or reduce the output to a scalar first.");
            }

            seed = Result(ScalarBuffer(T.One), output._shape, node: null);
        }
        else
        {
            output.CheckSeed(seed);
        }

        var targets = new Dictionary<Variable<T>, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < inputs.Count; i++)
        {
            targets.TryAdd(inputs[i], i);
        }

        var captured = new Variable<T>?[inputs.Count];
        Run(output, seed, retainGraph, createGraph, (targets, captured));
        for (var i = 0; i < inputs.Count; i++)
        {
            captured[i] = captured[targets[inputs[i]]];
        }

        return captured;
    }

    /// <summary>
    /// The backward pass. Collects the nodes reachable from <paramref name="root"/> (an explicit stack, no
    /// recursion), visits them by decreasing sequence number (reverse recording order, hence topological),
    /// and for each one turns the accumulated gradient of its result into gradients of its inputs. Broadcasting
    /// is undone here, in one place: an input gradient with the result's shape is summed back to the input's.
    /// </summary>
    private static void Run(
        Variable<T> root,
        Variable<T> seed,
        bool retainGraph,
        bool createGraph,
        (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets)
    {
        if (!root._requiresGrad)
        {
            throw new InvalidOperationException(
                "Backward: this variable does not require gradients, so there is nothing to differentiate. Create the inputs with Variable.Parameter(...) (not Constant), and do not compute the loss inside a Variable.NoGrad() scope or from Detach()ed values.");
        }

        retainGraph |= createGraph;
        using var mode = GradMode.Set(createGraph);

        if (root._tape is not null)
        {
            if (createGraph)
            {
                ScopeTape.ThrowCreateGraph();
            }

            root._tape.RunMixed(root, seed, retainGraph, targets);
            return;
        }

        if (root._node is null)
        {
            Deliver(root, seed, createGraph, targets);
            return;
        }

        var work = t_work ?? new PassWork();
        t_work = null;
        try
        {
            RunNodes(root._node, seed, retainGraph, createGraph, targets, work);
        }
        finally
        {
            work.Clear();
            t_work = work;
        }
    }

    private static void RunNodes(
        Node rootNode,
        Variable<T> seed,
        bool retainGraph,
        bool createGraph,
        (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets,
        PassWork work)
    {
        var nodes = Collect(rootNode, work, out var readsTape);
        if (readsTape)
        {
            // An ordinary op read a result of the scalar tape: one pass over both (ScopeTape.RunMixed).
            if (createGraph)
            {
                ScopeTape.ThrowCreateGraph();
            }

            var tape = ScopeArena<T>.Peek?.Tape ?? throw new InvalidOperationException(
                "Backward: the graph reads a scalar result of a StepScope on another thread. Scopes and their results are per thread.");
            tape.RunMixed(rootNode.Result, seed, retainGraph, targets);
            return;
        }

        rootNode.PendingGradient = seed;
        foreach (var node in nodes)
        {
            ProcessNode(node, work, retainGraph, createGraph, targets, tape: null);
        }
    }

    /// <summary>
    /// Turns the gradient accumulated for <paramref name="node"/>'s result into gradients of its inputs: upstream nodes
    /// accumulate it as pending, leaves receive it, and results of the scalar <paramref name="tape"/> add it to their
    /// adjoint (only in a mixed pass).
    /// </summary>
    private static void ProcessNode(
        Node node,
        PassWork work,
        bool retainGraph,
        bool createGraph,
        (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets,
        ScopeTape? tape)
    {
        var grad = node.PendingGradient;
        var factor = node.PendingFactor;
        node.PendingGradient = null;
        node.PendingFactor = null;
        if (grad is null)
        {
            return;
        }

        t_visitObserver?.Invoke(node);

        if (factor is null && grad._shape != node.Result._shape && (targets is not null || !node.AcceptsUnexpandedGradient))
        {
            grad = grad.BroadcastTo(node.Result._shape); // An unexpanded gradient (see Node.PendingGradient).
        }

        if (targets is { } t && t.Map.TryGetValue(node.Result, out var index))
        {
            t.Captured[index] = grad;
        }

        var inputs = node.Inputs;
        if (work.Slots.Length < inputs.Length)
        {
            work.Slots = new Variable<T>?[inputs.Length];
            work.Factors = new Variable<T>?[inputs.Length];
        }

        var inputGrads = work.Slots.AsSpan(0, inputs.Length);
        var factors = work.Factors.AsSpan(0, inputs.Length);
        inputGrads.Clear();
        factors.Clear();

        // Inside a step scope, a buffer rented from here on was made by this node's backward: a leaf may take it as its
        // gradient instead of copying it (see Adoptable).
        var arena = targets is null && !createGraph && StepScope.Current is not null ? ScopeArena<T>.Peek : null;
        var rentedBefore = arena?.RentedCount ?? -1;
        if (factor is not null)
        {
            node.BackwardFactored(grad, factor, inputGrads); // Set only in an ordinary pass, for a node that takes it.
        }
        else if (targets is null && !createGraph)
        {
            node.BackwardToLeaves(grad, inputGrads, factors);
        }
        else
        {
            node.Backward(grad, inputGrads);
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            var g = inputGrads[i];
            var input = inputs[i];
            if (g is null || !input._requiresGrad)
            {
                continue;
            }

            if (factors[i] is { } f)
            {
                // g ⊙ f not formed yet (see Node.PendingFactor). An upstream node that takes it so, and has no gradient
                // yet, gets it as it is; everything else gets the product.
                if (tape is null && input._node is { PendingGradient: null, AcceptsFactoredGradient: true } taker && f._shape == input._shape)
                {
                    taker.PendingGradient = g;
                    taker.PendingFactor = f;
                    continue;
                }

                g = ChainMultiply(g, f);
            }

            if (g._shape != input._shape)
            {
                // An input broadcast by the forward pass gets its gradient (of the result's shape, so of at least the
                // input's rank) summed back. A rank-0 gradient for a higher-rank input is an unexpanded one instead
                // (see Node.PendingGradient): an upstream node takes it as it is, anything else broadcast.
                if (g._shape.Rank > 0 || input._shape.Rank == 0)
                {
                    g = g.SumTo(input._shape);
                }
                else if (input._node is null)
                {
                    g = g.BroadcastTo(input._shape);
                }
            }

            if (input._node is { } upstream)
            {
                if (upstream.PendingFactor is { } pending)
                {
                    // A second gradient: form the first one's product, then add as for any other.
                    upstream.PendingGradient = ChainMultiply(upstream.PendingGradient!, pending);
                    upstream.PendingFactor = null;
                }

                upstream.PendingGradient = upstream.PendingGradient is null ? g : upstream.PendingGradient + g;
            }
            else if (input._tape is not null)
            {
                tape!.AddAdjoint(input, g);
            }
            else if (arena is not null && Adoptable(g, i, inputGrads))
            {
                input.AdoptOrAccumulateGrad(g, arena, rentedBefore);
            }
            else
            {
                Deliver(input, g, createGraph, targets);
            }
        }

        if (!retainGraph)
        {
            node.Release();
        }
    }

    /// <summary>
    /// Whether a leaf may take <paramref name="g"/>'s buffer as its gradient, as far as this node can tell: no other
    /// gradient it returned (<paramref name="inputGrads"/>, all but slot <paramref name="slot"/>) shares the buffer. The
    /// leaf then takes it only if it was rented during this node's backward (<see cref="ScopeArena{T}.Exchange"/>), which
    /// rules out what the forward pass saved and the gradient passed through from further down (Add hands the one it
    /// received to both inputs; a reshape returns a view of it). No op returns one new buffer for two inputs today;
    /// the check keeps one that did from making two leaves share a gradient.
    /// </summary>
    private static bool Adoptable(Variable<T> g, int slot, ReadOnlySpan<Variable<T>?> inputGrads)
    {
        var buffer = g._buffer;
        for (var j = 0; j < inputGrads.Length; j++)
        {
            if (j != slot && inputGrads[j] is { } other && ReferenceEquals(other._buffer, buffer))
            {
                return false;
            }
        }

        return true;
    }

    private static void Deliver(Variable<T> leaf, Variable<T> grad, bool createGraph, (Dictionary<Variable<T>, int> Map, Variable<T>?[] Captured)? targets)
    {
        if (targets is { } t)
        {
            if (t.Map.TryGetValue(leaf, out var index))
            {
                t.Captured[index] = t.Captured[index] is { } previous ? previous + grad : grad;
            }
        }
        else
        {
            leaf.AccumulateGrad(grad, createGraph);
        }
    }

    /// <summary>The nodes reachable from <paramref name="start"/>, ordered by decreasing sequence number.</summary>
    /// <remarks><paramref name="readsTape"/> tells whether a collected node reads a result of the scalar tape.</remarks>
    private static List<Node> Collect(Node start, PassWork work, out bool readsTape)
    {
        readsTape = false;
        var stamp = Interlocked.Increment(ref s_passStamp);
        var nodes = work.Nodes;
        var stack = work.Stack;
        Visit(start, stamp, stack);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            nodes.Add(node);
            foreach (var input in node.Inputs)
            {
                if (input._node is { } n && n.VisitStamp != stamp && input._requiresGrad)
                {
                    Visit(n, stamp, stack);
                }
                else if (input._tape is not null)
                {
                    readsTape = true;
                }
            }
        }

        nodes.Sort(s_decreasingSequence);
        return nodes;
    }

    /// <summary>
    /// The scratch collections of a backward pass, kept per thread between passes so a training step's backward
    /// allocates none. A pass running inside another on the same thread (a hook that calls Backward) takes fresh ones.
    /// </summary>
    private sealed class PassWork
    {
        public List<Node> Nodes { get; } = [];

        public Stack<Node> Stack { get; } = new();

        // One slot per input of the node being processed: its gradient, and the factor of a gradient not formed yet
        // (see Node.PendingFactor). Both always have the same length.
        public Variable<T>?[] Slots { get; set; } = new Variable<T>?[4];

        public Variable<T>?[] Factors { get; set; } = new Variable<T>?[4];

        public void Clear()
        {
            Nodes.Clear();
            Stack.Clear();
            Array.Clear(Slots);
            Array.Clear(Factors);
        }
    }

    internal static void Visit(Node node, long stamp, Stack<Node> stack)
    {
        if (node.IsReleased)
        {
            throw new InvalidOperationException(
                $"Backward: the graph through '{node.Name}' (result shape {node.Result._shape}) was already released by an earlier backward pass, which frees intermediate values. Pass retainGraph: true to the earlier Backward() call if you need to differentiate through the same graph twice, or recompute the forward pass.");
        }

        node.VisitStamp = stamp;
        stack.Push(node);
    }
}
