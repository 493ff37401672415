namespace AutoGrad;

/// <summary>
/// NumPy/PyTorch broadcasting: shapes are aligned at their last axis, and each pair of dimensions
/// must be equal or contain a 1, which stretches to the other size.
/// </summary>
internal static class Broadcasting
{
    /// <summary>The shape two operands broadcast to.</summary>
    /// <exception cref="ArgumentException">The shapes are incompatible; the message names the operation and both shapes.</exception>
    public static Shape Shapes(Shape x, Shape y, string operation)
    {
        if (x == y)
        {
            return x;
        }

        // One operand already has the result's shape (a bias row added to a batch, a scalar): no new shape.
        if (CanBroadcastTo(y, x))
        {
            return x;
        }

        if (CanBroadcastTo(x, y))
        {
            return y;
        }

        var rank = Math.Max(x.Rank, y.Rank);
        Span<int> dims = stackalloc int[rank];
        for (var i = 0; i < rank; i++)
        {
            var dx = Dim(x, i, rank);
            var dy = Dim(y, i, rank);
            if (dx != dy && dx != 1 && dy != 1)
            {
                throw new ArgumentException(
                    $"{operation}: shapes {x} and {y} cannot be broadcast together: dimension {i - rank} is {dx} in the first and {dy} in the second (each pair must be equal or contain a 1).");
            }

            dims[i] = dx == 1 ? dy : dx;
        }

        return new Shape(dims);
    }

    /// <summary>The shape three operands broadcast to.</summary>
    public static Shape Shapes(Shape x, Shape y, Shape z, string operation)
    {
        try
        {
            return Shapes(Shapes(x, y, operation), z, operation);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{operation}: shapes {x}, {y} and {z} cannot be broadcast together (aligned at the last axis, each dimension must match or be 1).");
        }
    }

