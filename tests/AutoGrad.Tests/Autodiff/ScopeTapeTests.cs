using AutoGrad;
using AutoGrad.Tests.TestUtilities;
using CsCheck;

namespace AutoGrad.Tests.Autodiff;

/// <summary>
/// Rank-0 operations inside a <see cref="StepScope"/> are recorded on the scalar tape instead of as nodes. Everything a
/// user can observe must be what the ordinary path gives: values, gradients (bitwise for the same operation order),
/// kinks, ±∞ and NaN, graph release, errors; and a recycling scope allocates nothing in steady state.
/// </summary>
[Collection(SerialCollection.Name)]
public class ScopeTapeTests
{
    /// <summary>One row per fast-set operation form: the operation on a pair of scalars (b is ignored by unary ops).</summary>
    public static TheoryData<string> OpNames => [.. s_ops.Keys];

    private static readonly Dictionary<string, Func<Variable<double>, Variable<double>, Variable<double>>> s_ops = new()
    {
        ["x + y"] = (a, b) => a + b,
        ["x + c"] = (a, _) => a + 1.5,
        ["c + x"] = (a, _) => 1.5 + a,
        ["x - y"] = (a, b) => a - b,
        ["x - c"] = (a, _) => a - 1.5,
        ["c - x"] = (a, _) => 1.5 - a,
        ["x * y"] = (a, b) => a * b,
        ["x * c"] = (a, _) => a * -2.5,
        ["c * x"] = (a, _) => -2.5 * a,
        ["x / y"] = (a, b) => a / b,
        ["x / c"] = (a, _) => a / 3.0,
        ["c / x"] = (a, _) => 3.0 / a,
        ["x * x"] = (a, _) => a * a,
        ["-x"] = (a, _) => -a,
        ["Square"] = (a, _) => a.Square(),
        ["Sqrt"] = (a, _) => a.Sqrt(),
        ["Exp"] = (a, _) => a.Exp(),
        ["Log"] = (a, _) => a.Log(),
        ["Sin"] = (a, _) => a.Sin(),
        ["Cos"] = (a, _) => a.Cos(),
        ["Tanh"] = (a, _) => a.Tanh(),
        ["Sigmoid"] = (a, _) => a.Sigmoid(),
        ["Pow(2.5)"] = (a, _) => a.Pow(2.5),
        ["Pow(0)"] = (a, _) => a.Pow(0.0),
        ["Pow(-1)"] = (a, _) => a.Pow(-1.0),
        ["Abs"] = (a, _) => a.Abs(),
        ["Relu"] = (a, _) => a.Relu(),
    };

    private static readonly double[] s_specials =
        [0.0, -0.0, 1.0, -1.0, 0.3, -2.7, 1e-300, 50.0, -50.0, 800.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN];

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Every_fast_op_matches_the_ordinary_rule_bitwise_including_kinks_and_non_finite_values(string name)
    {
        var op = s_ops[name];
        foreach (var a in s_specials)
        {
            foreach (var b in s_specials)
            {
                // The upstream adjoint too: 0 must absorb an infinite or NaN partial, as ChainMultiply does.
                foreach (var upstream in new[] { 1.0, 0.0, double.PositiveInfinity })
                {
                    var expected = Evaluate(p => op(p[0], p[1]) * upstream, [a, b], scoped: false);
                    var actual = Evaluate(p => op(p[0], p[1]) * upstream, [a, b], scoped: true);
                    AssertSame(expected, actual, $"{name} at x = {a}, y = {b}, upstream {upstream}");
                }
            }
        }
    }

    [Fact]
    public void Float_ops_match_the_ordinary_path_too()
    {
        foreach (var a in new[] { 0.0f, 0.7f, -1.3f, 20f })
        {
            foreach (var b in new[] { 0.0f, 2.1f, -0.4f })
            {
                Func<Variable<float>[], Variable<float>> f = p =>
                    (((p[0] * p[1]) + p[0].Sin()).Tanh() - (2f / p[1].Abs().Exp()) + p[0].Sigmoid().Square().Sqrt().Log() + p[1].Relu().Pow(1.5f) + p[0].Cos()) / 3f;
                AssertSame(Evaluate(f, [a, b], scoped: false), Evaluate(f, [a, b], scoped: true), $"float program at {a}, {b}");
            }
        }
    }

