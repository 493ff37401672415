namespace AutoGrad;

public sealed partial class Variable<T>
{
    /// <summary>
    /// The result of <see cref="ScalarTape{T}.ToVariable(ReadOnlySpan{Scalar{T}}, Shape)"/>: holds the values of the outputs and
    /// becomes a node over the watched variables that require gradients, whose backward sweeps the tape.
    /// </summary>
    internal static Variable<T> FromScalarTape(ScalarTape<T> tape, ReadOnlySpan<Scalar<T>> outputs, Shape shape, ReadOnlySpan<Variable<T>> inputs)
    {
        var data = NewBuffer(outputs.Length);
        for (var i = 0; i < outputs.Length; i++)
        {
            data[i] = outputs[i].Value;
        }

        return Result(data, shape, inputs.IsEmpty ? null : ScalarTapeNode.Create(tape, outputs, inputs));
    }

    /// <summary>A <see cref="ScalarTape{T}"/> recording as one node of the graph.</summary>
    private sealed class ScalarTapeNode : PooledNode<ScalarTapeNode>
    {
        private ScalarTape<T> _tape = null!;
        private long _origin;
        private long[] _outputs = [];
        private T[] _scales = [];
        private int _outputCount;

        public override string Name => "ScalarTape";

        public static ScalarTapeNode Create(ScalarTape<T> tape, ReadOnlySpan<Scalar<T>> outputs, ReadOnlySpan<Variable<T>> inputs)
        {
            var node = Create(inputs);
            node._tape = tape;
            node._origin = tape.Origin;
            if (node._outputs.Length < outputs.Length)
            {
                node._outputs = new long[outputs.Length];
                node._scales = new T[outputs.Length];
            }

            for (var i = 0; i < outputs.Length; i++)
            {
                var s = outputs[i];
                node._outputs[i] = s._tape is null ? -1 : s._index;
                node._scales[i] = s._scale;
            }

            node._outputCount = outputs.Length;
            return node;
        }

        protected override void DropReferences() => _tape = null!;

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => Backward(grad, inputGrads, toLeaves: false);

        /// <summary>
        /// As <see cref="Backward(Variable{T}, Span{Variable{T}?})"/>, but a leaf's gradient goes straight into its
        /// <see cref="Grad"/> from the tape's scratch: no gradient variable or buffer per input, which matters when the
        /// tape watched thousands of scalar parameters.
        /// </summary>
        public override void BackwardToLeaves(Variable<T> grad, Span<Variable<T>?> inputGrads) => Backward(grad, inputGrads, toLeaves: true);

        private void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads, bool toLeaves)
        {
            if (GradMode.IsEnabled)
            {
                throw new NotSupportedException(
                    "Backward(createGraph: true) reached a ScalarTape output. A scalar tape records its partial derivatives as numbers during the forward pass, which cannot be differentiated again. For gradients of gradients (Hessians), write the function with Variable<T> operations instead of Scalar<T> ones (and outside a StepScope, whose rank-0 tape has the same limit).");
            }

            // The inputs are the watched variables that receive gradients, in watch order: the sweep leaves the i-th
            // one's gradient in the tape's slots for it.
            var inputs = Inputs;
            _tape.Backward(_origin, _outputs.AsSpan(0, _outputCount), _scales.AsSpan(0, _outputCount), grad.Data);
            try
            {
                for (var i = 0; i < inputs.Length; i++)
                {
                    var input = inputs[i];
                    var values = _tape.GradientOf(i);
                    if (toLeaves && input.IsLeaf)
                    {
                        input.AccumulateGradFrom(values);
                        continue;
                    }

                    var buffer = NewBuffer(values.Length);
                    values.CopyTo(buffer);
                    inputGrads[i] = Result(buffer, input._shape, node: null);
                }
            }
            finally
            {
                _tape.EndBackward();
            }
        }
    }
}
