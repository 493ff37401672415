using AutoGrad;

namespace AutoGrad.Tests.Diagnostics;

public class GradCheckTests
{
    private static readonly GradCheckOptions s_fast = new() { Mode = GradCheckMode.Fast };

    // f(x) = x ⊙ x computed as detach(x) ⊙ x: the value is right but the analytic gradient is x instead of 2x.
    private static Variable<double> BrokenSquare(Variable<double>[] x) => x[0].Detach() * x[0];

    // f(x) = 2·x·detach(x) − detach(x)²: the value x² and the gradient 2x are right, but the recorded gradient
    // 2·detach(x) is a constant, so the analytic second derivative is 0 instead of 2.
    private static Variable<double> BrokenSecondOrder(Variable<double>[] x) =>
        (x[0] * x[0].Detach() * 2.0) - x[0].Detach().Square();

    [Fact]
    public void Passes_on_a_scalar_function_of_several_inputs_in_full_mode()
    {
        var x = Variable.Parameter([0.3, -1.2, 2.0]);
        var y = Variable.Parameter([0.7, 0.1, -0.4]);

        var report = GradCheck.Run(v => (v[0].Sin() * v[1].Exp()).Sum(), x, y);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(GradCheckMode.Full, report.Mode);
        Assert.Equal(2, report.Inputs.Count);
        Assert.Empty(report.SecondOrder);
        Assert.Equal(Shape.Scalar, report.OutputShape);
        Assert.All(report.Inputs, r => Assert.True(r.MaxAbsoluteError < 1e-8, r.ToString()));
    }

    [Fact]
    public void Passes_on_a_non_scalar_broadcasting_function_in_full_mode()
    {
        var a = Variable.Parameter([0.5, -1.0, 1.5, 2.0, -0.3, 0.8], [2, 3]);
        var b = Variable.Parameter([1.1, 0.4, -0.9]);

        var report = GradCheck.Run(v => (v[0] * v[1]).Tanh() + v[1].Square(), a, b);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(new Shape(2, 3), report.OutputShape);
        Assert.Equal(new Shape(2, 3), report.Inputs[0].Shape);
        Assert.Equal(new Shape(3), report.Inputs[1].Shape);
    }

    [Fact]
    public void Passes_in_fast_mode_and_reports_projections()
    {
        var a = Variable.Parameter([0.5, -1.0, 1.5, 2.0], [2, 2]);
        var b = Variable.Parameter(0.7);

        var report = GradCheck.Run(v => (v[0] * v[1]).Sigmoid() * v[0], [a, b], s_fast);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(GradCheckMode.Fast, report.Mode);
        Assert.All(report.Inputs, r =>
        {
            Assert.Equal(-1, r.WorstIndex);
            Assert.Equal(-1, r.WorstOutputIndex);
            Assert.NotEqual(0.0, r.Analytic);
            Assert.Equal(r.Analytic, r.Numeric, 1e-8);
        });
    }

    [Fact]
    public void Treats_an_unused_input_and_a_constant_output_as_zero_gradients()
    {
        var x = Variable.Parameter([1.0, 2.0]);
        var unused = Variable.Parameter([3.0]);

        var partial = GradCheck.Run(v => v[0].Exp(), x, unused);
        var constant = GradCheck.Run(v => Variable.Constant([4.0, 5.0]), x, unused);

        Assert.True(partial.Passed, partial.ToString());
        Assert.Equal(0.0, partial.Inputs[1].MaxAbsoluteError);
        Assert.True(constant.Passed, constant.ToString());
    }

