using AutoGrad;

namespace AutoGrad.Tests.Autodiff;

/// <summary>The engine guarantees: replay order, fan-out, accumulation, graph release and retention.</summary>
public class EngineTests
{
    [Fact]
    public void Backward_visits_nodes_in_reverse_recording_order()
    {
        var x = Variable.Parameter(new[] { 0.5, 2.0 });
        var a = x.Exp();          // recorded 1st
        var b = x.Sin();          // 2nd
        var c = a * b;            // 3rd
        var d = c.Tanh();         // 4th
        var e = (d + a).Sum();    // 5th (Add), 6th (Sum)
        var recorded = new[] { a, b, c, d }.Select(v => v.CreatorNode!.Sequence).ToList();
        Assert.Equal(recorded.OrderBy(s => s), recorded);

        var visited = new List<(string Name, long Sequence)>();
        Variable<double>.t_visitObserver = n => visited.Add((n.Name, n.Sequence));
        try
        {
            e.Backward();
        }
        finally
        {
            Variable<double>.t_visitObserver = null;
        }

        Assert.Equal(new[] { "Sum", "Add", "Tanh", "Multiply", "Sin", "Exp" }, visited.Select(v => v.Name));
        Assert.Equal(visited.Select(v => v.Sequence).OrderByDescending(s => s), visited.Select(v => v.Sequence));
    }

    [Fact]
    public void A_variable_used_k_times_receives_k_contributions()
    {
        var x = Variable.Parameter(3.0);
        var sum = x;
        for (var k = 1; k < 7; k++)
        {
            sum += x;
        }

        sum.Backward();
        Assert.Equal(7.0, x.Grad!.ToScalar());

        var y = Variable.Parameter(1.5);
        var cube = y * y * y;
        cube.Backward();
        Assert.Equal(3 * 1.5 * 1.5, y.Grad!.ToScalar(), 14);
    }

    [Fact]
    public void Intermediate_reused_by_several_consumers_gets_all_contributions()
    {
        var x = Variable.Parameter(0.7);
        var h = x.Sin();                       // used three times below
        var f = (h * h) + h.Exp() + (2 * h);
        f.Backward();
        var expected = ((2 * Math.Sin(0.7)) + Math.Exp(Math.Sin(0.7)) + 2) * Math.Cos(0.7);
        Assert.Equal(expected, x.Grad!.ToScalar(), 13);
    }

    [Fact]
    public void Leaf_gradients_accumulate_until_zeroed()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        (x * 3).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.Equal(new[] { 3 + 2.0, 3 + 4.0 }, x.Grad!.ToArray());

        x.ZeroGrad();
        Assert.Null(x.Grad);
        (x * 3).Sum().Backward();
        Assert.Equal(new[] { 3.0, 3.0 }, x.Grad!.ToArray());

