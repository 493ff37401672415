using AutoGrad;

namespace AutoGrad.Tests.Autodiff;

/// <summary>
/// The guarantees of <see cref="StepScope"/>: results end with their scope and a later use throws; parameters, their
/// gradients and copied-out values survive; scopes nest; buffers are reused; and a step computes bitwise the same
/// values and gradients inside a scope as outside.
/// </summary>
public class StepScopeTests
{
    [Fact]
    public void A_result_used_after_its_scope_ends_throws_a_message_that_names_the_scope_and_the_fix()
    {
        var x = Variable.Parameter([1.0, 2.0, 3.0]);
        Variable<double> y;
        using (Variable.StepScope())
        {
            y = (x * 2).Exp();
            Assert.Equal(Math.Exp(2), y.Values[0], 14);
        }

        var error = Assert.Throws<InvalidOperationException>(() => y.Values.ToArray());
        Assert.Contains("StepScope", error.Message);
        Assert.Contains("ToArray()", error.Message);
        Assert.Throws<InvalidOperationException>(() => y.ToScalar());
        Assert.Throws<InvalidOperationException>(() => y + 1);
        Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Equal(new Shape(3), y.Shape);
    }

    [Fact]
    public void Views_and_detached_results_end_with_the_scope_too()
    {
        var x = Variable.Parameter([1.0, 2.0, 3.0, 4.0]);
        Variable<double> reshaped, detached;
        using (Variable.StepScope())
        {
            reshaped = x.Reshape(2, 2);
            detached = (x + 1).Detach();
        }

        Assert.Throws<InvalidOperationException>(() => reshaped.ToArray());
        Assert.Throws<InvalidOperationException>(() => detached.ToArray());
        Assert.Equal([1.0, 2.0, 3.0, 4.0], x.ToArray());
    }

    [Fact]
    public void Parameters_constants_gradients_and_copied_values_outlive_the_scope()
    {
        var w = Variable.Parameter([0.5, -1.5]);
        Variable<double> made;
        double loss;
        using (Variable.StepScope())
        {
            made = Variable.Parameter([3.0]);
            var l = ((w * w).Sum() * made).Sum();
            l.Backward();
            loss = l.ToScalar();
        }

        Assert.Equal(3 * (0.25 + 2.25), loss);
        Assert.Equal([3.0], made.ToArray());
        Assert.Equal([3.0, -9.0], w.Grad!.ToArray());
        Assert.Equal([2.5], made.Grad!.ToArray());
    }

    [Fact]
    public void Nested_scopes_end_innermost_first_and_the_outer_results_stay_usable()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        using var outer = Variable.StepScope();
        var a = x * 3;
        Variable<double> b;
        using (Variable.StepScope())
        {
            b = a + 1;
            Assert.Equal([4.0, 7.0], b.ToArray());
        }

