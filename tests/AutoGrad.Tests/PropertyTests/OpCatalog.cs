using System.Numerics;
using System.Reflection;
using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

/// <summary>One op under test: how to apply it, and the inputs it accepts.</summary>
/// <param name="Name">The row's name (unique).</param>
/// <param name="Apply">The op applied to its arguments.</param>
/// <param name="Domains">One value domain per argument (arity = its length).</param>
public sealed record OpRow<T>(string Name, Func<Variable<T>[], Variable<T>> Apply, params Domain[] Domains)
    where T : IFloatingPointIeee754<T>
{
    /// <summary>The number of arguments.</summary>
    public int Arity => Domains.Length;

    /// <summary>Arguments are drawn as broadcast-compatible shape pairs rather than one shared shape.</summary>
    public bool Broadcasts { get; init; }

    /// <summary>The smallest rank the op accepts (an axis or an index needs rank ≥ 1).</summary>
    public int MinRank { get; init; }

    /// <summary>
    /// Input shapes for ops whose arguments must have related shapes (MatMul's inner dimensions, an index within
    /// bounds); when null, arguments share one shape of rank ≥ <see cref="MinRank"/> or, with
    /// <see cref="Broadcasts"/>, form a broadcast-compatible pair. The generator receives the largest dimension to use.
    /// </summary>
    public Func<int, Gen<Shape[]>>? Shapes { get; init; }

    /// <summary>Allowed float/double disagreement, relative to 1 + |double value|.</summary>
    public double FloatTolerance { get; init; } = 1e-4;

    public override string ToString() => Name;
}

