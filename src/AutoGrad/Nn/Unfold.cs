namespace AutoGrad;

// Derivatives (g = the window geometry: kernel, stride, zero padding, dilation; see WindowGeometry):
//
//   Unfold(x, g)         x: Fold(grad, g)           (scatter-add of each column entry back to the pixel it came from)
//   Fold(columns, g)     columns: Unfold(grad, g)
//
// Unfold (im2col) is linear, and Fold (col2im) is its adjoint, so each is the other's derivative and gradients of
// every order work. Entries read from the padding are constants: Fold drops them, Unfold writes 0 there.
public sealed partial class Variable<T>
{
    private sealed class UnfoldNode(Variable<T> x, WindowGeometry geometry) : Node([x])
    {
        public override string Name => "Unfold";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = Fold(grad, geometry);
    }

    private sealed class FoldNode(Variable<T> columns, WindowGeometry geometry) : Node([columns])
    {
        public override string Name => "Fold";

        public override void Backward(Variable<T> grad, Span<Variable<T>?> inputGrads) => inputGrads[0] = Unfold(grad, geometry);
    }

    /// <summary>
    /// im2col (torch.nn.functional.unfold): the sliding windows of an image [B, C, H, W] as the columns of
    /// [B, C·kH·kW, oH·oW]; row (c·kH + i)·kW + j holds kernel element (i, j) of channel c, zero where it falls in the padding.
    /// The caller has validated the geometry against the shape.
    /// </summary>
    internal static Variable<T> Unfold(Variable<T> x, WindowGeometry geometry)
    {
        var batch = x._shape[0];
        var shape = new Shape(batch, geometry.Rows, geometry.Positions);
        var data = NewZeroedBuffer(shape.ElementCount);
        geometry.Unfold<T>(x.Data, data, batch);
        return Result(data, shape, ShouldRecord(x) ? new UnfoldNode(x, geometry) : null);
    }

    /// <summary>
    /// col2im (torch.nn.functional.fold): sums the columns [B, C·kH·kW, oH·oW] back into an image [B, C, H, W], each entry
    /// added to the pixel <see cref="Unfold"/> read it from; entries that fall in the padding are dropped.
    /// </summary>
    internal static Variable<T> Fold(Variable<T> columns, WindowGeometry geometry)
    {
        var batch = columns._shape[0];
        var shape = new Shape(batch, geometry.Channels, geometry.Height, geometry.Width);
        var data = NewZeroedBuffer(shape.ElementCount);
        geometry.Fold<T>(columns.Data, data, batch);
        return Result(data, shape, ShouldRecord(columns) ? new FoldNode(columns, geometry) : null);
    }
}