    /// <summary>Whether <paramref name="source"/> broadcasts to exactly <paramref name="target"/>.</summary>
    public static bool CanBroadcastTo(Shape source, Shape target)
    {
        if (source.Rank > target.Rank)
        {
            return false;
        }

        for (var i = 0; i < source.Rank; i++)
        {
            var ds = source[i];
            var dt = target[i + target.Rank - source.Rank];
            if (ds != dt && ds != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Dimension <paramref name="i"/> of <paramref name="s"/> after left-padding it with ones to <paramref name="rank"/>.</summary>
    public static int Dim(Shape s, int i, int rank)
    {
        var j = i - (rank - s.Rank);
        return j < 0 ? 1 : s.Dimensions[j];
    }
}

/// <summary>
/// An iteration plan over an output shape with one or more operands broadcast into it: dimensions of
/// size 1 are dropped and adjacent dimensions that are contiguous for every operand are merged, so the
/// innermost loop runs over the longest possible row and hands it to a vectorized kernel.
/// </summary>
internal sealed class BroadcastPlan
{
    private readonly int[] _outer;
    private readonly int[][] _outerStrides;
    private readonly int[] _index;
    private readonly int[] _offsets;

    private BroadcastPlan(int[] outer, int[][] outerStrides, int inner, int[] innerStrides, int rows)
    {
        _outer = outer;
        _outerStrides = outerStrides;
        Inner = inner;
        InnerStrides = innerStrides;
        Rows = rows;
        _index = new int[outer.Length];
        _offsets = new int[outerStrides.Length];
    }

    /// <summary>Length of each row.</summary>
    public int Inner { get; }

    /// <summary>Per operand, the stride along the row: 1 (contiguous) or 0 (broadcast scalar).</summary>
    public int[] InnerStrides { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Current row's start offset for operand <paramref name="operand"/>.</summary>
    public int Offset(int operand) => _offsets[operand];

    /// <summary>Advances to the next row.</summary>
    public void Next()
    {
        for (var d = _outer.Length - 1; d >= 0; d--)
        {
            _index[d]++;
            for (var k = 0; k < _offsets.Length; k++)
            {
                _offsets[k] += _outerStrides[k][d];
            }

            if (_index[d] < _outer[d])
            {
                return;
            }

            for (var k = 0; k < _offsets.Length; k++)
            {
                _offsets[k] -= _outerStrides[k][d] * _outer[d];
            }

            _index[d] = 0;
        }
    }

    /// <summary>
    /// Plans iteration over <paramref name="output"/> with each operand broadcast into it, positioned at the first row.
    /// </summary>
    /// <remarks>
    /// A training step broadcasts the same shapes every time, so the plans of the last few shape combinations are kept
    /// per thread and reused (rewound) instead of being rebuilt. A plan is used by one loop at a time on its thread,
    /// and no loop over a plan creates another, so handing out a cached plan never disturbs one in use.
    /// </remarks>
    public static BroadcastPlan Create(Shape output, params ReadOnlySpan<Shape> operands)
    {
        var cache = t_cache ??= new CacheEntry[CacheSize];
        for (var i = 0; i < cache.Length; i++)
        {
            if (cache[i] is { } entry && entry.Matches(output, operands))
            {
                entry.Plan.Rewind();
                return entry.Plan;
            }
        }

        var plan = Build(output, operands);
        cache[t_next] = new CacheEntry(output, operands.ToArray(), plan);
        t_next = (t_next + 1) % CacheSize;
        return plan;
    }

    /// <summary>Returns to the first row.</summary>
    private void Rewind()
    {
        Array.Clear(_index);
        Array.Clear(_offsets);
    }

    private const int CacheSize = 16;

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
    [ThreadStatic]
    private static CacheEntry?[]? t_cache;

    [ThreadStatic]
    private static int t_next;
#pragma warning restore IDE1006

    private sealed class CacheEntry(Shape output, Shape[] operands, BroadcastPlan plan)
    {
        public BroadcastPlan Plan { get; } = plan;

        public bool Matches(Shape o, ReadOnlySpan<Shape> ops)
        {
            if (ops.Length != operands.Length || o != output)
            {
                return false;
            }

            for (var k = 0; k < ops.Length; k++)
            {
                if (ops[k] != operands[k])
                {
                    return false;
                }
            }

            return true;
        }
    }

    private static BroadcastPlan Build(Shape output, ReadOnlySpan<Shape> operands)
    {
        var rank = output.Rank;
        var n = operands.Length;
        var dims = new List<int>(rank);
        var strides = new List<int>[n];
        for (var k = 0; k < n; k++)
        {
            strides[k] = new List<int>(rank);
        }

        // Row-major strides of each operand aligned to the output's rank; 0 where it is broadcast.
        var operandStrides = new int[n][];
        for (var k = 0; k < n; k++)
        {
            operandStrides[k] = new int[rank];
            var s = 1;
            for (var i = rank - 1; i >= 0; i--)
            {
                var d = Broadcasting.Dim(operands[k], i, rank);
                operandStrides[k][i] = d == 1 ? 0 : s;
                s *= d;
            }
        }

        for (var i = 0; i < rank; i++)
        {
            var size = output.Dimensions[i];
            if (size == 1)
            {
                continue;
            }

            var last = dims.Count - 1;
            var mergeable = last >= 0;
            for (var k = 0; k < n && mergeable; k++)
            {
                mergeable = strides[k][last] == operandStrides[k][i] * size;
            }

            if (mergeable)
            {
                dims[last] *= size;
                for (var k = 0; k < n; k++)
                {
                    strides[k][last] = operandStrides[k][i];
                }
            }
            else
            {
                dims.Add(size);
                for (var k = 0; k < n; k++)
                {
                    strides[k].Add(operandStrides[k][i]);
                }
            }
        }

        if (dims.Count == 0)
        {
            dims.Add(output.ElementCount == 0 ? 0 : 1);
            for (var k = 0; k < n; k++)
            {
                strides[k].Add(0);
            }
        }

        var innerIndex = dims.Count - 1;
        var inner = dims[innerIndex];
        var innerStrides = new int[n];
        var outerStrides = new int[n][];
        for (var k = 0; k < n; k++)
        {
            innerStrides[k] = strides[k][innerIndex];
            outerStrides[k] = strides[k].GetRange(0, innerIndex).ToArray();
        }

        var outer = dims.GetRange(0, innerIndex).ToArray();
        var rows = 1;
        foreach (var d in outer)
        {
            rows *= d;
        }

        return new BroadcastPlan(outer, outerStrides, inner, innerStrides, inner == 0 ? 0 : rows);
    }
}
