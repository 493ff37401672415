using AutoGrad;
using AutoGrad.Tests.TestUtilities;

namespace AutoGrad.Tests.Ops;

/// <summary>
/// Gathering and cumulative ops against PyTorch (Fixtures/generate_indexing_cumulative.py → indexing_cumulative.json),
/// 1e-9 relative in double. ArgMax/ArgMin positions are compared as recorded integers (exactly, as doubles).
/// </summary>
public class TorchIndexingCumulativeTests : TorchFixtureTests<TorchIndexingCumulativeTests>, ITorchFixture
{
    public static string File => "indexing_cumulative.json";

    public static IReadOnlyDictionary<string, Func<Variable<double>[], Indices[], Variable<double>>> Ops { get; } = new Dictionary<string, Func<Variable<double>[], Indices[], Variable<double>>>
    {
        ["index_select_axis0"] = (x, i) => x[0].IndexSelect(0, i[0]),
        ["index_select_axis_last_3d"] = (x, i) => x[0].IndexSelect(-1, i[0]),
        ["index_select_middle_axis"] = (x, i) => x[0].IndexSelect(1, i[0]),
        ["index_select_size_one"] = (x, i) => x[0].IndexSelect(0, i[0]),
        ["index_select_empty_index"] = (x, i) => x[0].IndexSelect(0, i[0]),
        ["gather_axis0"] = (x, i) => x[0].Gather(0, i[0]),
        ["gather_axis1_smaller_index"] = (x, i) => x[0].Gather(1, i[0]),
        ["gather_3d_axis1"] = (x, i) => x[0].Gather(1, i[0]),
        ["gather_3d_axis_last"] = (x, i) => x[0].Gather(-1, i[0]),
        ["gather_empty_index"] = (x, i) => x[0].Gather(1, i[0]),
        ["scatter_add_axis0"] = (x, i) => x[0].ScatterAdd(0, i[0], x[1]),
        ["scatter_add_axis1_larger_source"] = (x, i) => x[0].ScatterAdd(1, i[0], x[1]),
        ["scatter_add_3d_axis_last"] = (x, i) => x[0].ScatterAdd(-1, i[0], x[1]),
        ["masked_select"] = (x, i) => x[0].MaskedSelect(Mask(i[0])),
        ["masked_select_broadcast_mask"] = (x, i) => x[0].MaskedSelect(Mask(i[0])),
        ["masked_select_broadcast_input"] = (x, i) => x[0].MaskedSelect(Mask(i[0])),
        ["masked_select_none"] = (x, i) => x[0].MaskedSelect(Mask(i[0])),
        ["one_hot"] = (_, i) => Variable.OneHot<double>(i[0], 4),
        ["one_hot_vector"] = (_, i) => Variable.OneHot<double>(i[0], 3),
        ["cumsum_axis0"] = (x, _) => x[0].CumSum(0),
        ["cumsum_axis_last_3d"] = (x, _) => x[0].CumSum(-1),
        ["cumsum_middle_axis_large"] = (x, _) => x[0].CumSum(1),
        ["cumsum_size_one"] = (x, _) => x[0].CumSum(0),
        ["cumsum_empty"] = (x, _) => x[0].CumSum(1),
        ["flip_axis0"] = (x, _) => x[0].Flip(0),
        ["flip_axis_last_3d"] = (x, _) => x[0].Flip(-1),
        ["prod_all"] = (x, _) => x[0].Prod(),
        ["prod_all_3d"] = (x, _) => x[0].Prod(),
        ["prod_axis1"] = (x, _) => x[0].Prod(1),
        ["prod_axis0_keepdim"] = (x, _) => x[0].Prod(0, keepDims: true),
        ["prod_axis_last_3d"] = (x, _) => x[0].Prod(-1),
        ["prod_one_zero"] = (x, _) => x[0].Prod(),
        ["prod_zeros_along_axis"] = (x, _) => x[0].Prod(1),
        ["prod_size_one"] = (x, _) => x[0].Prod(0),
        ["prod_empty"] = (x, _) => x[0].Prod(),
        ["prod_empty_axis"] = (x, _) => x[0].Prod(1),
        ["prod_large"] = (x, _) => x[0].Prod(),
        ["argmax_flat_ties"] = (x, _) => Position(x[0].ArgMax()),
        ["argmin_flat_ties"] = (x, _) => Position(x[0].ArgMin()),
        ["argmax_axis1"] = (x, _) => Positions(x[0].ArgMax(1)),
        ["argmax_axis0_keepdim"] = (x, _) => Positions(x[0].ArgMax(0, keepDims: true)),
        ["argmin_axis_last_3d"] = (x, _) => Positions(x[0].ArgMin(-1)),
        ["argmin_axis1_keepdim"] = (x, _) => Positions(x[0].ArgMin(1, keepDims: true)),
        ["argmax_nan"] = (x, _) => Position(WithNaN(x[0]).ArgMax()),
        ["argmin_nan"] = (x, _) => Position(WithNaN(x[0]).ArgMin()),
        ["argmax_nan_axis1"] = (x, _) => Positions(WithNaN(x[0]).ArgMax(1)),
    };


    /// <summary>A mask recorded as 0/1 integers, as the float mask MaskedSelect takes.</summary>
    private static Variable<double> Mask(Indices mask) => Variable.Constant(mask.ToArray().Select(v => (double)v).ToArray(), mask.Shape);

    private static Variable<double> Position(int position) => Variable.Constant((double)position);

    private static Variable<double> Positions(Indices positions) => Mask(positions);

    /// <summary>JSON has no NaN: the generator puts NaN where x &gt; 1 inside the op, and so does this.</summary>
    private static Variable<double> WithNaN(Variable<double> x) => Variable.Where(x > 1.0, double.NaN, x);
}