    [Fact]
    public void Passes_second_order_on_sin_times_exp()
    {
        var x = Variable.Parameter([0.3, -1.2]);
        var y = Variable.Parameter([0.7, 0.1]);
        var options = new GradCheckOptions { CheckSecondOrder = true };

        var report = GradCheck.Run(v => v[0].Sin() * v[1].Exp(), [x, y], options);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(4, report.SecondOrder.Count);
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1)], report.SecondOrder.Select(r => (r.GradientOf, r.Input)));
        Assert.All(report.Inputs, r => Assert.Equal(-1, r.GradientOf));
    }

    [Fact]
    public void Passes_second_order_in_fast_mode()
    {
        var x = Variable.Parameter([0.3, -1.2, 0.9]);
        var options = new GradCheckOptions { Mode = GradCheckMode.Fast, CheckSecondOrder = true };

        var report = GradCheck.Run(v => (v[0].Square() * v[0].Sin()).Sum(), [x], options);

        Assert.True(report.Passed, report.ToString());
        Assert.Single(report.SecondOrder);
    }

    [Fact]
    public void Fails_on_a_wrong_gradient_and_locates_the_worst_entry()
    {
        var x = Variable.Parameter([0.5, -2.0, 1.0]);

        var report = GradCheck.Run(BrokenSquare, x);

        Assert.False(report.Passed);
        var input = Assert.Single(report.Inputs);
        Assert.False(input.Passed);
        Assert.Equal(0, input.Input);
        Assert.Equal(1, input.WorstIndex);
        Assert.Equal(1, input.WorstOutputIndex);
        Assert.Equal(-2.0, input.Analytic, 12);
        Assert.Equal(-4.0, input.Numeric, 6);
        Assert.Equal(2.0, input.MaxAbsoluteError, 6);
        Assert.Equal(0.5, input.MaxRelativeError, 6);
    }

    [Fact]
    public void Fails_on_the_right_input_among_several()
    {
        var a = Variable.Parameter([1.0, 2.0]);
        var b = Variable.Parameter([0.5, 3.0, -1.0], [3, 1]);

        // a enters correctly; b through the broken square.
        var report = GradCheck.Run(v => v[0] * (v[1].Detach() * v[1]), a, b);

        Assert.False(report.Passed);
        Assert.True(report.Inputs[0].Passed, report.ToString());
        Assert.False(report.Inputs[1].Passed);
        Assert.Equal(1, report.Inputs[1].Input);
        Assert.Equal(1, report.Inputs[1].WorstIndex);   // b = 3 has the largest error, |a|·|b|
        Assert.Equal(new Shape(3, 2), report.OutputShape);
        Assert.Equal(3, report.Inputs[1].WorstOutputIndex);   // output [1, 1] = a[1]·b[1]²
    }

    [Fact]
    public void Fails_in_fast_mode_on_a_wrong_gradient()
    {
        var x = Variable.Parameter([0.5, -2.0, 1.0]);

        var report = GradCheck.Run(BrokenSquare, [x], s_fast);

        Assert.False(report.Passed);
        Assert.False(report.Inputs[0].Passed);
        Assert.Equal(-1, report.Inputs[0].WorstIndex);
        Assert.Contains("random projection", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Detects_a_wrong_second_derivative_when_the_first_is_right()
    {
        var x = Variable.Parameter([0.5, -2.0, 1.0]);

        var firstOnly = GradCheck.Run(v => BrokenSecondOrder(v).Sum(), x);
        var full = GradCheck.Run(v => BrokenSecondOrder(v).Sum(), [x], new GradCheckOptions { CheckSecondOrder = true });
        var fast = GradCheck.Run(v => BrokenSecondOrder(v).Sum(), [x], new GradCheckOptions { CheckSecondOrder = true, Mode = GradCheckMode.Fast });

        Assert.True(firstOnly.Passed, firstOnly.ToString());
        Assert.False(full.Passed);
        Assert.All(full.Inputs, r => Assert.True(r.Passed));
        var second = Assert.Single(full.SecondOrder);
        Assert.False(second.Passed);
        Assert.Equal(0, second.GradientOf);
        Assert.Equal(0.0, second.Analytic);
        Assert.InRange(Math.Abs(second.Numeric), 1.0, 3.0);   // 2·|w| with the seeded weight |w| in [0.5, 1.5]
        Assert.Equal(second.WorstIndex, second.WorstOutputIndex);
        Assert.False(fast.Passed);
        Assert.Contains("Second order", full.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_non_finite_values_as_a_failure()
    {
        var x = Variable.Parameter([1.0, 0.0]);

        var report = GradCheck.Run(v => v[0].Sqrt(), x);

        Assert.False(report.Passed);
        var input = report.Inputs[0];
        Assert.NotNull(input.Problem);
        Assert.Contains("non-finite", input.Problem, StringComparison.Ordinal);
        Assert.Equal(1, input.WorstIndex);
        Assert.Contains("non-finite", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowIfFailed_throws_with_the_report_and_is_silent_on_success()
    {
        var x = Variable.Parameter([0.5, -2.0, 1.0]);

        var failed = GradCheck.Run(BrokenSquare, x);
        var passed = GradCheck.Run(v => v[0].Square(), x);

        var e = Assert.Throws<GradCheckException>(failed.ThrowIfFailed);
        Assert.Same(failed, e.Report);
        Assert.Equal(failed.ToString(), e.Message);
        Assert.Contains("FAILED", e.Message, StringComparison.Ordinal);
        Assert.Contains("input 0 [3]: FAILED at element [1] (output [1])", e.Message, StringComparison.Ordinal);
        passed.ThrowIfFailed();
    }

    [Fact]
    public void Rejects_bad_arguments_with_clear_messages()
    {
        var x = Variable.Parameter([1.0]);

        var noFunction = Assert.Throws<ArgumentException>(() => GradCheck.Run(null!, x));
        var noInputs = Assert.Throws<ArgumentException>(() => GradCheck.Run(v => v[0]));
        var nullInputs = Assert.Throws<ArgumentException>(() => GradCheck.Run(v => v[0], (Variable<double>[])null!));
        var nullResult = Assert.Throws<ArgumentException>(() => GradCheck.Run(v => null!, x));
        var badStep = Assert.Throws<ArgumentException>(() => GradCheck.Run(v => v[0], [x], new GradCheckOptions { Step = 0 }));
        var shapeChange = Assert.Throws<ArgumentException>(() => GradCheck.Run(v => v[0].ToScalar() > 1.0 ? v[0] : v[0].Reshape(1, 1), x));

        Assert.Contains("function is null", noFunction.Message, StringComparison.Ordinal);
        Assert.Contains("no inputs", noInputs.Message, StringComparison.Ordinal);
        Assert.Contains("no inputs", nullInputs.Message, StringComparison.Ordinal);
        Assert.Contains("returned null", nullResult.Message, StringComparison.Ordinal);
        Assert.Contains("step", badStep.Message, StringComparison.Ordinal);
        Assert.Contains("shape", shapeChange.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaves_the_callers_inputs_untouched()
    {
        var x = Variable.Parameter([0.5, -2.0, 1.0]);
        var c = Variable.Constant([1.5, 2.5]);
        var options = new GradCheckOptions { CheckSecondOrder = true };

        var report = GradCheck.Run(v => (v[0].Sum() * v[1]).Exp(), [x, c], options);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal([0.5, -2.0, 1.0], x.ToArray());
        Assert.Equal([1.5, 2.5], c.ToArray());
        Assert.Null(x.Grad);
        Assert.Null(c.Grad);
        Assert.False(c.RequiresGrad);
    }

    [Fact]
    public void Works_inside_a_no_grad_scope_of_the_caller()
    {
        var x = Variable.Parameter([0.5, -2.0]);

        GradCheckReport report;
        using (Variable.NoGrad())
        {
            report = GradCheck.Run(v => v[0].Exp().Sum(), x);
        }

        Assert.True(report.Passed, report.ToString());
        Assert.True(report.Inputs[0].MaxAbsoluteError < 1e-8);
    }

    [Fact]
    public void Is_deterministic_for_a_seed()
    {
        var x = Variable.Parameter([0.5, -2.0, 1.0]);
        var options = new GradCheckOptions { Mode = GradCheckMode.Fast, Seed = 7 };

        var first = GradCheck.Run(BrokenSquare, [x], options);
        var second = GradCheck.Run(BrokenSquare, [x], options);
        var other = GradCheck.Run(BrokenSquare, [x], options with { Seed = 8 });

        Assert.Equal(first.Inputs[0], second.Inputs[0]);
        Assert.NotEqual(first.Inputs[0].Analytic, other.Inputs[0].Analytic);
    }
}