    [Fact]
    public void Results_inside_a_scope_are_tape_results_not_leaves()
    {
        var x = Variable.Parameter(2.0);
        using var scope = Variable.StepScope();
        var y = (x * 3.0).Exp();
        Assert.False(y.IsLeaf);
        Assert.Null(y.CreatorNode); // recorded on the tape, not as a node
        Assert.True(ScopeArena<double>.ForThread.Tape.EntryCount >= 2);
        Assert.True(y.RequiresGrad);
        Assert.Null(y.Grad);
        Assert.Equal(Math.Exp(6.0), y.ToScalar());
        Assert.Contains("grad_fn Exp", y.ToString(), StringComparison.Ordinal);
        Assert.True(x.IsLeaf);
    }

    [Fact]
    public void A_parameter_used_in_many_terms_receives_every_contribution()
    {
        var x = Enumerable.Range(0, 50).Select(i => Variable.Parameter(0.1 * (i - 25))).ToArray();
        static Variable<double> Loss(Variable<double>[] x)
        {
            var f = x[0] * 0.0;
            for (var i = 0; i < x.Length - 1; i++)
            {
                f += (100.0 * (x[i + 1] - x[i].Square()).Square()) + (1.0 - x[i]).Square() + (x[i] * x[0]);
            }

            return f;
        }

        var expected = Evaluate(Loss, x.Select(p => p.ToScalar()).ToArray(), scoped: false);
        var actual = Evaluate(Loss, x.Select(p => p.ToScalar()).ToArray(), scoped: true);
        AssertSame(expected, actual, "Rosenbrock with a shared x[0]");
    }

    [Fact]
    public void Gradients_accumulate_across_steps_until_zeroed_and_unreached_parameters_stay_null()
    {
        var x = Variable.Parameter(1.5);
        var y = Variable.Parameter(-0.5);
        var unused = Variable.Parameter(3.0);
        var grads = new List<double>();
        for (var step = 0; step < 3; step++)
        {
            using (Variable.StepScope(recycleVariables: true))
            {
                var unrelated = unused * 2.0; // recorded below the loss but not reached from it
                var loss = (x * y) + x.Square();
                loss.Backward();
            }

            grads.Add(x.Grad!.ToScalar());
        }

        // ∂/∂x (x·y + x²) = y + 2x = 2.5, accumulated three times.
        Assert.Equal([2.5, 5.0, 7.5], grads);
        Assert.Equal(4.5, y.Grad!.ToScalar());
        Assert.Null(unused.Grad);

        x.ZeroGrad();
        using (Variable.StepScope(recycleVariables: true))
        {
            ((x * y) + x.Square()).Backward();
        }

        Assert.Equal(2.5, x.Grad!.ToScalar());
        Assert.Equal(6.0, y.Grad!.ToScalar());

        // ZeroGrad(setToNull: false) then backward: added to the zeros in place.
        var kept = x.Grad!;
        x.ZeroGrad(setToNull: false);
        using (Variable.StepScope())
        {
            (x * 4.0).Backward();
        }

        Assert.Equal(4.0, kept.ToScalar());
    }

    [Fact]
    public void A_second_backward_throws_unless_the_first_retained_the_graph()
    {
        var x = Variable.Parameter(2.0);
        using (Variable.StepScope())
        {
            var loss = (x * x).Sin();
            loss.Backward();
            var error = Assert.Throws<InvalidOperationException>(() => loss.Backward());
            Assert.Contains("already released", error.Message, StringComparison.Ordinal);
            Assert.Contains("retainGraph: true", error.Message, StringComparison.Ordinal);
        }

        x.ZeroGrad();
        using (Variable.StepScope())
        {
            var loss = (x * x).Sin();
            loss.Backward(retainGraph: true);
            loss.Backward();
        }

        Assert.Equal(2 * 2 * 2.0 * Math.Cos(4.0), x.Grad!.ToScalar(), 15);
    }

    [Fact]
    public void A_released_entry_below_the_loss_also_throws_and_delivers_nothing()
    {
        var x = Variable.Parameter(2.0);
        using var scope = Variable.StepScope();
        var shared = x.Exp();
        (shared * 2.0).Backward();
        var before = x.Grad!.ToScalar();
        Assert.Throws<InvalidOperationException>(() => (shared * 3.0).Backward());
        Assert.Equal(before, x.Grad!.ToScalar());
    }

