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
        private T[][] _gradients = [];

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
            if (node._gradients.Length < inputs.Length)
            {
                node._gradients = new T[inputs.Length][];
            }

            return node;
        }

        protected override void DropReferences()
        {
            _tape = null!;
            Array.Clear(_gradients);
        }

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads)
        {
            if (GradMode.IsEnabled)
            {
                throw new NotSupportedException(
                    "Backward(createGraph: true) reached a ScalarTape output. A scalar tape records its partial derivatives as numbers during the forward pass, which cannot be differentiated again. For gradients of gradients (Hessians), write the function with Variable<T> operations outside a StepScope.");
            }

            var inputs = Inputs;
            var gradients = _gradients.AsSpan(0, inputs.Length);
            for (var i = 0; i < inputs.Length; i++)
            {
                gradients[i] = NewZeroedBuffer(inputs[i].Length);
            }

            _tape.Backward(_origin, _outputs.AsSpan(0, _outputCount), _scales.AsSpan(0, _outputCount), grad.Data, gradients);
            for (var i = 0; i < inputs.Length; i++)
            {
                inputGrads[i] = Result(gradients[i], inputs[i]._shape, node: null);
                gradients[i] = null!;
            }
        }
    }
}
