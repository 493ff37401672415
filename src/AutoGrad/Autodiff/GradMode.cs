namespace AutoGrad;

/// <summary>
/// Whether operations on the current thread are recorded for differentiation. Recording is on by
/// default; <see cref="Variable.NoGrad"/> turns it off for a scope.
/// </summary>
/// <remarks>The mode is per thread, so one thread's no-grad scope never affects another's graph.</remarks>
public static class GradMode
{
#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
    [ThreadStatic]
    private static bool t_disabled;
#pragma warning restore IDE1006

    /// <summary>Whether operations on this thread are currently recorded.</summary>
    public static bool IsEnabled => !t_disabled;

    /// <summary>Sets the mode for this thread and returns a scope that restores the previous one when disposed.</summary>
    /// <param name="enabled">Whether operations inside the scope are recorded.</param>
    /// <returns>The scope; dispose it (with <c>using</c>) to restore the previous mode.</returns>
    public static GradModeScope Set(bool enabled)
    {
        var previous = !t_disabled;
        Restore(enabled);
        return new GradModeScope(previous);
    }

    internal static void Restore(bool enabled)
    {
        t_disabled = !enabled;

        // The innermost step scope mirrors the mode, so a scalar op inside it tests one thread-static, not two.
        if (StepScope.Current is { } scope)
        {
            scope.Recording = enabled;
        }
    }
}

/// <summary>A scope that restores the previous <see cref="GradMode"/> of its thread when disposed.</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;

    internal GradModeScope(bool previous) => _previous = previous;

    /// <summary>Restores the mode that was in force when the scope was created.</summary>
    public void Dispose() => GradMode.Restore(_previous);
}