    [Fact]
    public void CreateGraph_through_tape_entries_throws_with_the_fix()
    {
        var x = Variable.Parameter(2.0);
        var v = Variable.Parameter(new[] { 1.0, 2.0 });
        using var scope = Variable.StepScope();
        var error = Assert.Throws<NotSupportedException>(() => (x * x).Backward(createGraph: true));
        Assert.Contains("outside a StepScope", error.Message, StringComparison.Ordinal);

        // Also when an ordinary op reads the tape result, and through the functional API.
        Assert.Throws<NotSupportedException>(() => (v * x.Exp()).Sum().Backward(createGraph: true));
        Assert.Throws<NotSupportedException>(() => Variable.Gradients(x.Sin(), [x], createGraph: true));
    }

    [Fact]
    public void Higher_order_derivatives_of_ordinary_graphs_inside_a_scope_still_work()
    {
        // createGraph records the backward formulas; where they are rank 0 they land on the tape, which is first order
        // and therefore fine: d/dx of (d/dx x³) = 6x.
        var x = Variable.Parameter(new[] { 2.0 });
        using var scope = Variable.StepScope();
        var y = x.Pow(3.0).Sum();
        var g = Variable.Gradients(y, [x], createGraph: true)[0]!;
        var h = Variable.Gradients(g.Sum(), [x])[0]!;
        Assert.Equal(12.0, h.ToArray()[0], 12);
    }