        Assert.Throws<InvalidOperationException>(() => b.ToArray());
        Assert.Equal([3.0, 6.0], a.ToArray());
        var c = a.Sum();
        c.Backward();
        Assert.Equal([3.0, 3.0], x.Grad!.ToArray());
    }

    [Fact]
    public void Disposing_an_outer_scope_while_an_inner_one_is_live_throws_and_disposing_twice_is_harmless()
    {
        var outer = Variable.StepScope();
        var inner = Variable.StepScope();
        var error = Assert.Throws<InvalidOperationException>(outer.Dispose);
        Assert.Contains("innermost first", error.Message);
        inner.Dispose();
        inner.Dispose();
        outer.Dispose();
        Assert.True(outer.IsDisposed);
        Assert.Null(StepScope.Current);
    }

    [Fact]
    public void A_scope_disposed_on_another_thread_throws()
    {
        var scope = Variable.StepScope();
        try
        {
            Exception? caught = null;
            var thread = new Thread(() => caught = Record.Exception(scope.Dispose));
            thread.Start();
            thread.Join();
            Assert.IsType<InvalidOperationException>(caught);
            Assert.Contains("thread", caught!.Message);
        }
        finally
        {
            scope.Dispose();
        }
    }

    [Fact]
    public void Scopes_on_other_threads_are_independent()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        using var scope = Variable.StepScope();
        Variable<double>? fromOtherThread = null;
        var thread = new Thread(() => fromOtherThread = x * 5);
        thread.Start();
        thread.Join();
        scope.Dispose();
        Assert.Equal([5.0, 10.0], fromOtherThread!.ToArray());
    }

    [Fact]
    public void Buffers_come_back_to_the_pool_and_the_next_scope_reuses_them()
    {
        var x = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => i * 0.001).ToArray());
        double[] firstValues;
        using (Variable.StepScope())
        {
            firstValues = (x.Exp() * x).ToArray();
        }

        var pooled = ScopeArena<double>.ForThread.FreeBufferCount;
        Assert.True(pooled >= 2, $"expected the scope's buffers in the pool, found {pooled}");
        using (Variable.StepScope())
        {
            var again = x.Exp() * x;
            Assert.Equal(firstValues, again.ToArray());
            Assert.Equal(pooled - 2, ScopeArena<double>.ForThread.FreeBufferCount);
        }
    }

    [Fact]
    public void Recycling_scopes_hand_out_the_same_variable_objects_with_fresh_values()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        Variable<double> first;
        using (Variable.StepScope(recycleVariables: true))
        {
            first = x * 2;
            Assert.Equal([2.0, 4.0], first.ToArray());
        }

        Assert.Throws<InvalidOperationException>(() => first.ToArray());
        using (Variable.StepScope(recycleVariables: true))
        {
            var second = x * 3;
            Assert.Same(first, second);
            Assert.Equal([3.0, 6.0], second.ToArray());
            Assert.True(second.RequiresGrad);
            Assert.False(second.IsLeaf);
        }
    }

    [Fact]
    public void Steady_state_steps_through_full_and_axis_sums_and_means_allocate_nothing_inside_a_recycling_scope()
    {
        // Sum and Mean nodes come from the thread's pool like the elementwise and arithmetic ones. The steps alternate
        // axes, so a reused node must take the new axis; each gradient is checked against the same step outside a scope.
        var x = Variable.Parameter(Enumerable.Range(0, 60).Select(i => (i - 30) / 17.0).ToArray(), [6, 10]);
        var w = Variable.Parameter(Enumerable.Range(0, 60).Select(i => Math.Cos(i)).ToArray(), [6, 10]);
        double Step(int k)
        {
            x.ZeroGrad();
            w.ZeroGrad();
            // No operation on rank-0 results: inside a scope those go to the scalar tape (see ScopeTapeTests).
            var loss = k % 2 == 0
                ? ((x.Tanh() * w).Sum(0) + x.Square().Mean(0)).Sum()
                : (w.Mean(1, keepDims: true).Exp() * x).Mean();
            loss.Backward();
            return loss.ToScalar();
        }

        // The references first: a step outside a scope takes nodes from the pool and never gives them back.
        var want = Enumerable.Range(0, 2).Select(k => (Value: Step(k), X: x.Grad!.ToArray(), W: w.Grad!.ToArray())).ToArray();
        for (var k = 0; k < 10; k++)
        {
            long allocated;
            double value;
            using (Variable.StepScope(recycleVariables: true))
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                value = Step(k);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            Assert.Equal(want[k % 2].Value, value);
            if (k is 6 or 7)
            {
                // Everything comes from the pools by now. Steps 2 to 7 leave Grad alone: a gradient buffer the caller
                // has seen is never reused, so the step after a read makes a new one, and the step after that refills
                // the pool with the buffer the parameter took.
                Assert.Equal(0, allocated);
            }
            else if (k is < 2 or > 7)
            {
                Assert.Equal(want[k % 2].X, x.Grad!.ToArray());
                Assert.Equal(want[k % 2].W, w.Grad!.ToArray());
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_training_step_inside_a_scope_matches_the_same_step_outside_bitwise(bool recycle)
    {
        var (plainLosses, plainWeights) = Train(scoped: false, recycle: false);
        var (scopedLosses, scopedWeights) = Train(scoped: true, recycle);
        Assert.Equal(plainLosses, scopedLosses);
        Assert.Equal(plainWeights, scopedWeights);
    }

    [Fact]
    public void Second_derivatives_inside_recycling_scopes_repeat_exactly_step_after_step()
    {
        static double[] HessianDiagonal(Variable<double> w)
        {
            w.ZeroGrad();
            var f = ((w * w * w) + (w.Tanh() * w)).Exp().Sum();
            var g = Variable.Gradients(f, [w], createGraph: true)[0]!;
            var row = new double[w.Length];
            for (var i = 0; i < w.Length; i++)
            {
                var gi = g[i];
                var h = Variable.Gradients(gi, [w], retainGraph: true)[0]!;
                row[i] = h.Values[i];
            }

            return row;
        }

        var w = Variable.Parameter([0.3, -0.2, 0.1]);
        var expected = HessianDiagonal(w);
        for (var step = 0; step < 3; step++)
        {
            using var scope = Variable.StepScope(recycleVariables: true);
            Assert.Equal(expected, HessianDiagonal(w));
        }
    }

    [Fact]
    public void An_unexposed_gradient_buffer_is_reused_but_one_the_caller_holds_is_never_overwritten()
    {
        var w = Variable.Parameter([1.0, 2.0]);
        (w * w).Sum().Backward();
        var held = w.Grad!;
        Assert.Equal([2.0, 4.0], held.ToArray());

        w.ZeroGrad();
        (w * 3).Sum().Backward();
        Assert.Equal([2.0, 4.0], held.ToArray());
        Assert.Equal([3.0, 3.0], w.Grad!.ToArray());
    }

    [Fact]
    public void ZeroGrad_without_setting_to_null_zeroes_in_place_like_PyTorch()
    {
        var w = Variable.Parameter([1.0, 2.0]);
        (w * w).Sum().Backward();
        var held = w.Grad!;
        w.ZeroGrad(setToNull: false);
        Assert.Same(held, w.Grad);
        Assert.Equal([0.0, 0.0], held.ToArray());
        (w * 3).Sum().Backward();
        Assert.Equal([3.0, 3.0], held.ToArray());
    }

    [Fact]
    public void A_gradient_recycled_through_ZeroGrad_accumulates_fresh_values()
    {
        var w = Variable.Parameter([1.0, 2.0]);
        for (var step = 1; step <= 3; step++)
        {
            w.ZeroGrad();
            (w * step).Sum().Backward();
            (w * w).Sum().Backward();
        }

        Assert.Equal([3.0 + 2.0, 3.0 + 4.0], w.Grad!.ToArray());
    }

    [Fact]
    public void A_leaf_takes_its_fresh_gradient_buffer_from_the_scope_and_later_scopes_never_overwrite_it()
    {
        var x = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => (i * 0.001) - 0.5).ToArray());
        var w = Variable.Parameter(Enumerable.Range(0, 1000).Select(i => 1.0 - (i * 0.002)).ToArray());
        (x.Tanh() * w).Sum().Backward();
        var expectedX = x.Grad!.ToArray();
        var expectedW = w.Grad!.ToArray();

        var buffers = new List<double[]>();
        for (var step = 0; step < 4; step++)
        {
            x.ZeroGrad();
            w.ZeroGrad();
            using (Variable.StepScope(recycleVariables: true))
            {
                (x.Tanh() * w).Sum().Backward();
            }

            // The next scope rents (and overwrites) every pooled buffer of this length: the gradients must not change.
            using (Variable.StepScope())
            {
                var junk = Enumerable.Range(0, 12).Select(k => (x * 1e6) + k).ToList();
                Assert.Equal((1e6 * x.Values[999]) + 11, junk[^1].Values[999]);

                // Through CurrentGrad on even steps, which leaves the buffer the leaf's to recycle (the pool gets the
                // leaf's spare buffer back in exchange); through Grad on odd ones, which hands it to the caller.
                var gx = step % 2 == 0 ? x.CurrentGrad! : x.Grad!;
                Assert.Equal(expectedX, gx.ToArray());
                Assert.Equal(expectedW, (step % 2 == 0 ? w.CurrentGrad! : w.Grad!).ToArray());
                buffers.Add(gx.Data);
            }
        }

        // The leaf took the buffer the backward pass wrote (a copy would have landed in one buffer every step).
        Assert.Equal(buffers.Count, buffers.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void A_gradient_shared_by_two_inputs_or_passed_through_is_copied_not_taken()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        var y = Variable.Parameter([3.0, 4.0]);
        var z = Variable.Parameter([5.0, 6.0]);
        using (Variable.StepScope(recycleVariables: true))
        {
            ((x + y) * 2).Sum().Backward(); // Add hands the gradient it received to both inputs.
            (x + x).Sum().Backward(); // One gradient, the same input twice.
            (z.Reshape([2, 1]) * 3).Sum().Backward(); // A view of the gradient, passed through.
            (x * 5).Sum().Backward(); // x's gradient is its own now: accumulated in place.
            Assert.Equal([2.0 + 2.0 + 5.0, 2.0 + 2.0 + 5.0], x.CurrentGrad!.ToArray());
            Assert.Equal([2.0, 2.0], y.CurrentGrad!.ToArray());
            Assert.Equal([3.0, 3.0], z.CurrentGrad!.ToArray());
        }
    }

    private static (double[] Losses, double[] Weights) Train(bool scoped, bool recycle)
    {
        var random = new Random(3);
        double[] Draw(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var w1 = Variable.Parameter(Draw(12), [4, 3]);
        var b1 = Variable.Parameter(Draw(3));
        var w2 = Variable.Parameter(Draw(6), [3, 2]);
        var x = Variable.Constant(Draw(20), [5, 4]);
        var labels = new Indices([0, 1, 1, 0, 1]);
        var adam = new Adam([w1, b1, w2], learningRate: 0.05);
        var losses = new double[6];
        for (var step = 0; step < losses.Length; step++)
        {
            using var scope = scoped ? Variable.StepScope(recycle) : null;
            adam.ZeroGrad();
            var loss = Loss.CrossEntropy((x.MatMul(w1) + b1).Relu().MatMul(w2), labels);
            loss.Backward();
            adam.Step();
            losses[step] = loss.ToScalar();
        }

        return (losses, [.. w1.ToArray(), .. b1.ToArray(), .. w2.ToArray()]);
    }
}
