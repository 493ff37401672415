namespace AutoGrad;

/// <summary>
/// Copies of the parameters at two points, so a run that diverges can go back: the point where the current step
/// started, and the last point whose loss was finite. Buffers are allocated once and swapped, never reallocated.
/// </summary>
internal sealed class ParameterSnapshot
{
    private readonly IReadOnlyList<IVariable> _parameters;
    private Array[] _pending;
    private Array[] _lastFinite;

    public ParameterSnapshot(IReadOnlyList<IVariable> parameters)
    {
        _parameters = parameters;
        _pending = Allocate(parameters);
        _lastFinite = Allocate(parameters);
    }

    /// <summary>Whether some captured point was confirmed to have a finite loss.</summary>
    public bool HasLastFinite { get; private set; }

    /// <summary>Copies the parameters' current values (the point where a step starts).</summary>
    public void Capture()
    {
        for (var i = 0; i < _parameters.Count; i++)
        {
            switch (_parameters[i])
            {
                case Variable<double> d:
                    d.Data.CopyTo((double[])_pending[i], 0);
                    break;
                case Variable<float> f:
                    f.Data.CopyTo((float[])_pending[i], 0);
                    break;
            }
        }
    }

    /// <summary>The captured point's loss was finite: it becomes the point to go back to.</summary>
    public void CommitFinite()
    {
        (_pending, _lastFinite) = (_lastFinite, _pending);
        HasLastFinite = true;
    }

    /// <summary>Writes the last point with a finite loss back into the parameters (or, if there is none, the last captured point).</summary>
    public void RestoreLastFinite()
    {
        var source = HasLastFinite ? _lastFinite : _pending;
        for (var i = 0; i < _parameters.Count; i++)
        {
            switch (_parameters[i])
            {
                case Variable<double> d:
                    ((double[])source[i]).CopyTo(d.Data, 0);
                    break;
                case Variable<float> f:
                    ((float[])source[i]).CopyTo(f.Data, 0);
                    break;
            }
        }
    }

    private static Array[] Allocate(IReadOnlyList<IVariable> parameters) =>
        parameters.Select(p => p switch
        {
            Variable<double> d => (Array)new double[d.Length],
            Variable<float> f => new float[f.Length],
            _ => throw new ArgumentException($"Minimize: parameters must be Variable<double> or Variable<float>; got element type {p.ElementType.Name}."),
        }).ToArray();
}