    [Fact]
    public void A_tape_result_used_after_its_scope_ended_throws()
    {
        var x = Variable.Parameter(2.0);
        Variable<double> escaped;
        using (Variable.StepScope())
        {
            escaped = x * 3.0;
        }

        Assert.Throws<InvalidOperationException>(() => escaped.ToScalar());
        Assert.Throws<InvalidOperationException>(() => escaped + 1.0);
        Assert.Throws<InvalidOperationException>(() => escaped.Backward());
        using (Variable.StepScope())
        {
            // Used in a later scope: still ended (a non-recycling scope never reuses the object).
            _ = x * 5.0;
            var error = Assert.Throws<InvalidOperationException>(() => escaped * x);
            Assert.Contains("StepScope that has been disposed", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_escaped_result_of_a_recycling_scope_throws_until_its_object_is_reused()
    {
        var x = Variable.Parameter(2.0);
        Variable<double> escaped;
        using (Variable.StepScope(recycleVariables: true))
        {
            escaped = x * 3.0;
        }

        Assert.Throws<InvalidOperationException>(() => escaped.ToScalar());
    }

    [Fact]
    public void Nested_scopes_keep_their_own_segments_and_outer_results_stay_usable()
    {
        var x = Variable.Parameter(0.7);
        var y = Variable.Parameter(-1.1);
        static Variable<double> Program(Variable<double> x, Variable<double> y, Func<Variable<double>, Variable<double>> inner)
        {
            var a = (x * y).Sin();
            var b = inner(a + x);
            return (a * b) + y.Exp();
        }

        var expected = Evaluate(p => Program(p[0], p[1], v => v.Tanh() * p[1]), [0.7, -1.1], scoped: false);

        using (Variable.StepScope())
        {
            Variable<double>? innerEscape = null;
            var loss = Program(x, y, v =>
            {
                Variable<double> r;
                using (Variable.StepScope())
                {
                    innerEscape = v.Tanh() * y; // a result of the inner scope: ends with it
                    r = innerEscape;
                    Assert.Equal(innerEscape.ToScalar(), r.ToScalar());
                }

                // The inner result has ended, so recompute in the outer scope.
                return v.Tanh() * y;
            });
            Assert.Throws<InvalidOperationException>(() => innerEscape!.ToScalar());
            loss.Backward();
            AssertSame(expected, ([loss.ToScalar()], [x.Grad!.ToScalar(), y.Grad!.ToScalar()]), "nested scopes");
        }

        // An inner scope that differentiates through the outer scope's entries.
        x.ZeroGrad();
        y.ZeroGrad();
        using (Variable.StepScope(recycleVariables: true))
        {
            var outer = (x * y).Sin();
            for (var i = 0; i < 3; i++)
            {
                using var inner = Variable.StepScope(recycleVariables: true);
                ((outer * x) + y).Backward(retainGraph: true);
            }
        }

        var sin = Math.Sin(0.7 * -1.1);
        var cos = Math.Cos(0.7 * -1.1);
        Assert.Equal(3 * ((cos * -1.1 * 0.7) + sin), x.Grad!.ToScalar(), 14);
        Assert.Equal(3 * ((cos * 0.7 * 0.7) + 1), y.Grad!.ToScalar(), 14);
    }

    [Fact]
    public void Ordinary_ops_reading_tape_results_route_their_gradient_into_the_tape()
    {
        var p = Variable.Parameter(new[] { 0.5, -1.5, 2.0 });
        var s = Variable.Parameter(0.8);
        var t = Variable.Parameter(-0.3);
        Func<Variable<double>[], Variable<double>> program = q =>
        {
            var a = (q[0] * q[1]).Sin();       // tape (inside a scope)
            var b = q[0].Exp() + 1.0;           // tape
            var stacked = Variable.Stack([a, b, a * b]); // ordinary op reading tape results
            var v = (p * stacked).Sum();        // ordinary, rank 0
            var w = (v * q[0]) + v.Square();    // tape reading an ordinary result (a node input)
            return (w * (p * b).Sum()) + a;     // ordinary again, then tape
        };

        var expected = EvaluateWith(program, [s, t], [p], scoped: false);
        var actual = EvaluateWith(program, [s, t], [p], scoped: true);
        AssertSame(expected, actual, "tape ↔ ordinary mixing", bitwise: false);
    }

    [Fact]
    public void Gradients_of_tape_programs_through_the_functional_api()
    {
        var x = Variable.Parameter(1.2);
        var y = Variable.Parameter(0.4);
        using var scope = Variable.StepScope();
        var a = x * y;
        var loss = a.Exp() + y;
        var g = Variable.Gradients(loss, [x, y, a]);
        var e = Math.Exp(1.2 * 0.4);
        Assert.Equal(e * 0.4, g[0]!.ToScalar(), 14);
        Assert.Equal((e * 1.2) + 1, g[1]!.ToScalar(), 14);
        Assert.Equal(e, g[2]!.ToScalar(), 14);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NoGrad_inside_a_scope_records_nothing()
    {
        var x = Variable.Parameter(1.0);
        using var scope = Variable.StepScope();
        using (Variable.NoGrad())
        {
            var y = x * 2.0;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsLeaf);
        }

        var z = x * 2.0;
        Assert.True(z.RequiresGrad);
        Assert.False(z.IsLeaf);
    }

    [Fact]
    public void Threads_with_their_own_scopes_share_parameters_safely()
    {
        var x = Variable.Parameter(0.5);
        var failures = new List<string>();
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                using var scope = Variable.StepScope(recycleVariables: true);
                var c = Variable.Parameter(1.0 + t + (0.01 * i));
                var loss = (x * c).Sin() + (c * x * x);
                var g = Variable.Gradients(loss, [c])[0]!.ToScalar();
                var expected = (Math.Cos(0.5 * (1.0 + t + (0.01 * i))) * 0.5) + 0.25;
                if (Math.Abs(g - expected) > 1e-14)
                {
                    lock (failures)
                    {
                        failures.Add($"thread {t}, step {i}: {g} vs {expected}");
                    }
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void A_steady_state_step_in_a_recycling_scope_allocates_nothing()
    {
        var x = Enumerable.Range(0, 200).Select(i => Variable.Parameter(i % 2 == 0 ? -1.2 : 1.0)).ToArray();
        double Step()
        {
            foreach (var p in x)
            {
                p.ZeroGrad();
            }

            var f = x[0] * 0.0;
            for (var i = 0; i < x.Length - 1; i++)
            {
                var a = x[i + 1] - x[i].Square();
                f += (100.0 * a.Square()) + (1.0 - x[i]).Square();
                f += ((a / 7.0).Tanh() - (2.0 / (3.0 + x[i].Abs()))) * 1e-3;
                f += (x[i].Sin() * x[i + 1].Cos()) + x[i].Sigmoid().Exp().Log() + (-x[i]).Relu() + (x[i].Square() + 1.0).Sqrt().Pow(1.5);
            }

            f.Backward();

            // Read as an optimizer does: handing the gradient out through Grad makes the next ZeroGrad leave it to the
            // caller, so the following backward needs a new buffer.
            return f.ToScalar() + x[0].CurrentGrad!.ToScalar();
        }

        var expected = 0.0;
        for (var warm = 0; warm < 3; warm++)
        {
            using var scope = Variable.StepScope(recycleVariables: true);
            expected = Step();
        }

        using (var scope = Variable.StepScope(recycleVariables: true))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var value = Step();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(expected, value);
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void A_steady_state_step_mixing_tensor_nodes_and_the_tape_allocates_nothing_in_a_recycling_scope()
    {
        // A tensor loss plus a weighted penalty: the two full reductions are rank-0 node results, and their weighted
        // sum is recorded on the tape, so the backward pass is a mixed one (tape entries and nodes). It used to make
        // its scratch collections and every gradient it handed to a node anew each time (848 bytes for this step).
        var x = Variable.Parameter(Enumerable.Range(0, 60).Select(i => (i - 30) / 17.0).ToArray(), [6, 10]);
        var w = Variable.Parameter(Enumerable.Range(0, 60).Select(i => Math.Cos(i)).ToArray(), [6, 10]);
        double Step()
        {
            x.ZeroGrad();
            w.ZeroGrad();
            var loss = (x.Tanh() * w).Sum() + (0.01 * x.Square().Mean());
            loss.Backward();
            return loss.ToScalar();
        }

        var want = Step();
        var wantX = x.Grad!.ToArray();
        var wantW = w.Grad!.ToArray();
        for (var step = 0; step < 6; step++)
        {
            double value;
            long allocated;
            using (Variable.StepScope(recycleVariables: true))
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                value = Step();
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            Assert.Equal(want, value);
            if (step >= 3)
            {
                // Grad is left alone from step 1 on: a gradient buffer the caller has seen is never reused.
                Assert.Equal(0, allocated);
            }
            else if (step == 0)
            {
                Assert.Equal(wantX, x.Grad!.ToArray());
                Assert.Equal(wantW, w.Grad!.ToArray());
            }
        }
    }

    [Fact]
    public void Random_programs_give_the_same_values_and_gradients_inside_and_outside_a_scope()
    {
        // A program is a list of instructions over a growing register file that starts with three parameters; the
        // loss is the sum of the last three registers. Same op order inside and outside, so the gradients agree bitwise.
        var instruction = Gen.Select(Gen.Int[0, s_ops.Count - 1], Gen.Int[0, 1000], Gen.Int[0, 1000]);
        var program = Gen.Select(Gen.Double[-3, 3].Array[3], instruction.Array[1, 25]);
        var names = s_ops.Keys.ToArray();
        program.Sample(
            t =>
            {
                var (inputs, code) = t;
                Func<Variable<double>[], Variable<double>> f = p =>
                {
                    var registers = new List<Variable<double>>(p);
                    foreach (var (op, a, b) in code)
                    {
                        registers.Add(s_ops[names[op]](registers[a % registers.Count], registers[b % registers.Count]));
                    }

                    return registers[^1] + registers[^2] + registers[^3];
                };

                AssertSame(Evaluate(f, inputs, scoped: false), Evaluate(f, inputs, scoped: true), string.Join("; ", code.Select(c => $"{names[c.Item1]} r{c.Item2} r{c.Item3}")));
            },
            iter: 100,
            threads: 1);
    }

    private static (double[] Values, double[] Gradients) Evaluate<T>(Func<Variable<T>[], Variable<T>> f, T[] inputs, bool scoped)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var parameters = inputs.Select(v => Variable.Parameter(v)).ToArray();
        var (values, grads) = EvaluateWith(f, parameters, [], scoped);
        return (values, grads);
    }

    private static (double[] Values, double[] Gradients) EvaluateWith<T>(Func<Variable<T>[], Variable<T>> f, Variable<T>[] parameters, Variable<T>[] others, bool scoped)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        foreach (var p in parameters.Concat(others))
        {
            p.ZeroGrad();
        }

        using var scope = scoped ? Variable.StepScope(recycleVariables: true) : null;
        var loss = f(parameters);
        if (loss.RequiresGrad)
        {
            loss.Backward();
        }

        var grads = parameters.Concat(others).SelectMany(p => p.Grad is { } g ? g.ToArray() : [T.CreateChecked(-12345)]);
        return ([double.CreateChecked(loss.ToScalar())], [.. grads.Select(double.CreateChecked)]);
    }

    private static void AssertSame((double[] Values, double[] Gradients) expected, (double[] Values, double[] Gradients) actual, string what, bool bitwise = true)
    {
        Assert.Equal(expected.Gradients.Length, actual.Gradients.Length);
        foreach (var (e, a) in expected.Values.Zip(actual.Values).Concat(expected.Gradients.Zip(actual.Gradients)))
        {
            var same = bitwise
                ? e == a || (double.IsNaN(e) && double.IsNaN(a))
                : Math.Abs(e - a) <= 1e-13 * Math.Max(1, Math.Abs(e));
            Assert.True(same, $"{what}: expected [{string.Join(", ", expected.Values.Concat(expected.Gradients))}], got [{string.Join(", ", actual.Values.Concat(actual.Gradients))}]");
        }
    }
}