        x.ZeroGrad(setToNull: false);
        Assert.Equal(new[] { 0.0, 0.0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void A_held_gradient_is_not_changed_by_later_accumulation_into_another_leaf()
    {
        // Add passes its gradient through unchanged to both inputs; the leaves must not share a buffer.
        var a = Variable.Parameter(1.0);
        var b = Variable.Parameter(2.0);
        (a + b).Backward();
        (a * 5).Backward();
        Assert.Equal(6.0, a.Grad!.ToScalar());
        Assert.Equal(1.0, b.Grad!.ToScalar());
    }

    [Fact]
    public void Unreached_and_constant_variables_have_no_gradient()
    {
        var x = Variable.Parameter(2.0);
        var unused = Variable.Parameter(5.0);
        var c = Variable.Constant(3.0);
        (x * c).Backward();
        Assert.Equal(3.0, x.Grad!.ToScalar());
        Assert.Null(unused.Grad);
        Assert.Null(c.Grad);
        Assert.False(c.RequiresGrad);
    }

    [Fact]
    public void Zero_gradient_is_distinct_from_no_gradient()
    {
        var x = Variable.Parameter(new[] { -1.0, -2.0 });
        x.Relu().Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.Equal(new[] { 0.0, 0.0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Second_backward_through_a_released_graph_throws_a_clear_exception()
    {
        var x = Variable.Parameter(2.0);
        var f = x.Exp() * x;
        f.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => f.Backward());
        Assert.Contains("released", ex.Message, StringComparison.Ordinal);
        Assert.Contains("retainGraph", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backward_through_a_shared_subgraph_released_by_another_loss_throws()
    {
        var x = Variable.Parameter(2.0);
        var h = x.Exp();
        var f1 = h * 2;
        var f2 = h * 3;
        f1.Backward();
        Assert.Throws<InvalidOperationException>(() => f2.Backward());
    }

    [Fact]
    public void RetainGraph_allows_a_second_backward_which_accumulates()
    {
        var x = Variable.Parameter(2.0);
        var f = x.Exp() * x;
        f.Backward(retainGraph: true);
        var first = x.Grad!.ToScalar();
        f.Backward();
        Assert.Equal(2 * first, x.Grad!.ToScalar(), 13);
        Assert.Equal(Math.Exp(2) * 3, first, 13);
    }

    [Fact]
    public void Backward_on_a_leaf_accumulates_the_seed()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        x.Backward(new[] { 3.0, 4.0 });
        Assert.Equal(new[] { 3.0, 4.0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Backward_with_a_seed_computes_the_vector_Jacobian_product()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0, 3.0 });
        var y = x.Square();
        y.Backward(Variable.Constant(new[] { 1.0, 10.0, 100.0 }));
        Assert.Equal(new[] { 2.0, 40.0, 600.0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void Detach_stops_gradient_flow()
    {
        var x = Variable.Parameter(3.0);
        var f = x.Detach() * x;
        f.Backward();
        Assert.Equal(3.0, x.Grad!.ToScalar());
        Assert.False(x.Detach().RequiresGrad);
    }

    [Fact]
    public void NoGrad_scope_records_nothing_and_restores_the_previous_mode()
    {
        var x = Variable.Parameter(3.0);
        using (Variable.NoGrad())
        {
            var y = x * x;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsLeaf);
            Assert.False(GradMode.IsEnabled);
            using (GradMode.Set(enabled: true))
            {
                Assert.True((x * x).RequiresGrad);
            }

            Assert.False(GradMode.IsEnabled);
        }

        Assert.True(GradMode.IsEnabled);
        Assert.True((x * x).RequiresGrad);
    }

    [Fact]
    public void Backward_without_createGraph_gives_gradients_that_are_off_the_graph()
    {
        var x = Variable.Parameter(new[] { 1.0, 2.0 });
        (x * x).Sum().Backward();
        Assert.False(x.Grad!.RequiresGrad);
    }

    [Fact]
    public void CreateGraph_gives_a_full_Hessian_row_by_row()
    {
        // f = x0² x1 + sin(x1) x0: H = [[2 x1, 2 x0 + cos x1], [2 x0 + cos x1, -x0 sin x1]].
        double x0 = 0.3, x1 = -1.1;
        var hessian = new double[2, 2];
        for (var row = 0; row < 2; row++)
        {
            var x = Variable.Parameter(new[] { x0, x1 });
            var f = (x[0].Square() * x[1]) + (x[1].Sin() * x[0]);
            var g = Variable.Gradients(f, [x], createGraph: true)[0]!;
            var h = Variable.Gradients(g[row], [x])[0]!.ToArray();
            hessian[row, 0] = h[0];
            hessian[row, 1] = h[1];
        }

        Assert.Equal(2 * x1, hessian[0, 0], 13);
        Assert.Equal((2 * x0) + Math.Cos(x1), hessian[0, 1], 13);
        Assert.Equal((2 * x0) + Math.Cos(x1), hessian[1, 0], 13);
        Assert.Equal(-x0 * Math.Sin(x1), hessian[1, 1], 13);
    }

    [Fact]
    public void Third_derivative_through_nested_createGraph()
    {
        var x = Variable.Parameter(0.4);
        var f = x.Sin() * x.Exp();
        var d1 = Variable.Gradients(f, [x], createGraph: true)[0]!;
        var d2 = Variable.Gradients(d1, [x], createGraph: true)[0]!;
        var d3 = Variable.Gradients(d2, [x])[0]!;

        // (e^x sin x)''' = 2 e^x (cos x - sin x).
        Assert.Equal(2 * Math.Exp(0.4) * (Math.Cos(0.4) - Math.Sin(0.4)), d3.ToScalar(), 12);
    }

    [Fact]
    public void Gradients_returns_gradients_without_touching_Grad_and_null_for_unused_inputs()
    {
        var x = Variable.Parameter(2.0);
        var unused = Variable.Parameter(1.0);
        var h = x.Square();
        var f = h * 3;
        var grads = Variable.Gradients(f, [x, unused, h]);
        Assert.Equal(12.0, grads[0]!.ToScalar());
        Assert.Null(grads[1]);
        Assert.Equal(3.0, grads[2]!.ToScalar());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Float_and_double_share_the_engine()
    {
        var x = Variable.Parameter(new[] { -1.2f, 1.0f });
        var f = (1 - x[0]).Square() + (100 * (x[1] - x[0].Square()).Square());
        f.Backward();
        Assert.Equal(24.2f, f.ToScalar(), 4);
        Assert.Equal(-215.6f, x.Grad![0].ToScalar(), 3);
        Assert.Equal(-88.0f, x.Grad![1].ToScalar(), 3);
    }

    // ----- Unexpanded gradients: a full Sum or Mean passes its rank-0 gradient on, Multiply reads it as a scalar -----

    [Fact]
    public void A_sum_or_mean_of_a_product_gives_the_same_gradients_as_with_the_broadcast_gradient()
    {
        double[] xs = [0.5, -2.0, 0.0, double.PositiveInfinity, 3.0];
        double[] ws = [1.5, 0.0, -4.0, 0.0, double.NaN];
        foreach (var mean in new[] { false, true })
        {
            foreach (var seed in new[] { 1.0, 0.0, -2.5, double.PositiveInfinity, double.NaN })
            {
                var x = Variable.Parameter(xs);
                var w = Variable.Parameter(ws);
                var product = x * w;
                (mean ? product.Mean() : product.Sum()).Backward([seed]);

                // The chain-rule product of the gradient with the other factor, element by element, bit for bit (signs
                // of zero included): what the expanded gradient gave (a zero factor absorbs ∞ and NaN).
                var g = mean ? seed / xs.Length : seed;
                Assert.Equal(ws.Select(v => Bits(Chain(g, v))), x.Grad!.ToArray().Select(Bits));
                Assert.Equal(xs.Select(v => Bits(Chain(g, v))), w.Grad!.ToArray().Select(Bits));
            }
        }

        static double Chain(double a, double b) => double.IsNaN(a * b) && (a == 0 || b == 0) ? 0.0 : a * b;
        static long Bits(double v) => BitConverter.DoubleToInt64Bits(v);
    }

    [Fact]
    public void An_unexpanded_gradient_meets_a_full_one_broadcasts_where_needed_and_is_captured_expanded()
    {
        var x = Variable.Parameter([0.3, -0.7, 1.1]);
        var w = Variable.Parameter([2.0, 0.5, -1.0]);
        var z = x * w;

        // z receives Sum's rank-0 gradient and Tanh's full one; x (via Exp and a sum) gets one straight from a sum.
        var loss = z.Sum() + z.Tanh().Sum() + x.Sum() + x.Exp().Mean();
        var captured = Variable.Gradients(loss, [z], retainGraph: true)[0]!;
        var zs = z.ToArray();
        Assert.Equal(z.Shape, captured.Shape);
        Assert.Equal(zs.Select(v => 1.0 + (1.0 - (Math.Tanh(v) * Math.Tanh(v)))), captured.ToArray());

        // With the sum alone, z's gradient is the unexpanded one: captured, it has z's shape.
        var alone = Variable.Gradients(z.Sum() * 2.0, [z], retainGraph: true)[0]!;
        Assert.Equal(z.Shape, alone.Shape);
        Assert.Equal([2.0, 2.0, 2.0], alone.ToArray());

        loss.Backward();
        var dz = captured.ToArray();
        var xv = x.ToArray();
        var wv = w.ToArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((dz[i] * wv[i]) + 1.0 + (Math.Exp(xv[i]) / 3.0), x.Grad!.ToArray()[i], 14);
            Assert.Equal(dz[i] * xv[i], w.Grad!.ToArray()[i]);
        }
    }

    // ----- Factored gradients: the product's backward hands g and its other operand to an elementwise function -----

    [Theory]
    [InlineData("Tanh")]
    [InlineData("Sigmoid")]
    [InlineData("Exp")]
    [InlineData("Square")]
    public void An_elementwise_function_under_the_sum_of_a_product_gives_the_bits_of_the_formed_gradient(string function)
    {
        // The oracle is Variable.Gradients, which forms every gradient (no unexpanded or factored ones): the same
        // kernels in the old order. Special values make the chain-rule product's zero rule matter: w = ±∞ or NaN where
        // f′ = 0 (tanh and sigmoid saturate), g = 0 against w = ∞, NaN inputs.
        double[] xs = [0.5, -2.0, 0.0, -0.0, 30.0, -800.0, double.PositiveInfinity, double.NaN, 3.0, 1e-300];
        double[] ws = [1.5, 0.0, -4.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 2.0, 1.0, double.NaN, 7.0];
        foreach (var mean in new[] { false, true })
        {
            foreach (var swap in new[] { false, true })
            {
                foreach (var seed in new[] { 1.0, 0.0, -2.5, double.PositiveInfinity, double.NaN })
                {
                    var x = Variable.Parameter(xs);
                    var w = Variable.Parameter(ws);
                    Variable<double> Loss()
                    {
                        var t = Apply(function, x);
                        var product = swap ? w * t : t * w;
                        return mean ? product.Mean() : product.Sum();
                    }

                    var want = Variable.Gradients(Loss(), [x, w], seed: Variable.Constant(seed));
                    Loss().Backward([seed]);
                    Assert.Equal(Bits(want[0]!), Bits(x.Grad!));
                    Assert.Equal(Bits(want[1]!), Bits(w.Grad!));
                }
            }

            // The function straight under the sum: it takes the sum's one value as it is (g at every element).
            foreach (var seed in new[] { 1.0, 0.0, -2.5, double.PositiveInfinity, double.NaN })
            {
                var x = Variable.Parameter(xs);
                Variable<double> Loss() => mean ? Apply(function, x).Mean() : Apply(function, x).Sum();
                var want = Variable.Gradients(Loss(), [x], seed: Variable.Constant(seed))[0]!;
                Loss().Backward([seed]);
                Assert.Equal(Bits(want), Bits(x.Grad!));
            }
        }
    }

    [Fact]
    public void The_factored_gradient_agrees_with_the_hand_derived_one_in_float_and_double()
    {
        // ∂/∂x Σ tanh(x)·w = w·(1 − tanh²(x)), ∂/∂w = tanh(x), in a recycling step scope (the benchmark's setting).
        var rng = new Random(5);
        var xd = Enumerable.Range(0, 10_007).Select(_ => (rng.NextDouble() * 6) - 3).ToArray();
        var wd = Enumerable.Range(0, 10_007).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
        var x = Variable.Parameter(xd);
        var w = Variable.Parameter(wd);
        var xf = Variable.Parameter(xd.Select(v => (float)v).ToArray());
        var wf = Variable.Parameter(wd.Select(v => (float)v).ToArray());
        for (var step = 0; step < 2; step++)
        {
            x.ZeroGrad();
            w.ZeroGrad();
            xf.ZeroGrad();
            wf.ZeroGrad();
            using (Variable.StepScope(recycleVariables: true))
            {
                (x.Tanh() * w).Sum().Backward();
                (xf.Tanh() * wf).Sum().Backward();
            }

            for (var i = 0; i < xd.Length; i++)
            {
                var t = Math.Tanh(xd[i]);
                // TensorPrimitives.Tanh and Math.Tanh may differ in the last bit, and 1 − t² cancels near |t| = 1.
                Assert.True(Math.Abs((wd[i] * (1 - (t * t))) - x.Grad!.ToArray()[i]) <= 1e-14, $"∂/∂x[{i}]");
                Assert.True(Math.Abs(t - w.Grad!.ToArray()[i]) <= 1e-15, $"∂/∂w[{i}]");
                Assert.True(Math.Abs((wd[i] * (1 - (t * t))) - xf.Grad!.ToArray()[i]) <= 1e-6, $"float ∂/∂x[{i}]");
                Assert.True(Math.Abs(t - wf.Grad!.ToArray()[i]) <= 1e-6, $"float ∂/∂w[{i}]");
            }
        }
    }

    [Fact]
    public void Neither_the_product_nor_the_broadcast_sum_gradient_is_formed_as_a_whole_when_the_function_takes_it_as_it_is()
    {
        // The backward pass makes the seed, w's gradient and x's gradient, and none for tanh(x)'s (forming it would be
        // a fourth). Without the product, the sum's one value is not broadcast to a whole gradient either: the seed and
        // x's gradient (broadcasting would be a third).
        var x = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => i / 500.0).ToArray());
        var w = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => 1 - (i / 1000.0)).ToArray());
        Assert.Equal(3, BackwardRentals(() => (x.Tanh() * w).Sum(), x, w));
        Assert.Equal(2, BackwardRentals(() => x.Sigmoid().Sum(), x));
    }

    [Fact]
    public void A_sum_or_difference_passes_the_one_value_gradient_on_and_a_broadcast_operand_gets_it_summed()
    {
        // (f(x) ± g(y)).Sum() or Mean(): Add and Subtract hand the sum's one value to both operands as it is, and the
        // functions take it so. An operand broadcast by the forward pass (a row added to every row of a matrix) must get
        // its gradient summed over the rows instead: the oracle catches a one value passed on there (it would give g,
        // not 3g). Same bits as Variable.Gradients, which forms every gradient.
        double[] xs = [0.5, -2.0, 0.0, -0.0, 30.0, -800.0, double.PositiveInfinity, double.NaN, 3.0, 1e-300, 0.25, -1.5];
        double[] ys = [1.5, 0.0, -4.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 2.0, 1.0, double.NaN, 7.0, -3.0, 0.75];
        double[] row = [0.1, -0.2, 0.3, double.NaN];
        foreach (var form in new[] { 0, 1, 2 })
        {
            foreach (var subtract in new[] { false, true })
            {
                foreach (var mean in new[] { false, true })
                {
                    foreach (var seed in new[] { 1.0, 0.0, -2.5, double.PositiveInfinity })
                    {
                        var x = Variable.Parameter(xs, [3, 4]);
                        var y = Variable.Parameter(ys, [3, 4]);
                        var r = Variable.Parameter(row);
                        Variable<double> Combine(Variable<double> a, Variable<double> b) => subtract ? a - b : a + b;
                        Variable<double> Loss()
                        {
                            // 0: two operands of one shape, then x again; 1 and 2: r broadcast over the 3 rows, right
                            // under the sum, as the second or the first operand.
                            var c = form switch
                            {
                                0 => Combine(Combine(x.Tanh(), y.Sigmoid()), x),
                                1 => Combine(Combine(x.Tanh(), y.Sigmoid()), r.Exp()),
                                _ => Combine(r.Exp(), Combine(x.Tanh(), y.Square())),
                            };
                            return mean ? c.Mean() : c.Sum();
                        }

                        var want = Variable.Gradients(Loss(), [x, y, r], seed: Variable.Constant(seed));
                        Loss().Backward([seed]);
                        Assert.Equal(Bits(want[0]!), Bits(x.Grad!));
                        Assert.Equal(Bits(want[1]!), Bits(y.Grad!));
                        Assert.Equal(Bits(want[2] ?? Variable.Constant(new double[4])), Bits(r.Grad ?? Variable.Constant(new double[4])));
                    }
                }
            }
        }

        // Nothing formed whole on the way: the seed, x's gradient and y's.
        var px = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => i / 500.0).ToArray());
        var py = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => 1 - (i / 1000.0)).ToArray());
        Assert.Equal(3, BackwardRentals(() => (px.Tanh() + py.Sigmoid()).Sum(), px, py));
    }

    [Fact]
    public void A_function_result_with_a_second_consumer_gets_the_product_formed_and_both_gradients_added()
    {
        // t feeds the product (its gradient factored, g ⊙ w) and two more ops; whichever arrives second forms the
        // product first. Same bits as the fully formed pass.
        var x = Variable.Parameter([0.3, -1.7, 2.2, 0.0]);
        var w = Variable.Parameter([2.0, -0.5, 0.25, 4.0]);
        var v = Variable.Parameter([1.0, 3.0, -2.0, 0.5]);
        Variable<double> Loss()
        {
            var t = x.Tanh();
            return (t * w).Sum() + (v * t).Mean() + t.Exp().Sum();
        }

        var want = Variable.Gradients(Loss(), [x, w, v]);
        Loss().Backward();
        Assert.Equal(Bits(want[0]!), Bits(x.Grad!));
        Assert.Equal(Bits(want[1]!), Bits(w.Grad!));
        Assert.Equal(Bits(want[2]!), Bits(v.Grad!));

        // The same function result twice in one product: t * t.
        var y = Variable.Parameter([0.4, -0.9]);
        var s = y.Sigmoid();
        var wantY = Variable.Gradients((s * s).Sum(), [y])[0]!;
        var sy = y.Sigmoid();
        (sy * sy).Sum().Backward();
        Assert.Equal(Bits(wantY), Bits(y.Grad!));
    }

    /// <summary>
    /// The buffers a backward pass of <paramref name="loss"/> rents from a recycling step scope's pool, in the second of
    /// two steps. In a step scope every buffer comes from the pool, so this counts what the pass makes. After a first
    /// step and ZeroGrad, each parameter hands the pool its old gradient buffer for the one it takes, so taking one does
    /// not change the count.
    /// </summary>
    private static int BackwardRentals(Func<Variable<double>> loss, params Variable<double>[] parameters)
    {
        var rentals = 0;
        for (var step = 0; step < 2; step++)
        {
            foreach (var p in parameters)
            {
                p.ZeroGrad();
            }

            using (Variable.StepScope(recycleVariables: true))
            {
                var l = loss();
                var arena = ScopeArena<double>.Peek!;
                var before = arena.RentedCount;
                l.Backward();
                rentals = arena.RentedCount - before;
            }
        }

        return rentals;
    }

    private static Variable<double> Apply(string function, Variable<double> x) => function switch
    {
        "Tanh" => x.Tanh(),
        "Sigmoid" => x.Sigmoid(),
        "Exp" => x.Exp(),
        _ => x.Square(),
    };

    // Bit patterns, every NaN as one: IEEE 754 gives a NaN's sign and payload no meaning, and which NaN comes out of
    // a product depends on the order of its factors.
    private static long[] Bits(Variable<double> v) =>
        v.ToArray().Select(e => double.IsNaN(e) ? long.MaxValue : BitConverter.DoubleToInt64Bits(e)).ToArray();

    [Fact]
    public void A_sum_of_a_product_with_broadcast_operands_sums_each_gradient_back()
    {
        var a = Variable.Parameter([1.0, 2.0, 3.0], [3, 1]);
        var b = Variable.Parameter([10.0, 20.0, 30.0, 40.0], [1, 4]);
        (a * b).Sum().Backward();
        Assert.Equal([100.0, 100.0, 100.0], a.Grad!.ToArray()); // Σⱼ bⱼ
        Assert.Equal([6.0, 6.0, 6.0, 6.0], b.Grad!.ToArray()); // Σᵢ aᵢ
        Assert.Equal(new Shape(3, 1), a.Grad!.Shape);

        var s = Variable.Parameter(2.0);
        var v = Variable.Parameter([1.0, -3.0]);
        (s * v).Mean().Backward();
        Assert.Equal(-1.0, s.Grad!.ToScalar()); // (1 − 3) / 2
        Assert.Equal([1.0, 1.0], v.Grad!.ToArray()); // s / 2
    }
}
