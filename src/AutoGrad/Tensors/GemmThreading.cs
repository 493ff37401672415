using System.Numerics;
using System.Runtime.ExceptionServices;

namespace AutoGrad;

internal static unsafe partial class Gemm<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Runs the fixed parts of one split product on the calling thread and on thread-pool threads.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The calling thread queues one work item per extra part, then takes parts itself from a shared counter, as
    /// do the pool threads when they start; it waits only for parts another thread has already begun. So a busy
    /// (or starved) thread pool never stalls a product, and no thread can wait on a part nobody will run. Which
    /// thread computes a part has no effect on its result.
    /// </para>
    /// <para>
    /// Each thread keeps a few job objects and reuses one once every queued work item of its product has returned.
    /// A pool thread often starts only after the caller has finished every part itself (small products), so the job
    /// of the previous product is usually still in use, and on a busy two-core machine a pool thread may not get to
    /// its items for several products (a training step of the 784-256-256-10 MLP makes about nine; with four jobs in
    /// rotation it allocated 300 bytes of new jobs per step on average, and over a kilobyte in some runs). With
    /// <see cref="CacheSize"/> of them in rotation, products allocate nothing in steady state.
    /// </para>
    /// </remarks>
    private sealed class ParallelJob : IThreadPoolWorkItem
    {
        private const int CacheSize = 64;

#pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (the dotnet/runtime convention), not an s_ static.
        [ThreadStatic]
        private static ParallelJob?[]? t_cached;
#pragma warning restore IDE1006

        private readonly ManualResetEventSlim _done = new(false);
        private Problem _problem;
        private int _parts;
        private bool _splitColumns;
        private int _nextPart;
        private int _unfinishedParts;
        private int _queuedItems;
        private Exception? _error;

        public static void Run(in Problem problem, int parts, bool splitColumns)
        {
            var cache = t_cached ??= new ParallelJob?[CacheSize];
            ParallelJob? job = null;
            for (var i = 0; i < cache.Length && job is null; i++)
            {
                if (cache[i] is null)
                {
                    job = cache[i] = new ParallelJob();
                }
                else if (Volatile.Read(ref cache[i]!._queuedItems) == 0)
                {
                    job = cache[i];
                }
            }

            // Every cached job still has a queued item pending (a starved pool): use a new one, once.
            job ??= new ParallelJob();

            job._problem = problem;
            job._parts = parts;
            job._splitColumns = splitColumns;
            job._nextPart = 0;
            job._unfinishedParts = parts;
            job._error = null;
            job._done.Reset();
            job._queuedItems = parts - 1;
            for (var i = 1; i < parts; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);
            }

            job.RunParts();
            job._done.Wait();
            if (job._error is { } error)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }

        void IThreadPoolWorkItem.Execute()
        {
            RunParts();
            Interlocked.Decrement(ref _queuedItems);
        }

        private void RunParts()
        {
            int part;
            while ((part = Interlocked.Increment(ref _nextPart) - 1) < _parts)
            {
                try
                {
                    RunPart(_problem, _parts, _splitColumns, part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
                finally
                {
                    if (Interlocked.Decrement(ref _unfinishedParts) == 0)
                    {
                        _done.Set();
                    }
                }
            }
        }
    }
}
