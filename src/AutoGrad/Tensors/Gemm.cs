using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad;

/// <summary>
/// Dense matrix multiply C = op(A)·op(B), or C += op(A)·op(B), for <see cref="float"/> and <see cref="double"/>,
/// where op is the identity or the transpose, expressed by the operands' strides (no transposed copy is made).
/// </summary>
/// <remarks>
/// <para>
/// The structure is Goto's (as in BLIS): five loops around a register-blocked micro-kernel.
/// </para>
/// <code>
/// for jc over n by Nc           B block  op(B)[pc:pc+kc, jc:jc+nc] packed into Nr-column panels (lives in L2/L3)
///   for pc over k by ~Kc        (k is split into equal blocks; the reduction is never split across threads)
///     for ic over m by Mc       A block  op(A)[ic:ic+mc, pc:pc+kc] packed into Mr-row panels   (lives in L2)
///       for jr over nc by Nr      one kc×Nr B micro-panel                                        (lives in L1)
///         for ir over mc by Mr      micro-kernel: an Mr×Nr tile of C in registers, kc rank-1 updates
/// </code>
/// <para>
/// Packing copies each block once into the order the micro-kernel reads it (contiguous, zero-padded to whole
/// panels), so the innermost loop streams two sequential buffers whatever the operands' layout, and a transposed
/// operand costs only a different gather while packing.
/// </para>
/// <para>
/// Determinism: every element of C is the same sequence of operations — per k-block, a fused multiply-add chain
/// over the block starting from zero, then one addition into C — whatever the tile, block or thread that computes
/// it. Threads split C into fixed contiguous column (or row) ranges that depend only on the shape, never the
/// k-reduction, so results are bitwise identical for any thread count.
/// </para>
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
internal static unsafe partial class Gemm<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The micro-kernel this machine runs: AVX-512 where available, else AVX2+FMA, else portable.</summary>
    /// <remarks>
    /// AVX-512 is chosen whenever the CPU has it, even where <see cref="Vector512.IsHardwareAccelerated"/> is false
    /// (the runtime's hint for parts that lower their clock under 512-bit code): a GEMM is FMA-bound, so doubling the
    /// work per FMA outweighs the lower clock. .NET 10 switches the whole AVX-512 group off with
    /// <c>DOTNET_EnableAVX512=0</c> (it no longer reads <c>DOTNET_EnableAVX512F</c>), which selects the AVX2 kernel.
    /// </remarks>
    internal static readonly GemmKernel Kernel =
        Avx512F.IsSupported ? GemmKernel.Avx512
        : Fma.IsSupported && Avx2.IsSupported && Vector256.IsHardwareAccelerated ? GemmKernel.Avx2
        : GemmKernel.Portable;

    /// <summary>Whether a hand-written FMA micro-kernel runs (otherwise the portable <see cref="Vector{T}"/> one does).</summary>
    internal static readonly bool IsAccelerated = Kernel != GemmKernel.Portable;

    /// <summary>Rows of the register tile (the A panel height).</summary>
    internal static readonly int Mr = Kernel switch
    {
        GemmKernel.Avx512 => 12,
        GemmKernel.Avx2 => 6,
        _ => 4,
    };

    /// <summary>Columns of the register tile (the B panel width): two vectors per row.</summary>
    /// <remarks>
    /// AVX2: 6×16 floats or 6×8 doubles is 12 Vector256 accumulators; with the two B vectors and one broadcast A value
    /// that is 15 of the 16 ymm registers, so nothing spills, and each loaded B vector feeds 6 FMAs. AVX-512: 12×32
    /// floats or 12×16 doubles, 24 of the 32 zmm registers (see <see cref="MicroKernel512"/>).
    /// </remarks>
    internal static readonly int Nr = Kernel switch
    {
        GemmKernel.Avx512 => 2 * Vector512<T>.Count,
        GemmKernel.Avx2 => 2 * Vector256<T>.Count,
        _ => 2 * Vector<T>.Count,
    };

    /// <summary>Target depth of a k-block.</summary>
    /// <remarks>
    /// A kc×Nr B micro-panel is reused by every micro-kernel call of a macro-kernel column, so it must stay in L1.
    /// AVX2 (sized for Zen 3's 32 KB L1d): 256×16×4 bytes (or 256×8×8) = 16 KB, half of L1, leaving room for the
    /// streamed 6×kc A panel (6 KB float, 12 KB double) and the C tile. AVX-512 (Zen 4/5: 48 KB L1d): 256×32×4 (or
    /// 256×16×8) = 32 KB, two thirds of L1, with 12 KB of A panel streaming past it. Deeper blocks would amortize the
    /// C tile's load and store (24 zmm each per kc·24 FMAs) better but evict B. Measured (AVX-512, 1024³ on one
    /// thread, a shared machine): Kc from 256 to 448 and Mc of 240 or 480 rows all gave 10.4–11 ms (float, ≈ 200
    /// GFLOP/s, about 88% of one core's 512-bit FMA peak) and 21.6–23 ms (double) at their best, the same within noise,
    /// so the L1-sized value stays.
    /// </remarks>
    internal static readonly int Kc = 256;

    /// <summary>Rows of an A block (a multiple of <see cref="Mr"/>).</summary>
    /// <remarks>
    /// The packed mc×kc A block is reused for every B micro-panel of the column block, so it must stay in L2.
    /// AVX2: 144×256×4 bytes (float) or 72×256×8 (double) = 144 KB, under a third of Zen 3's 512 KB L2. AVX-512:
    /// 240×256×4 or 120×256×8 = 240 KB, a quarter of Zen 4/5's 1 MB L2. Both leave room for the B panels streaming
    /// through on their way to L1.
    /// </remarks>
    internal static readonly int Mc = (Kernel == GemmKernel.Avx512 ? 240 : 144) / (typeof(T) == typeof(float) ? 1 : 2);

    /// <summary>Columns of a B block (a multiple of <see cref="Nr"/>).</summary>
    /// <remarks>
    /// The packed kc×nc B block is reused for every A block, from L3 (32 MB shared): 256×2048 elements is 2 MB
    /// (float) or 4 MB (double) per thread. Larger blocks only save re-packing A, which is O(m·k) per block.
    /// </remarks>
    internal static readonly int Nc = 2048;

    /// <summary>
    /// Multiply–add count (m·n·k) up to which a product skips packing and runs as a plain dot-product loop. Measured
    /// (double, square, one thread): the loop takes 37 ns against 58 ns at 4³, they tie at 5³, and the GEMM wins
    /// from 6³ (72 ns against 128 ns). Its order (each element summed over p in sequence, multiply then add) is the
    /// textbook one, which tiny fitting problems replayed against PyTorch (Optim/ScheduleTests) reproduce to the bit.
    /// </summary>
    internal const long DirectThreshold = 128;

    /// <summary>
    /// Multiply–add count (m·n·k) from which a product is split across threads. Below it, handing half to a pool
    /// thread (about 3 µs) costs more than the second core saves. Measured (float, quiet machine, 1 vs 2 threads):
    /// 64³ = 262K takes 5.2 vs 5.9 µs and [32,256]·[256,32] 5.7 vs 6.1 µs, while [128,256]·[256,10] (327K) takes
    /// 11.9 vs 9.7 µs and 80³ = 512K 10.2 vs 8.7 µs.
    /// </summary>
    internal const long ParallelThreshold = 300_000;

    /// <summary>The number of threads a product may use by default: every core.</summary>
    internal static int DefaultThreads => Environment.ProcessorCount;

    /// <summary>
    /// C = op(A)·op(B) (or C += op(A)·op(B) when <paramref name="accumulate"/>), with op(A) m×k, op(B) k×n, C m×n.
    /// </summary>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B): the length of the reduction.</param>
    /// <param name="a">A; element (i, p) of op(A) is <c>a[i·aRowStride + p·aColStride]</c>.</param>
    /// <param name="aRowStride">Stride between rows of op(A) (k for a row-major A, 1 for a transposed one).</param>
    /// <param name="aColStride">Stride between columns of op(A) (1 for a row-major A, m for a transposed one).</param>
    /// <param name="b">B; element (p, j) of op(B) is <c>b[p·bRowStride + j·bColStride]</c>.</param>
    /// <param name="bRowStride">Stride between rows of op(B).</param>
    /// <param name="bColStride">Stride between columns of op(B).</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/> and unit column stride.</param>
    /// <param name="ldc">Stride between rows of C (at least n).</param>
    /// <param name="accumulate">Add to C instead of overwriting it (when false, C's prior contents are never read).</param>
    /// <param name="maxThreads">
    /// The number of parts a large product is split into (normally <see cref="DefaultThreads"/>); the result does not
    /// depend on it.
    /// </param>
    public static void Multiply(
        int m, int n, int k, T* a, nint aRowStride, nint aColStride, T* b, nint bRowStride, nint bColStride, T* c, nint ldc,
        bool accumulate, int maxThreads)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Gemm supports float and double, not {typeof(T).Name}.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (var i = 0; i < m; i++)
                {
                    new Span<T>(c + (i * ldc), n).Clear();
                }
            }

            return;
        }

        var problem = new Problem(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate);
        if ((long)m * n * k <= DirectThreshold)
        {
            Direct(problem);
            return;
        }

        var parts = PartCount(m, n, k, maxThreads, out var splitColumns);
        if (parts <= 1)
        {
            Serial(problem);
        }
        else
        {
            ParallelJob.Run(problem, parts, splitColumns);
        }
    }

    /// <summary>
    /// How many contiguous ranges C is split into, and along which axis. Splitting the columns duplicates the
    /// packing of A in every part and splitting the rows duplicates B's, so the longer side of C is split.
    /// </summary>
    internal static int PartCount(int m, int n, int k, int maxThreads, out bool splitColumns)
    {
        splitColumns = n >= m;
        if (maxThreads <= 1 || (long)m * n * k < ParallelThreshold)
        {
            return 1;
        }

        // Each part needs at least one whole register tile along the split axis.
        var tiles = splitColumns ? (n + Nr - 1) / Nr : (m + Mr - 1) / Mr;
        return Math.Min(maxThreads, tiles);
    }

    /// <summary>Range <paramref name="part"/> of <paramref name="parts"/> along an axis of <paramref name="length"/>, in whole tiles.</summary>
    internal static (int Start, int Length) PartRange(int length, int tile, int parts, int part)
    {
        var tiles = (length + tile - 1) / tile;
        var perPart = (tiles + parts - 1) / parts;
        var start = Math.Min(length, part * perPart * tile);
        var end = Math.Min(length, (part + 1) * perPart * tile);
        return (start, end - start);
    }

    /// <summary>Computes part <paramref name="part"/> of a split product on the calling thread.</summary>
    private static void RunPart(in Problem problem, int parts, bool splitColumns, int part)
    {
        if (splitColumns)
        {
            var (start, length) = PartRange(problem.N, Nr, parts, part);
            if (length > 0)
            {
                Serial(problem with { N = length, B = problem.B + (start * problem.BColStride), C = problem.C + start });
            }
        }
        else
        {
            var (start, length) = PartRange(problem.M, Mr, parts, part);
            if (length > 0)
            {
                Serial(problem with { M = length, A = problem.A + (start * problem.ARowStride), C = problem.C + (start * problem.Ldc) });
            }
        }
    }

    /// <summary>The five blocked loops on one thread.</summary>
    private static void Serial(in Problem p)
    {
        // k is cut into equal blocks of at most Kc (784 → 4×196, not 3×256 + 16), so no block is a short one
        // that pays the C tile's load and store for little work. The cut depends on k alone: determinism holds.
        var kBlocks = (p.K + Kc - 1) / Kc;
        var kcTarget = (p.K + kBlocks - 1) / kBlocks;
        var ncMax = Math.Min(Nc, RoundUp(p.N, Nr));
        var mcMax = Math.Min(Mc, RoundUp(p.M, Mr));
        var buffers = PackBuffers.ForCurrentThread(mcMax * kcTarget, ncMax * kcTarget);
        var tile = stackalloc T[Mr * Nr];
        for (var jc = 0; jc < p.N; jc += Nc)
        {
            var nc = Math.Min(Nc, p.N - jc);
            for (var pc = 0; pc < p.K; pc += kcTarget)
            {
                var kc = Math.Min(kcTarget, p.K - pc);
                var overwrite = !p.Accumulate && pc == 0;
                PackB(kc, nc, p.B + (pc * p.BRowStride) + (jc * p.BColStride), p.BRowStride, p.BColStride, buffers.B);
                for (var ic = 0; ic < p.M; ic += Mc)
                {
                    var mc = Math.Min(Mc, p.M - ic);
                    PackA(mc, kc, p.A + (ic * p.ARowStride) + (pc * p.AColStride), p.ARowStride, p.AColStride, buffers.A);
                    Macro(mc, nc, kc, buffers.A, buffers.B, p.C + (ic * p.Ldc) + jc, p.Ldc, overwrite, tile);
                }
            }
        }
    }

    /// <summary>A tiny product as a plain triple loop, straight from the operands.</summary>
    private static void Direct(in Problem p)
    {
        for (var i = 0; i < p.M; i++)
        {
            for (var j = 0; j < p.N; j++)
            {
                var sum = T.Zero;
                for (var q = 0; q < p.K; q++)
                {
                    sum += p.A[(i * p.ARowStride) + (q * p.AColStride)] * p.B[(q * p.BRowStride) + (j * p.BColStride)];
                }

                ref var target = ref p.C[(i * p.Ldc) + j];
                target = p.Accumulate ? target + sum : sum;
            }
        }
    }

    /// <summary>Multiplies a packed mc×kc A block by a packed kc×nc B block into C, one register tile at a time.</summary>
    private static void Macro(int mc, int nc, int kc, T* packedA, T* packedB, T* c, nint ldc, bool overwrite, T* tile)
    {
        for (var jr = 0; jr < nc; jr += Nr)
        {
            var cols = Math.Min(Nr, nc - jr);
            var bPanel = packedB + (jr * kc);
            for (var ir = 0; ir < mc; ir += Mr)
            {
                var rows = Math.Min(Mr, mc - ir);
                var aPanel = packedA + (ir * kc);
                var cTile = c + (ir * ldc) + jr;
                if (rows == Mr && cols == Nr)
                {
                    MicroKernel(kc, aPanel, bPanel, cTile, ldc, overwrite);
                }
                else
                {
                    // An edge tile: the padded panels give a full tile of which only rows×cols is C.
                    MicroKernel(kc, aPanel, bPanel, tile, Nr, overwrite: true);
                    MergeTile(tile, cTile, ldc, rows, cols, overwrite);
                }
            }
        }
    }

    private static void MergeTile(T* tile, T* c, nint ldc, int rows, int cols, bool overwrite)
    {
        for (var i = 0; i < rows; i++)
        {
            var source = new ReadOnlySpan<T>(tile + (i * Nr), cols);
            var destination = new Span<T>(c + (i * ldc), cols);
            if (overwrite)
            {
                source.CopyTo(destination);
            }
            else if (typeof(T) == typeof(float))
            {
                var d = MemoryMarshal.Cast<T, float>(destination);
                TensorPrimitives.Add(d, MemoryMarshal.Cast<T, float>(source), d);
            }
            else
            {
                var d = MemoryMarshal.Cast<T, double>(destination);
                TensorPrimitives.Add(d, MemoryMarshal.Cast<T, double>(source), d);
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>One product's operands (see <see cref="Multiply"/> for the meaning of each field).</summary>
    private readonly struct Problem(
        int m, int n, int k, T* a, nint aRowStride, nint aColStride, T* b, nint bRowStride, nint bColStride, T* c, nint ldc, bool accumulate)
    {
        public int M { get; init; } = m;

        public int N { get; init; } = n;

        public int K { get; } = k;

        public T* A { get; init; } = a;

        public nint ARowStride { get; } = aRowStride;

        public nint AColStride { get; } = aColStride;

        public T* B { get; init; } = b;

        public nint BRowStride { get; } = bRowStride;

        public nint BColStride { get; } = bColStride;

        public T* C { get; init; } = c;

        public nint Ldc { get; } = ldc;

        public bool Accumulate { get; } = accumulate;
    }
}

/// <summary>The micro-kernel family <see cref="Gemm{T}"/> runs, chosen once from the instruction sets present.</summary>
internal enum GemmKernel
{
    /// <summary><see cref="Vector{T}"/> multiply then add, 4×(2·Vector&lt;T&gt;.Count).</summary>
    Portable,

    /// <summary>AVX2+FMA, 6×(2·Vector256&lt;T&gt;.Count) in 12 ymm accumulators.</summary>
    Avx2,

    /// <summary>AVX-512F, 12×(2·Vector512&lt;T&gt;.Count) in 24 zmm accumulators.</summary>
    Avx512,
}
