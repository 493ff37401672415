using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Ops;

/// <summary>
/// Dot, Outer, Trace, Norm and the shape ops (Flatten, Squeeze, Unsqueeze, Expand, Concat, Stack, Split, Pad) against
/// PyTorch (Fixtures/generate_linalg_shapes.py → linalg_shapes.json), 1e-9 relative in double, including PyTorch's
/// gradient of every norm at zero.
/// </summary>
public class TorchLinalgShapesTests : TorchFixtureTests<TorchLinalgShapesTests>, ITorchFixture
{
    public static string File => "linalg_shapes.json";

    public static IReadOnlyDictionary<string, Func<Variable<double>[], Indices[], Variable<double>>> Ops { get; } = new Dictionary<string, Func<Variable<double>[], Indices[], Variable<double>>>
    {
        ["dot"] = (x, _) => x[0].Dot(x[1]),
        ["dot_size_one"] = (x, _) => x[0].Dot(x[1]),
        ["dot_empty"] = (x, _) => x[0].Dot(x[1]),
        ["dot_large"] = (x, _) => x[0].Dot(x[1]),
        ["outer"] = (x, _) => x[0].Outer(x[1]),
        ["outer_size_one"] = (x, _) => x[0].Outer(x[1]),
        ["outer_empty"] = (x, _) => x[0].Outer(x[1]),
        ["trace_square"] = (x, _) => x[0].Trace(),
        ["trace_wide"] = (x, _) => x[0].Trace(),
        ["trace_tall"] = (x, _) => x[0].Trace(),
        ["trace_one"] = (x, _) => x[0].Trace(),
        ["trace_empty"] = (x, _) => x[0].Trace(),
        ["norm_l2"] = (x, _) => x[0].Norm(),
        ["norm_l1"] = (x, _) => x[0].Norm(1),
        ["norm_p3"] = (x, _) => x[0].Norm(3),
        ["norm_p1_5"] = (x, _) => x[0].Norm(1.5),
        ["norm_p4"] = (x, _) => x[0].Norm(4),
        ["norm_inf"] = (x, _) => x[0].Norm(double.PositiveInfinity),
        ["norm_l2_scalar"] = (x, _) => x[0].Norm(),
        ["norm_l2_size_one"] = (x, _) => x[0].Norm(),
        ["norm_l2_empty"] = (x, _) => x[0].Norm(),
        ["norm_l2_large"] = (x, _) => x[0].Norm(),
        ["norm_p3_large"] = (x, _) => x[0].Norm(3),
        ["norm_inf_large"] = (x, _) => x[0].Norm(double.PositiveInfinity),
        ["norm_inf_ties"] = (x, _) => x[0].Norm(double.PositiveInfinity),
        ["norm_l2_axis1"] = (x, _) => x[0].Norm(2, 1),
        ["norm_l1_axis0_keepdim"] = (x, _) => x[0].Norm(1, 0, keepDims: true),
        ["norm_p3_axis_last_keepdim"] = (x, _) => x[0].Norm(3, -1, keepDims: true),
        ["norm_p1_5_axis1"] = (x, _) => x[0].Norm(1.5, 1),
        ["norm_inf_axis0"] = (x, _) => x[0].Norm(double.PositiveInfinity, 0),
        ["norm_l2_axis_size_one"] = (x, _) => x[0].Norm(2, 0),
        ["norm_l2_axis_empty_result"] = (x, _) => x[0].Norm(2, 1),
        ["norm_l2_axis_empty_reduced"] = (x, _) => x[0].Norm(2, 0),
        ["norm_l1_at_zero"] = (x, _) => x[0].Norm(1),
        ["norm_l1_axis_at_zero"] = (x, _) => x[0].Norm(1, 1),
        ["norm_l1_element_at_zero"] = (x, _) => x[0].Norm(1),
        ["norm_l2_at_zero"] = (x, _) => x[0].Norm(2),
        ["norm_l2_axis_at_zero"] = (x, _) => x[0].Norm(2, 1),
        ["norm_l2_element_at_zero"] = (x, _) => x[0].Norm(2),
        ["norm_p3_at_zero"] = (x, _) => x[0].Norm(3),
        ["norm_p3_axis_at_zero"] = (x, _) => x[0].Norm(3, 1),
        ["norm_p3_element_at_zero"] = (x, _) => x[0].Norm(3),
        ["norm_p1_5_at_zero"] = (x, _) => x[0].Norm(1.5),
        ["norm_p1_5_axis_at_zero"] = (x, _) => x[0].Norm(1.5, 1),
        ["norm_p1_5_element_at_zero"] = (x, _) => x[0].Norm(1.5),
        ["norm_inf_at_zero"] = (x, _) => x[0].Norm(double.PositiveInfinity),
        ["norm_inf_axis_at_zero"] = (x, _) => x[0].Norm(double.PositiveInfinity, 1),
        ["norm_inf_element_at_zero"] = (x, _) => x[0].Norm(double.PositiveInfinity),
        ["flatten"] = (x, _) => x[0].Flatten(),
        ["flatten_middle"] = (x, _) => x[0].Flatten(1, 2),
        ["flatten_last_two"] = (x, _) => x[0].Flatten(-2, -1),
        ["flatten_scalar"] = (x, _) => x[0].Flatten(),
        ["flatten_empty"] = (x, _) => x[0].Flatten(0, 1),
        ["squeeze"] = (x, _) => x[0].Squeeze(),
        ["squeeze_to_scalar"] = (x, _) => x[0].Squeeze(),
        ["squeeze_axis"] = (x, _) => x[0].Squeeze(1),
        ["squeeze_axis_last"] = (x, _) => x[0].Squeeze(-1),
        ["unsqueeze_first"] = (x, _) => x[0].Unsqueeze(0),
        ["unsqueeze_middle"] = (x, _) => x[0].Unsqueeze(1),
        ["unsqueeze_last"] = (x, _) => x[0].Unsqueeze(-1),
        ["unsqueeze_scalar"] = (x, _) => x[0].Unsqueeze(0),
        ["expand"] = (x, _) => x[0].Expand(2, -1, 4),
        ["expand_keep_all"] = (x, _) => x[0].Expand(-1, -1),
        ["expand_scalar"] = (x, _) => x[0].Expand(2, 3),
        ["expand_to_empty"] = (x, _) => x[0].Expand(0, 3),
        ["concat_axis0"] = (x, _) => Variable.Concat(x, 0),
        ["concat_axis1"] = (x, _) => Variable.Concat(x, 1),
        ["concat_axis_last"] = (x, _) => Variable.Concat(x, -1),
        ["concat_with_empty"] = (x, _) => Variable.Concat(x, 1),
        ["concat_vectors"] = (x, _) => Variable.Concat(x),
        ["concat_same_input"] = (x, _) => Variable.Concat([x[0], x[0] * 2, x[0]], 0),
        ["stack_axis0"] = (x, _) => Variable.Stack(x, 0),
        ["stack_axis1"] = (x, _) => Variable.Stack(x, 1),
        ["stack_axis_last"] = (x, _) => Variable.Stack(x, -1),
        ["stack_scalars"] = (x, _) => Variable.Stack(x),
        ["stack_empty"] = (x, _) => Variable.Stack(x, 1),
        ["split_size"] = (x, _) => Weighted(x[0].Split(2, 0), 0),
        ["split_size_exact"] = (x, _) => Weighted(x[0].Split(2, 1), 1),
        ["split_size_larger"] = (x, _) => Weighted(x[0].Split(7, -1), -1),
        ["split_sizes"] = (x, _) => Weighted(x[0].Split([1, 0, 3], 0), 0),
        ["split_sizes_last"] = (x, _) => Weighted(x[0].Split([2, 2], -1), -1),
        ["pad_last"] = (x, _) => x[0].Pad([1, 2]),
        ["pad_two_axes_value"] = (x, _) => x[0].Pad([1, 2, 0, 1], 5.0),
        ["pad_three_axes"] = (x, _) => x[0].Pad([1, 1, 2, 0, 0, 1]),
        ["pad_zero_pair"] = (x, _) => x[0].Pad([0, 0, 1, 0], -1.5),
        ["pad_vector"] = (x, _) => x[0].Pad([3, 0]),
        ["pad_empty"] = (x, _) => x[0].Pad([1, 1, 1, 1], 2.0),
    };


    /// <summary>Joins Split's chunks back with chunk i scaled by i + 1, as the generator does, so each chunk's gradient is compared.</summary>
    private static Variable<double> Weighted(Variable<double>[] chunks, int axis) =>
        Variable.Concat(chunks.Select((c, i) => c * (i + 1.0)).ToArray(), axis);
}
