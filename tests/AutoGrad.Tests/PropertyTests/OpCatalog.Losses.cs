using AutoGrad.Testing;
using CsCheck;

namespace AutoGrad.Tests.PropertyTests;

public static partial class OpCatalog<T>
{
    /// <summary>
    /// Logits shapes of every class-target layout: [C] (one sample, scalar target), [N, C] and [N, C, d]; with
    /// <paramref name="sameShapeTarget"/> a second input of the logits' shape (probability targets), with
    /// <paramref name="classWeight"/> a last input of shape [C] (per-class weights, differentiated too).
    /// </summary>
    private static Func<int, Gen<Shape[]>> ClassShapes(bool sameShapeTarget = false, bool classWeight = false) => maxDimension =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[1, maxDimension], Gen.Int[1, maxDimension], Gen.Int[1, maxDimension]).Select(t =>
        {
            var (kind, n, c, d) = t;
            Shape logits = kind switch
            {
                0 => [c],
                1 => [n, c],
                _ => [n, c, d],
            };
            var shapes = new List<Shape> { logits };
            if (sameShapeTarget)
            {
                shapes.Add(logits);
            }

            if (classWeight)
            {
                shapes.Add([c]);
            }

            return shapes.ToArray();
        });

    /// <summary>Shapes [N, C] for logits and targets, with a positive weight [C] broadcast along the last axis.</summary>
    private static Gen<Shape[]> LastAxisWeightShapes(int maxDimension) =>
        Gen.Select(Gen.Int[1, maxDimension], Gen.Int[1, maxDimension]).Select(t => new Shape[] { [t.Item1, t.Item2], [t.Item1, t.Item2], [t.Item2] });

    /// <summary>
    /// Class targets for logits of shape <paramref name="logits"/>, deterministic in the shape; with
    /// <paramref name="ignore"/> every third sample (never the first) is <paramref name="ignore"/>'s index.
    /// </summary>
    private static Indices ClassTargets(Shape logits, int? ignore = null)
    {
        var classes = logits.Rank == 1 ? logits[0] : logits[1];
        Shape samples = logits.Rank == 1 ? Shape.Scalar : [logits[0], .. logits.ToArray()[2..]];
        var values = new int[samples.ElementCount];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = ignore is { } i && k % 3 == 1 ? i : ((k * 7) + 3) % classes;
        }

        return new Indices(values, samples);
    }

    /// <summary>Labels ±1 in an irregular pattern, deterministic in the shape.</summary>
    private static Variable<T> SignLabels(Shape shape)
    {
        var values = new T[shape.ElementCount];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = ((k * 7) + 3) % 5 < 2 ? -T.One : T.One;
        }

        return Variable.Constant(values, shape);
    }

    /// <summary>
    /// Scores whose hinge argument margin − y·f is −x, so a domain away from 0 keeps every element off the kink while
    /// both the active (x &lt; 0) and the inactive side are exercised.
    /// </summary>
    private static Variable<T> HingeScores(Variable<T> x, Variable<T> labels, double margin) => labels * (x + C(margin));

    /// <summary>
    /// Input − target differences u·δ plus offsets 0, +2δ or −2δ by position: u ∈ [−0.9, 0.9] puts each difference
    /// either in the quadratic part (|d| ≤ 0.9δ) or the linear part (|d| ≥ 1.1δ), never within 0.1δ of the switch.
    /// </summary>
    private static Variable<T> HuberDifference(Variable<T> u, double delta)
    {
        var offsets = new T[u.Length];
        for (var k = 0; k < offsets.Length; k++)
        {
            offsets[k] = C((k % 3) switch { 0 => 0.0, 1 => 2.0, _ => -2.0 });
        }

        return (u + Variable.Constant(offsets, u.Shape)) * C(delta);
    }

    private static readonly Domain s_huberUnit = Domain.Range(-0.9, 0.9);

    private static IReadOnlyList<OpRow<T>> LossRows { get; } =
    [
        // Regression losses: the target is differentiated too.
        new("MeanSquaredError", x => Loss.MeanSquaredError(x[0], x[1]), Domain.Any, Domain.Any),
        new("MeanSquaredError(Sum)", x => Loss.MeanSquaredError(x[0], x[1], Reduction.Sum), Domain.Any, Domain.Any),
        new("MeanSquaredError(None)", x => Loss.MeanSquaredError(x[0], x[1], Reduction.None), Domain.Any, Domain.Any),
        new("MeanAbsoluteError", x => Loss.MeanAbsoluteError(x[1] + x[0], x[1]), Domain.AwayFromKinks, Domain.Any),
        new("MeanAbsoluteError(Sum)", x => Loss.MeanAbsoluteError(x[1] + x[0], x[1], Reduction.Sum), Domain.AwayFromKinks, Domain.Any),
        new("MeanAbsoluteError(None)", x => Loss.MeanAbsoluteError(x[1] + x[0], x[1], Reduction.None), Domain.AwayFromKinks, Domain.Any),
        new("Huber", x => Loss.Huber(x[1] + HuberDifference(x[0], 1.0), x[1]), s_huberUnit, Domain.Any),
        new("Huber(delta=0.5,Sum)", x => Loss.Huber(x[1] + HuberDifference(x[0], 0.5), x[1], 0.5, Reduction.Sum), s_huberUnit, Domain.Any),
        new("Huber(delta=2,None)", x => Loss.Huber(x[1] + HuberDifference(x[0], 2.0), x[1], 2.0, Reduction.None), s_huberUnit, Domain.Any),

        // Cross entropy with class targets: [C] with a scalar target, [N, C], [N, C, d].
        new("CrossEntropy", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape)), Domain.Any) { Shapes = ClassShapes() },
        new("CrossEntropy(Sum)", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape), Reduction.Sum), Domain.Any) { Shapes = ClassShapes() },
        new("CrossEntropy(None)", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape), Reduction.None), Domain.Any) { Shapes = ClassShapes() },
        new("CrossEntropy(labelSmoothing)", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape), labelSmoothing: 0.2), Domain.Any) { Shapes = ClassShapes() },
        new("CrossEntropy(labelSmoothing,None)", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape), Reduction.None, labelSmoothing: 0.3), Domain.Any) { Shapes = ClassShapes() },
        new("CrossEntropy(ignoreIndex,Sum)", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape, ignore: -100), Reduction.Sum), Domain.Any) { Shapes = ClassShapes() },
        new("CrossEntropy(weight)", x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape), weight: x[1]), Domain.Any, Domain.Positive) { Shapes = ClassShapes(classWeight: true) },
        new(
            "CrossEntropy(weight,labelSmoothing,ignoreIndex)",
            x => Loss.CrossEntropy(x[0], ClassTargets(x[0].Shape, ignore: -5), labelSmoothing: 0.1, weight: x[1], ignoreIndex: -5),
            Domain.Any,
            Domain.Positive)
        { Shapes = ClassShapes(classWeight: true) },

        // Cross entropy with probability targets (differentiated too).
        new("CrossEntropy(probabilities)", x => Loss.CrossEntropy(x[0], x[1]), Domain.Any, Domain.UnitInterval) { Shapes = ClassShapes(sameShapeTarget: true) },
        new("CrossEntropy(probabilities,Sum)", x => Loss.CrossEntropy(x[0], x[1], Reduction.Sum), Domain.Any, Domain.UnitInterval) { Shapes = ClassShapes(sameShapeTarget: true) },
        new("CrossEntropy(probabilities,None)", x => Loss.CrossEntropy(x[0], x[1], Reduction.None), Domain.Any, Domain.UnitInterval) { Shapes = ClassShapes(sameShapeTarget: true) },
        new("CrossEntropy(probabilities,labelSmoothing)", x => Loss.CrossEntropy(x[0], x[1], labelSmoothing: 0.25), Domain.Any, Domain.UnitInterval) { Shapes = ClassShapes(sameShapeTarget: true) },
        new(
            "CrossEntropy(probabilities,weight)",
            x => Loss.CrossEntropy(x[0], x[1], weight: x[2]),
            Domain.Any,
            Domain.UnitInterval,
            Domain.Positive)
        { Shapes = ClassShapes(sameShapeTarget: true, classWeight: true) },

        // Negative log-likelihood of arbitrary (not necessarily normalized) log-probabilities.
        new("NegativeLogLikelihood", x => Loss.NegativeLogLikelihood(x[0], ClassTargets(x[0].Shape)), Domain.Any) { Shapes = ClassShapes() },
        new("NegativeLogLikelihood(Sum)", x => Loss.NegativeLogLikelihood(x[0], ClassTargets(x[0].Shape), Reduction.Sum), Domain.Any) { Shapes = ClassShapes() },
        new("NegativeLogLikelihood(None)", x => Loss.NegativeLogLikelihood(x[0], ClassTargets(x[0].Shape), Reduction.None), Domain.Any) { Shapes = ClassShapes() },
        new(
            "NegativeLogLikelihood(weight,ignoreIndex)",
            x => Loss.NegativeLogLikelihood(x[0], ClassTargets(x[0].Shape, ignore: -1), weight: x[1], ignoreIndex: -1),
            Domain.Any,
            Domain.Positive)
        { Shapes = ClassShapes(classWeight: true) },

        // Binary cross entropy from logits (targets differentiated too).
        new("BinaryCrossEntropyWithLogits", x => Loss.BinaryCrossEntropyWithLogits(x[0], x[1]), Domain.Any, Domain.UnitInterval),
        new("BinaryCrossEntropyWithLogits(Sum)", x => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.Sum), Domain.Any, Domain.UnitInterval),
        new("BinaryCrossEntropyWithLogits(None)", x => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.None), Domain.Any, Domain.UnitInterval),
        new(
            "BinaryCrossEntropyWithLogits(positiveWeight)",
            x => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], positiveWeight: x[2]),
            Domain.Any,
            Domain.UnitInterval,
            Domain.Positive)
        { Shapes = LastAxisWeightShapes },
        new(
            "BinaryCrossEntropyWithLogits(weight,None)",
            x => Loss.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.None, weight: x[2]),
            Domain.Any,
            Domain.UnitInterval,
            Domain.Positive)
        { Shapes = LastAxisWeightShapes },

        // Hinge: labels ±1 built from the shape; the scores keep margin − y·f away from the kink.
        new("Hinge", x => Loss.Hinge(HingeScores(x[0], SignLabels(x[0].Shape), 1.0), SignLabels(x[0].Shape)), Domain.AwayFromKinks),
        new("Hinge(Sum)", x => Loss.Hinge(HingeScores(x[0], SignLabels(x[0].Shape), 1.0), SignLabels(x[0].Shape), Reduction.Sum), Domain.AwayFromKinks),
        new("Hinge(None)", x => Loss.Hinge(HingeScores(x[0], SignLabels(x[0].Shape), 1.0), SignLabels(x[0].Shape), Reduction.None), Domain.AwayFromKinks),
        new("Hinge(margin=0.5)", x => Loss.Hinge(HingeScores(x[0], SignLabels(x[0].Shape), 0.5), SignLabels(x[0].Shape), margin: 0.5), Domain.AwayFromKinks),

        // KL divergence: input log-probabilities (any values), target probabilities or log-probabilities.
        new("KLDivergence", x => Loss.KLDivergence(x[0], x[1]), Domain.Any, Domain.UnitInterval),
        new("KLDivergence(Sum)", x => Loss.KLDivergence(x[0], x[1], Reduction.Sum), Domain.Any, Domain.UnitInterval),
        new("KLDivergence(None)", x => Loss.KLDivergence(x[0], x[1], Reduction.None), Domain.Any, Domain.UnitInterval),
        new("KLDivergence(batchMean)", x => Loss.KLDivergence(x[0], x[1], batchMean: true), Domain.Any, Domain.UnitInterval),
        new("KLDivergence(logTarget)", x => Loss.KLDivergence(x[0], x[1], logTarget: true), Domain.Any, Domain.Any),
        new("KLDivergence(logTarget,None)", x => Loss.KLDivergence(x[0], x[1], Reduction.None, logTarget: true), Domain.Any, Domain.Any),
    ];
}
