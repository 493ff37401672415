namespace AutoGrad;

/// <summary>The last <c>window + 1</c> losses (a ring buffer), for the loss-change stopping rules.</summary>
internal sealed class LossWindow
{
    private readonly double[] _values;
    private int _count;
    private int _next;

    /// <param name="window">How many changes the rule spans: it compares <paramref name="window"/> + 1 losses.</param>
    public LossWindow(int window) => _values = new double[window + 1];

    /// <summary>The number of iterations (or epochs) the change is measured over.</summary>
    public int Size => _values.Length - 1;

    public void Add(double loss)
    {
        _values[_next] = loss;
        _next = (_next + 1) % _values.Length;
        _count = Math.Min(_count + 1, _values.Length);
    }

    /// <summary>max − min of the losses in the window, or null until the window is full.</summary>
    public double? Spread()
    {
        if (_count < _values.Length)
        {
            return null;
        }

        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var v in _values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return max - min;
    }

    /// <summary>The largest absolute loss in the window.</summary>
    public double MaxAbs()
    {
        var max = 0.0;
        foreach (var v in _values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
