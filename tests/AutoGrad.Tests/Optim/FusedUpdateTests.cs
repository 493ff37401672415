using System.Numerics;
using System.Runtime.InteropServices;
using AutoGrad;

namespace AutoGrad.Tests.Optim;

/// <summary>
/// The fused single-pass update loops against the multi-pass <c>TensorPrimitives</c> routines they replaced (kept as
/// internal oracles, which the PyTorch trajectory tests pin): bitwise the same parameters and state buffers, in float
/// and double, at lengths that straddle the vector widths, over several steps of every option combination; and the
/// Σ(Δθ)² each fused loop returns against a plain sequential sum.
/// </summary>
public class FusedUpdateTests
{
    private static readonly int[] s_lengths = [1, 7, 8, 9, 31, 33, 1000, 1023];

    /// <summary>A fused update (returns Σg² and Σ(Δθ)²) and the multi-pass oracle, for one element type.</summary>
    private delegate StepSquares Fused<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad);

    private delegate void MultiPass<T>(OptimizerOptions options, ParameterState state, Span<T> value, ReadOnlySpan<T> grad);

    public static TheoryData<string> Variants => new(s_cases.Keys);

    /// <summary>Every fused algorithm under each option that changes its loop, with its multi-pass oracle.</summary>
    private static readonly Dictionary<string, Action<Action<OptimizerOptions, Fused<double>, MultiPass<double>>, Action<OptimizerOptions, Fused<float>, MultiPass<float>>>> s_cases = Cases();

    private static Dictionary<string, Action<Action<OptimizerOptions, Fused<double>, MultiPass<double>>, Action<OptimizerOptions, Fused<float>, MultiPass<float>>>> Cases()
    {
        var cases = new Dictionary<string, Action<Action<OptimizerOptions, Fused<double>, MultiPass<double>>, Action<OptimizerOptions, Fused<float>, MultiPass<float>>>>();

        void Adam(string name, AdamOptions o) => cases.Add("adam_" + name, (d, f) =>
        {
            d(o, (o, s, v, g) => AutoGrad.Adam.Apply((AdamOptions)o, s, v, g), (o, s, v, g) => AutoGrad.Adam.ApplyMultiPass((AdamOptions)o, s, v, g));
            f(o, (o, s, v, g) => AutoGrad.Adam.Apply((AdamOptions)o, s, v, g), (o, s, v, g) => AutoGrad.Adam.ApplyMultiPass((AdamOptions)o, s, v, g));
        });
        void Sgd(string name, SGDOptions o) => cases.Add("sgd_" + name, (d, f) =>
        {
            d(o, (o, s, v, g) => SGD.Apply((SGDOptions)o, s, v, g), (o, s, v, g) => SGD.ApplyMultiPass((SGDOptions)o, s, v, g));
            f(o, (o, s, v, g) => SGD.Apply((SGDOptions)o, s, v, g), (o, s, v, g) => SGD.ApplyMultiPass((SGDOptions)o, s, v, g));
        });
        void RmsProp(string name, RMSpropOptions o) => cases.Add("rmsprop_" + name, (d, f) =>
        {
            d(o, (o, s, v, g) => RMSprop.Apply((RMSpropOptions)o, s, v, g), (o, s, v, g) => RMSprop.ApplyMultiPass((RMSpropOptions)o, s, v, g));
            f(o, (o, s, v, g) => RMSprop.Apply((RMSpropOptions)o, s, v, g), (o, s, v, g) => RMSprop.ApplyMultiPass((RMSpropOptions)o, s, v, g));
        });
        void AdaGrad(string name, AdagradOptions o) => cases.Add("adagrad_" + name, (d, f) =>
        {
            d(o, (o, s, v, g) => Adagrad.Apply((AdagradOptions)o, s, v, g), (o, s, v, g) => Adagrad.ApplyMultiPass((AdagradOptions)o, s, v, g));
            f(o, (o, s, v, g) => Adagrad.Apply((AdagradOptions)o, s, v, g), (o, s, v, g) => Adagrad.ApplyMultiPass((AdagradOptions)o, s, v, g));
        });

        Adam("plain", new() { LearningRate = 1e-2 });
        Adam("betas_eps", new() { LearningRate = 3e-2, Beta1 = 0.8, Beta2 = 0.99, Epsilon = 0.1 });
        Adam("amsgrad", new() { LearningRate = 1e-2, AmsGrad = true });
        Adam("maximize", new() { LearningRate = 1e-2, Maximize = true });
        Adam("weight_decay", new() { LearningRate = 1e-2, WeightDecay = 0.3 });
        Adam("amsgrad_weight_decay_maximize", new() { LearningRate = 1e-2, WeightDecay = 0.3, AmsGrad = true, Maximize = true });
        Adam("decoupled", new() { LearningRate = 1e-2, WeightDecay = 0.5, DecoupledWeightDecay = true });
        Adam("decoupled_amsgrad_maximize", new() { LearningRate = 1e-2, WeightDecay = 0.5, DecoupledWeightDecay = true, AmsGrad = true, Maximize = true });
        Adam("decoupled_zero", new() { LearningRate = 1e-2, WeightDecay = 0, DecoupledWeightDecay = true });

        Sgd("plain", new() { LearningRate = 0.1 });
        Sgd("momentum", new() { LearningRate = 0.1, Momentum = 0.9 });
        Sgd("dampening", new() { LearningRate = 0.1, Momentum = 0.9, Dampening = 0.3 });
        Sgd("nesterov", new() { LearningRate = 0.1, Momentum = 0.8, Nesterov = true });
        Sgd("weight_decay_maximize", new() { LearningRate = 0.1, Momentum = 0.5, WeightDecay = 0.1, Maximize = true });
        Sgd("weight_decay_nesterov", new() { LearningRate = 0.1, Momentum = 0.5, WeightDecay = 0.1, Nesterov = true });

        RmsProp("plain", new() { LearningRate = 1e-2 });
        RmsProp("alpha_eps", new() { LearningRate = 1e-2, Alpha = 0.9, Epsilon = 0.1 });
        RmsProp("momentum", new() { LearningRate = 1e-2, Momentum = 0.9 });
        RmsProp("centered", new() { LearningRate = 1e-2, Centered = true });
        RmsProp("centered_momentum", new() { LearningRate = 1e-2, Centered = true, Momentum = 0.5 });
        RmsProp("weight_decay_maximize", new() { LearningRate = 1e-2, WeightDecay = 0.1, Maximize = true, Momentum = 0.5 });

        AdaGrad("plain", new() { LearningRate = 0.1 });
        AdaGrad("lr_decay", new() { LearningRate = 0.1, LearningRateDecay = 0.05 });
        AdaGrad("initial_accumulator_eps", new() { LearningRate = 0.1, InitialAccumulatorValue = 2, Epsilon = 0.1 });
        AdaGrad("weight_decay_maximize", new() { LearningRate = 0.1, WeightDecay = 0.1, Maximize = true });
        return cases;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Fused_update_equals_multi_pass_bitwise(string variant) => s_cases[variant](Compare, Compare);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Fused_update_equals_multi_pass_on_non_finite_and_signed_zero_values(string variant) => s_cases[variant](CompareSpecial, CompareSpecial);

    /// <summary>Four steps at every length: fused and multi-pass from the same values, gradients and (empty) state.</summary>
    private static void Compare<T>(OptimizerOptions options, Fused<T> fused, MultiPass<T> multiPass)
        where T : struct, IFloatingPointIeee754<T>
    {
        foreach (var n in s_lengths)
        {
            var random = new Random(n);
            var value = Values<T>(random, n, 1);
            var oracleValue = (T[])value.Clone();
            var state = new ParameterState();
            var oracleState = new ParameterState();
            for (var step = 1; step <= 4; step++)
            {
                // Gradients of very different sizes from step to step, with exact zeros, so AMSGrad's max switches.
                var grad = Values<T>(random, n, Math.Pow(10, random.Next(-3, 3)));
                grad[random.Next(n)] = T.Zero;
                var before = (T[])value.Clone();
                state.Step = oracleState.Step = step;
                var measured = fused(options, state, value, grad);
                multiPass(options, oracleState, oracleValue, grad);

                var where = $"{typeof(T).Name}, n = {n}, step {step}";
                AssertBitwise<T>(oracleValue, value, $"{where}: values");
                AssertSameBuffers<T>(oracleState, state, where);
                double gradient = 0, change = 0;
                for (var i = 0; i < n; i++)
                {
                    var d = double.CreateTruncating(value[i] - before[i]);
                    change += d * d;
                    gradient += double.CreateTruncating(grad[i]) * double.CreateTruncating(grad[i]);
                }

                Assert.True(Math.Abs(measured.Change - change) <= 1e-12 * change, $"{where}: Σ(Δθ)² = {measured.Change}, sequential sum {change}");
                Assert.True(Math.Abs(measured.Gradient - gradient) <= 1e-12 * gradient, $"{where}: Σg² = {measured.Gradient}, sequential sum {gradient}");
            }
        }
    }

    /// <summary>NaN, ±∞ and ±0 in values and gradients, at a length with a vector body and a tail; NaNs compare equal whatever their payload.</summary>
    private static void CompareSpecial<T>(OptimizerOptions options, Fused<T> fused, MultiPass<T> multiPass)
        where T : struct, IFloatingPointIeee754<T>
    {
        T[] special = [T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Zero, T.NegativeZero, T.One, -T.One];
        const int N = 37;
        var random = new Random(5);
        var value = Values<T>(random, N, 1);
        var oracleValue = (T[])value.Clone();
        var state = new ParameterState();
        var oracleState = new ParameterState();
        for (var step = 1; step <= 3; step++)
        {
            var grad = Values<T>(random, N, 1);
            for (var i = 0; i < N; i += 3)
            {
                grad[i] = special[(i + step) % special.Length];
            }

            if (step == 1)
            {
                value[1] = oracleValue[1] = T.NegativeZero;
                value[2] = oracleValue[2] = T.PositiveInfinity;
            }

            state.Step = oracleState.Step = step;
            fused(options, state, value, grad);
            multiPass(options, oracleState, oracleValue, grad);
            AssertBitwise<T>(oracleValue, value, $"{typeof(T).Name}, special values, step {step}: values");
            AssertSameBuffers<T>(oracleState, state, $"{typeof(T).Name}, special values, step {step}");
        }
    }

    private static T[] Values<T>(Random random, int n, double scale)
        where T : IFloatingPointIeee754<T>
    {
        var values = new T[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = T.CreateChecked(scale * ((2 * random.NextDouble()) - 1));
        }

        return values;
    }

    private static void AssertSameBuffers<T>(ParameterState expected, ParameterState actual, string where)
        where T : struct, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.BufferNames, actual.BufferNames);
        foreach (var name in expected.BufferNames)
        {
            AssertBitwise<T>(expected.Buffer<T>(name, 0), actual.Buffer<T>(name, 0), $"{where}: buffer {name}");
        }
    }

    private static void AssertBitwise<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string where)
        where T : struct, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        var size = Marshal.SizeOf<T>();
        var e = MemoryMarshal.AsBytes(expected);
        var a = MemoryMarshal.AsBytes(actual);
        for (var i = 0; i < expected.Length; i++)
        {
            var same = e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)) || (T.IsNaN(expected[i]) && T.IsNaN(actual[i]));
            Assert.True(same, $"{where}: element {i} of {expected.Length} is {actual[i]:R}, expected {expected[i]:R} bit for bit.");
        }
    }
}
