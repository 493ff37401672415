using System.Numerics;
using AutoGrad;

namespace AutoGrad.Tests.Ops;

/// <summary>
/// The raw elementwise backward (used when no graph is recorded) gives bitwise the gradients of the recorded
/// Variable-level rule (used under createGraph), including at kinks, at ±∞ and NaN, and for zero, infinite and NaN
/// upstream gradients, in float and double, at lengths around the 4,096-element block. The same holds for the
/// one-pass backward of x ⊙ w (both gradients from one read of the upstream gradient).
/// </summary>
public class RawBackwardTests
{
    public static TheoryData<string> Functions => new() { "Square", "Exp", "Tanh", "Sigmoid", "Relu" };

    [Theory]
    [MemberData(nameof(Functions))]
    public void Raw_and_recorded_gradients_agree_bitwise_in_double(string function) => Compare<double>(function);

    [Theory]
    [MemberData(nameof(Functions))]
    public void Raw_and_recorded_gradients_agree_bitwise_in_float(string function) => Compare<float>(function);

    [Fact]
    public void Multiply_raw_and_recorded_gradients_agree_bitwise_in_double() => CompareMultiply<double>();

    [Fact]
    public void Multiply_raw_and_recorded_gradients_agree_bitwise_in_float() => CompareMultiply<float>();

    private static void CompareMultiply<T>()
        where T : IFloatingPointIeee754<T>
    {
        T[] special = [T.Zero, -T.Zero, T.One, -T.One, T.PositiveInfinity, T.NegativeInfinity, T.NaN, T.CreateChecked(1e-30), T.CreateChecked(3e30)];
        foreach (var n in new[] { 1, 7, 2047, 2049, 4095, 4097, 9000 })
        {
            var random = new Random(n);
            var x = new T[n];
            var w = new T[n];
            var seed = new T[n];
            for (var i = 0; i < n; i++)
            {
                x[i] = i < special.Length ? special[i] : T.CreateChecked((random.NextDouble() * 8) - 4);
                w[i] = i % 3 == 0 ? special[(i * 7) % special.Length] : T.CreateChecked((random.NextDouble() * 8) - 4);
                seed[i] = (i % 11) switch
                {
                    0 => T.Zero,
                    1 => T.PositiveInfinity,
                    2 => T.NaN,
                    _ => T.CreateChecked(random.NextDouble() - 0.5),
                };
            }

            foreach (var same in new[] { false, true })
            {
                var a = Variable.Parameter(x);
                var b = same ? a : Variable.Parameter(w);
                var y = a * b;
                y.Backward(seed, retainGraph: true);
                var rawA = a.Grad!.ToArray();
                var rawB = b.Grad!.ToArray();
                a.ZeroGrad();
                b.ZeroGrad();
                y.Backward(seed, createGraph: true);
                var recordedA = a.Grad!.ToArray();
                var recordedB = b.Grad!.ToArray();
                for (var i = 0; i < n; i++)
                {
                    var where = $"Multiply<{typeof(T).Name}> n = {n}, same = {same}, element {i}: x = {x[i]}, w = {(same ? x[i] : w[i])}, seed = {seed[i]}";
                    Assert.True(rawA[i].Equals(recordedA[i]), $"{where}: ∂/∂x raw {rawA[i]}, recorded {recordedA[i]}");
                    Assert.True(rawB[i].Equals(recordedB[i]), $"{where}: ∂/∂w raw {rawB[i]}, recorded {recordedB[i]}");
                }
            }
        }
    }

    private static void Compare<T>(string function)
        where T : IFloatingPointIeee754<T>
    {
        T[] special = [T.Zero, -T.Zero, T.One, -T.One, T.CreateChecked(40), T.CreateChecked(-40), T.PositiveInfinity, T.NegativeInfinity, T.NaN, T.CreateChecked(1e-30)];
        foreach (var n in new[] { 1, 7, 4095, 4097, 9000 })
        {
            var random = new Random(n);
            var x = new T[n];
            var seed = new T[n];
            for (var i = 0; i < n; i++)
            {
                x[i] = i < special.Length ? special[i] : T.CreateChecked((random.NextDouble() * 8) - 4);
                seed[i] = (i % 13) switch
                {
                    0 => T.Zero,
                    1 => T.PositiveInfinity,
                    2 => T.NaN,
                    _ => T.CreateChecked(random.NextDouble() - 0.5),
                };
            }

            // One forward pass for both backward passes: TensorPrimitives' vectorized functions may round an element
            // differently depending on where it falls relative to the vector loop (so on the buffer's alignment), and the
            // comparison is about the backward rules only.
            var input = Variable.Parameter(x);
            var y = Apply(function, input);
            y.Backward(seed, retainGraph: true);
            var raw = input.Grad!.ToArray();
            input.ZeroGrad();
            y.Backward(seed, createGraph: true);
            var recorded = input.Grad!.ToArray();
            for (var i = 0; i < n; i++)
            {
                Assert.True(
                    raw[i].Equals(recorded[i]),
                    $"{function}<{typeof(T).Name}> n = {n}, element {i}: x = {x[i]}, seed = {seed[i]}: raw {raw[i]}, recorded {recorded[i]}");
            }
        }
    }

    private static Variable<T> Apply<T>(string function, Variable<T> x)
        where T : IFloatingPointIeee754<T> => function switch
        {
            "Square" => x.Square(),
            "Exp" => x.Exp(),
            "Tanh" => x.Tanh(),
            "Sigmoid" => x.Sigmoid(),
            _ => x.Relu(),
        };
}
