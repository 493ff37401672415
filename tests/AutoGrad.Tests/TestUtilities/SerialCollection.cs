namespace AutoGrad.Tests.TestUtilities;

/// <summary>
/// Tests that measure the process's live heap, or allocate hundreds of megabytes, run alone so that
/// other tests' allocations neither disturb their measurements nor are disturbed by them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (heap-sensitive)";
}