/// <summary>
/// The op catalogue (PyTorch's OpInfo, JAX's grad_test_spec): one row per op, with its input domains, so that
/// every generic property (PropertyTests/OpCatalogProperties.cs) covers every op. A new op is one row. Rows live
/// beside their op family in partial files (OpCatalog.&lt;Family&gt;.cs), each a static property whose name ends
/// in "Rows"; <see cref="Rows"/> collects them all.
/// Written once over <typeparamref name="T"/>: <c>OpCatalog&lt;double&gt;</c> and <c>OpCatalog&lt;float&gt;</c>
/// are the same rows, which is what the float/double agreement property compares.
/// </summary>
public static partial class OpCatalog<T>
    where T : IFloatingPointIeee754<T>
{
    private static readonly Domain s_any = Domain.Any;
    private static readonly Domain s_positive = Domain.Positive;
    private static readonly Domain s_awayFromKinks = Domain.AwayFromKinks;

    // Lazy: static initializers in different partial files run in no defined order, so the family lists are read
    // only after all of them have been initialized.
    private static readonly Lazy<OpRow<T>[]> s_rows = new(() => typeof(OpCatalog<T>)
        .GetProperties(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
        .Where(p => p.Name.EndsWith("Rows", StringComparison.Ordinal) && p.Name != nameof(Rows))
        .OrderBy(p => p.Name, StringComparer.Ordinal)
        .SelectMany(p => (IReadOnlyList<OpRow<T>>)p.GetValue(null)!)
        .ToArray());

    /// <summary>Every row of every family file.</summary>
    public static IReadOnlyList<OpRow<T>> Rows => s_rows.Value;

    private static IReadOnlyList<OpRow<T>> CoreRows { get; } =
    [
        // Arithmetic (Ops/Arithmetic.cs)
        new("Negate", x => -x[0], s_any),
        new("Add", x => x[0] + x[1], s_any, s_any) { Broadcasts = true },
        new("Subtract", x => x[0] - x[1], s_any, s_any) { Broadcasts = true },
        new("Multiply", x => x[0] * x[1], s_any, s_any) { Broadcasts = true },
        new("Divide", x => x[0] / x[1], s_any, s_awayFromKinks) { Broadcasts = true },
        new("ScalarOperands", x => ((C(2) - x[0]) * C(3)) + (C(1) / (x[0].Square() + C(1))) - (x[0] / C(4)) + C(0.5), s_any),
        new("PowTensor", x => x[0].Pow(x[1]), s_positive, s_any) { Broadcasts = true },

        // Elementwise (Ops/Elementwise.cs)
        new("Square", x => x[0].Square(), s_any),
        new("Sqrt", x => x[0].Sqrt(), s_positive),
        new("Reciprocal", x => x[0].Reciprocal(), s_awayFromKinks),
        new("Pow(3)", x => x[0].Pow(C(3)), s_any),
        new("Pow(2.5)", x => x[0].Pow(C(2.5)), s_positive),
        new("Pow(-1.5)", x => x[0].Pow(C(-1.5)), s_positive),
        new("Exp", x => x[0].Exp(), s_any),
        new("Log", x => x[0].Log(), s_positive),
        new("Abs", x => x[0].Abs(), s_awayFromKinks),
        new("Sin", x => x[0].Sin(), s_any),
        new("Cos", x => x[0].Cos(), s_any),
        new("Tan", x => x[0].Tan(), Domain.Range(-1.2, 1.2)),
        new("Tanh", x => x[0].Tanh(), s_any),
        new("Sigmoid", x => x[0].Sigmoid(), s_any),
        new("Relu", x => x[0].Relu(), s_awayFromKinks),
        new("LeakyRelu", x => x[0].LeakyRelu(0.1), s_awayFromKinks),
        new("Elu", x => x[0].Elu(1.5), s_awayFromKinks),
        new("Softplus", x => x[0].Softplus(), s_any),
        new("Erf", x => x[0].Erf(), s_any),
        new("Gelu", x => x[0].Gelu(), s_any),
        new("NormalCdf", x => x[0].NormalCdf(), s_any),
        new("Clamp", x => x[0].Clamp(C(-1.4142), C(1.4142)), s_any),
        new("ClampMin", x => x[0].ClampMin(C(0.5477)), s_any),
        new("ClampMax", x => x[0].ClampMax(C(-0.5477)), s_any),

        // Selection (Ops/Selection.cs)
        new("Maximum", x => x[0].Maximum(x[1] + C(TieBreak)), s_any, s_any) { Broadcasts = true },
        new("Minimum", x => x[0].Minimum(x[1] + C(TieBreak)), s_any, s_any) { Broadcasts = true },
        new("Where", x => Variable.Where(x[0] > T.Zero, x[0].Sin(), x[1].Exp()), s_awayFromKinks, s_any) { Broadcasts = true },

        // Reductions (Ops/Reductions.cs)
        new("Sum", x => x[0].Sum(), s_any),
        new("Sum(axis=0)", x => x[0].Sum(0), s_any) { MinRank = 1 },
        new("Sum(axis=-1,keepDims)", x => x[0].Sum(-1, keepDims: true), s_any) { MinRank = 1 },
        new("Mean", x => x[0].Mean(), s_any),
        new("Mean(axis=-1)", x => x[0].Mean(-1), s_any) { MinRank = 1 },
        new("Max", x => Distinct(x[0]).Max(), s_any),
        new("Max(axis=0,keepDims)", x => Distinct(x[0]).Max(0, keepDims: true), s_any) { MinRank = 1 },
        new("Min", x => Distinct(x[0]).Min(), s_any),
        new("Min(axis=-1)", x => Distinct(x[0]).Min(-1), s_any) { MinRank = 1 },
        new("LogSumExp", x => x[0].LogSumExp(), s_any),
        new("LogSumExp(axis=0)", x => x[0].LogSumExp(0), s_any) { MinRank = 1 },

        // Shapes and indexing (Ops/Shapes.cs, Ops/Indexing.cs)
        new("Reshape", x => x[0].Reshape(-1), s_any),
        new("BroadcastTo", x => x[0].BroadcastTo([2, .. x[0].Shape]), s_any),
        new("SumTo", x => x[0].SumTo(x[0].Rank == 0 ? Shape.Scalar : [1, .. x[0].Shape.ToArray()[1..]]), s_any),
        new("Index", x => x[0][0], s_any) { MinRank = 1 },
        new("IndexLast", x => x[0][^1], s_any) { MinRank = 1 },
        new("SliceStep", x => x[0][TensorIndex.Slice(0.., step: 2)], s_any) { MinRank = 1 },
        new("SliceTwoAxes", x => x[0][.., 1..], s_any) { MinRank = 2 },
    ];

    /// <summary>
    /// Ties in Max/Min/Maximum/Minimum are kinks (pinned by KinkConventionTests, not differentiable), and the value
    /// generators favour exact zeros and tiny numbers, which tie, and in float underflow to ties. Maximum/Minimum
    /// therefore compare against the other operand shifted by an irrational-looking step; see also <see cref="Distinct"/>.
    /// </summary>
    private const double TieBreak = 0.0707;

    public static OpRow<T> Find(string name) => Rows.Single(r => r.Name == name);

    /// <summary>
    /// Maps element k of x into its own band, 0.01·x[k] + 0.1414·k: with x in [−3, 3] the bands are at least 0.08 apart,
    /// so no two elements can tie (or come within a finite-difference step of tying) in double or in float.
    /// </summary>
    internal static Variable<T> Distinct(Variable<T> x)
    {
        var n = x.Length;
        var offsets = new T[n];
        for (var k = 0; k < n; k++)
        {
            offsets[k] = C(0.1414 * k);
        }

        return (x * C(0.01)) + Variable.Constant(offsets, x.Shape);
    }

    internal static T C(double value) => T.CreateChecked(value);
}
