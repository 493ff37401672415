using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Tests.Tensors;

/// <summary>
/// The GEMM (Tensors/Gemm*.cs) against a naive triple loop in double: sizes straddling the register tile (12×32 float,
/// 12×16 double with AVX-512; 6×16, 6×8 with AVX2; 4×2·Vector&lt;T&gt;.Count in the fallback) and the vector widths,
/// every transpose combination, batches that broadcast, thread-count determinism, IEEE special values and empty
/// dimensions. CI runs this class twice more, under <c>DOTNET_EnableAVX512=0</c> (the AVX2 kernel) and
/// <c>DOTNET_EnableAVX2=0</c> (the portable fallback), so every kernel is checked on an AVX-512 machine.
/// </summary>
public unsafe class GemmTests
{
    private static readonly int[] s_edgeSizes = [.. Enumerable.Range(1, 17), 31, 32, 33, 63, 64, 65];

    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    public static TheoryData<int, int, int> LargeOddSizes => new()
    {
        { 257, 129, 301 },
        { 129, 257, 301 },
        { 301, 5, 257 },
        { 5, 301, 600 },  // three k-blocks
        { 7, 2100, 33 },  // more columns than one B block (Nc)
        { 600, 3, 5 },    // more rows than one A block (Mc), thinner than one tile
    };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Float_EverySizeAroundTheTileAndVectorWidths_MatchesNaiveLoop(bool transposeA, bool transposeB) =>
        EverySize<float>(transposeA, transposeB);

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Double_EverySizeAroundTheTileAndVectorWidths_MatchesNaiveLoop(bool transposeA, bool transposeB) =>
        EverySize<double>(transposeA, transposeB);

    [Theory]
    [MemberData(nameof(LargeOddSizes))]
    public void LargeOddSizes_EveryTransposeCombination_MatchNaiveLoop(int m, int n, int k)
    {
        foreach (var (transposeA, transposeB) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var random = new Random(m + (7 * n) + (31 * k));
            CheckAgainstNaive<float>(random, m, n, k, transposeA, transposeB, accumulate: false, ldcPadding: 0);
            CheckAgainstNaive<double>(random, m, n, k, transposeA, transposeB, accumulate: false, ldcPadding: 0);
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Accumulate_IntoStridedC_AddsTheProductAndLeavesThePaddingAlone(bool transposeA, bool transposeB)
    {
        var random = new Random(5);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (6, 16, 3), (13, 35, 300), (70, 9, 513) })
        {
            CheckAgainstNaive<float>(random, m, n, k, transposeA, transposeB, accumulate: true, ldcPadding: 3);
            CheckAgainstNaive<double>(random, m, n, k, transposeA, transposeB, accumulate: true, ldcPadding: 5);
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void ThreadCount_DoesNotChangeOneBit(bool transposeA, bool transposeB)
    {
        // Column splits (n ≥ m) and row splits (m > n), square and thin, several k-blocks.
        foreach (var (m, n, k) in new[] { (300, 301, 257), (301, 300, 257), (1000, 20, 50), (20, 1000, 50), (97, 203, 611) })
        {
            Assert.True(Gemm<float>.PartCount(m, n, k, maxThreads: 2, out _) == 2, $"{m}×{n}×{k} is not split");
            SameBitsForAnyThreadCount<float>(m, n, k, transposeA, transposeB);
            SameBitsForAnyThreadCount<double>(m, n, k, transposeA, transposeB);
        }
    }

    [Fact]
    public void PartRanges_CoverTheAxisInWholeTiles()
    {
        foreach (var (length, tile, parts) in new[] { (100, 16, 2), (17, 16, 2), (1000, 6, 3), (5, 6, 2) })
        {
            var next = 0;
            for (var part = 0; part < parts; part++)
            {
                var (start, count) = Gemm<float>.PartRange(length, tile, parts, part);
                Assert.Equal(next, start);
                Assert.True(start % tile == 0 || count == 0);
                next = start + count;
            }

            Assert.Equal(length, next);
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void SpecialValues_PropagateAsInBlas(bool transposeA, bool transposeB)
    {
        SpecialValues<float>(transposeA, transposeB);
        SpecialValues<double>(transposeA, transposeB);
    }

    [Theory]
    [InlineData(0, 5, 3)]
    [InlineData(4, 0, 3)]
    [InlineData(4, 5, 0)]
    [InlineData(0, 0, 0)]
    public void EmptyDimensions_WriteZerosOnlyWhereCExistsAndOverwriting(int m, int n, int k)
    {
        const double Sentinel = 42;
        var a = new double[m * k];
        var b = new double[k * n];
        foreach (var accumulate in new[] { false, true })
        {
            var c = Enumerable.Repeat(Sentinel, Math.Max(1, m * n)).ToArray();
            fixed (double* pa = a, pb = b, pc = c)
            {
                Gemm<double>.Multiply(m, n, k, pa, k, 1, pb, n, 1, pc, n, accumulate, maxThreads: 2);
            }

            // k = 0 is an empty sum: C = 0, or C unchanged when accumulating. m = 0 or n = 0 leaves nothing to write.
            var expected = m * n > 0 && k == 0 && !accumulate ? 0 : Sentinel;
            Assert.All(c, x => Assert.Equal(expected, x));
        }
    }

    [Fact]
    public void EmptyDimensions_ThroughMatMul_GiveTheRightShapesAndZeros()
    {
        var emptyInner = Variable.Parameter(new double[0], [3, 0]).MatMul(Variable.Parameter(new double[0], [0, 4]));
        Assert.Equal(new Shape(3, 4), emptyInner.Shape);
        Assert.All(emptyInner.ToArray(), x => Assert.Equal(0.0, x));
        Assert.Equal(new Shape(0, 4), Variable.Parameter(new double[0], [0, 2]).MatMul(Variable.Parameter(new double[8], [2, 4])).Shape);
        Assert.Equal(new Shape(2, 3, 0), Variable.Parameter(new double[12], [2, 3, 2]).MatMul(Variable.Parameter(new double[0], [2, 0])).Shape);
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Batched_WithBroadcastBatchAxes_MatchesNaiveLoopPerBatch(bool transposeA, bool transposeB)
    {
        BatchedCase<float>(transposeA, transposeB);
        BatchedCase<double>(transposeA, transposeB);
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void MatMulTransposed_EqualsMatMulOfTransposedCopies_InValuesAndGradients(bool transposeA, bool transposeB)
    {
        // Reading a transposed operand through strides packs exactly the panels a transposed copy would, so both
        // paths agree to the bit, forward and backward (where the old rule used Transpose() copies).
        var random = new Random(11);
        int m = 23, k = 37, n = 19;
        Shape aShape = transposeA ? new(2, k, m) : new(2, m, k);
        Shape bShape = transposeB ? new(n, k) : new(k, n);
        var a = Variable.Parameter(RandomArray<double>(random, aShape.ElementCount, 1), aShape);
        var b = Variable.Parameter(RandomArray<double>(random, bShape.ElementCount, 1), bShape);
        var seed = Variable.Constant(RandomArray<double>(random, 2 * m * n, 1), [2, m, n]);

        var direct = Variable<double>.MatMulTransposed(a, b, transposeA, transposeB);
        (direct * seed).Sum().Backward();
        var (directA, directB) = (a.Grad!.ToArray(), b.Grad!.ToArray());
        a.ZeroGrad();
        b.ZeroGrad();

        var copied = (transposeA ? a.Transpose() : a).MatMul(transposeB ? b.Transpose() : b);
        (copied * seed).Sum().Backward();

        Assert.Equal(copied.Shape, direct.Shape);
        Assert.Equal(copied.ToArray(), direct.ToArray());
        Assert.Equal(a.Grad!.ToArray(), directA);
        Assert.Equal(b.Grad!.ToArray(), directB);
    }

    [Fact]
    public void Avx512Switch_SelectsTheAvx2Kernel()
    {
        // CI's third run sets DOTNET_EnableAVX512=0 (.NET 10 reads that name, not EnableAVX512F); this pins that it
        // really exercises the AVX2 kernel, and that an AVX-512 machine otherwise runs the AVX-512 one.
        var avx512Disabled = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0";
        if (avx512Disabled)
        {
            Assert.False(Avx512F.IsSupported);
            Assert.Equal(Fma.IsSupported && Avx2.IsSupported ? GemmKernel.Avx2 : GemmKernel.Portable, Gemm<double>.Kernel);
        }
        else if (Avx512F.IsSupported)
        {
            Assert.Equal(GemmKernel.Avx512, Gemm<float>.Kernel);
            Assert.Equal((12, 32), (Gemm<float>.Mr, Gemm<float>.Nr));
            Assert.Equal((12, 16), (Gemm<double>.Mr, Gemm<double>.Nr));
        }
    }

    [Fact]
    public void FallbackSwitch_SelectsThePortableKernel()
    {
        // CI's last run sets DOTNET_EnableAVX2=0; this pins that it really exercises the fallback.
        var avx2Disabled = Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0";
        Assert.Equal(Fma.IsSupported && Avx2.IsSupported && !avx2Disabled, Gemm<float>.IsAccelerated);
        Assert.Equal(Gemm<float>.IsAccelerated, Gemm<double>.IsAccelerated);
        if (avx2Disabled)
        {
            Assert.False(Gemm<double>.IsAccelerated);
            Assert.Equal(4, Gemm<double>.Mr);
        }
    }

    private static void EverySize<T>(bool transposeA, bool transposeB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(transposeA ? 1 : 2 + (transposeB ? 10 : 20));
        foreach (var m in s_edgeSizes)
        {
            foreach (var n in s_edgeSizes)
            {
                foreach (var k in s_edgeSizes)
                {
                    CheckAgainstNaive<T>(random, m, n, k, transposeA, transposeB, accumulate: false, ldcPadding: 0);
                }
            }
        }
    }

    /// <summary>Multiplies random operands with the GEMM and compares with <see cref="Naive"/>.</summary>
    private static void CheckAgainstNaive<T>(Random random, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate, int ldcPadding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = RandomArray<T>(random, m * k, 1);
        var b = RandomArray<T>(random, k * n, 1);
        var ldc = n + ldcPadding;
        var c = RandomArray<T>(random, m * ldc, 1);
        var before = (T[])c.Clone();
        var expected = Naive(a, b, m, n, k, transposeA, transposeB);
        Multiply(a, b, c, m, n, k, transposeA, transposeB, accumulate, ldc, Gemm<T>.DefaultThreads);

        var tolerance = Tolerance<T>(k, 1, 1);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < ldc; j++)
            {
                var actual = double.CreateChecked(c[(i * ldc) + j]);
                if (j >= n)
                {
                    Assert.Equal(double.CreateChecked(before[(i * ldc) + j]), actual);
                    continue;
                }

                var want = expected[(i * n) + j] + (accumulate ? double.CreateChecked(before[(i * ldc) + j]) : 0);
                if (Math.Abs(actual - want) > tolerance)
                {
                    Assert.Fail($"{typeof(T).Name} {m}×{n}×{k} (transposeA {transposeA}, transposeB {transposeB}, accumulate {accumulate}): C[{i},{j}] = {actual}, expected {want} ± {tolerance}");
                }
            }
        }
    }

    private static void SameBitsForAnyThreadCount<T>(int m, int n, int k, bool transposeA, bool transposeB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(m * n * k);
        var a = RandomArray<T>(random, m * k, 1);
        var b = RandomArray<T>(random, k * n, 1);
        var serial = new T[m * n];
        Multiply(a, b, serial, m, n, k, transposeA, transposeB, accumulate: false, n, maxThreads: 1);
        foreach (var threads in new[] { 2, 3 })
        {
            var parallel = new T[m * n];
            Multiply(a, b, parallel, m, n, k, transposeA, transposeB, accumulate: false, n, threads);
            Assert.True(
                MemoryMarshal.AsBytes(serial.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(parallel.AsSpan())),
                $"{typeof(T).Name} {m}×{n}×{k} (transposeA {transposeA}, transposeB {transposeB}): {threads} threads differ from 1");
        }
    }

    private static void SpecialValues<T>(bool transposeA, bool transposeB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // One small case (edge tiles only) and one with full tiles and two k-blocks.
        foreach (var (m, n, k) in new[] { (7, 19, 5), (13, 33, 300) })
        {
            var random = new Random(3);
            var a = RandomArray<T>(random, m * k, 1);
            var b = RandomArray<T>(random, k * n, 1);

            // A(1, 2) = +∞ with B(2, 4) = 0: C(1, 4) holds 0·∞ = NaN; the rest of row 1 is ±∞.
            // A(3, 4) = NaN: row 3 is NaN. B(0, 6) = −∞: column 6 is ±∞ (NaN in row 3, and row 1 mixes +∞·x and −∞·y).
            a[Index(1, 2, m, k, transposeA)] = T.PositiveInfinity;
            a[Index(3, 4, m, k, transposeA)] = T.NaN;
            b[Index(2, 4, k, n, transposeB)] = T.Zero;
            b[Index(0, 6, k, n, transposeB)] = T.NegativeInfinity;
            var expected = Naive(a, b, m, n, k, transposeA, transposeB);
            var c = new T[m * n];
            Multiply(a, b, c, m, n, k, transposeA, transposeB, accumulate: false, n, Gemm<T>.DefaultThreads);

            Assert.True(T.IsNaN(c[(1 * n) + 4]), "0·∞ must give NaN");
            Assert.True(T.IsNaN(c[(3 * n) + 0]), "a NaN in A must reach its row of C");
            Assert.True(T.IsPositiveInfinity(c[(1 * n) + 0]) || T.IsNegativeInfinity(c[(1 * n) + 0]));
            var tolerance = Tolerance<T>(k, 1, 1);
            for (var i = 0; i < m * n; i++)
            {
                var actual = double.CreateChecked(c[i]);
                if (double.IsNaN(expected[i]) || double.IsInfinity(expected[i]))
                {
                    Assert.Equal(expected[i], actual);
                }
                else
                {
                    Assert.InRange(actual, expected[i] - tolerance, expected[i] + tolerance);
                }
            }
        }
    }

    private static void BatchedCase<T>(bool transposeA, bool transposeB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A's batch [2, 1] and B's batch [3] broadcast to [2, 3]; also a plain matrix against a batch.
        var random = new Random(17);
        foreach (var (aBatch, bBatch, batch) in new (Shape, Shape, Shape)[] { (new(2, 1), new(3), new(2, 3)), (Shape.Scalar, new(4), new(4)), (new(3), Shape.Scalar, new(3)) })
        {
            int m = 7, k = 9, n = 17;
            var a = RandomArray<T>(random, aBatch.ElementCount * m * k, 1);
            var b = RandomArray<T>(random, bBatch.ElementCount * k * n, 1);
            var c = new T[batch.ElementCount * m * n];
            MatMulKernel<T>.Multiply(a, aBatch, b, bBatch, c, batch, m, k, n, transposeA, transposeB);

            var tolerance = Tolerance<T>(k, 1, 1);
            for (var index = 0; index < batch.ElementCount; index++)
            {
                // Row-major batch index → each operand's batch index, with size-1 axes (and missing axes) broadcast.
                var aIndex = BroadcastIndex(index, batch, aBatch);
                var bIndex = BroadcastIndex(index, batch, bBatch);
                var expected = Naive(a.AsSpan(aIndex * m * k, m * k).ToArray(), b.AsSpan(bIndex * k * n, k * n).ToArray(), m, n, k, transposeA, transposeB);
                for (var i = 0; i < m * n; i++)
                {
                    Assert.InRange(double.CreateChecked(c[(index * m * n) + i]), expected[i] - tolerance, expected[i] + tolerance);
                }
            }
        }
    }

    private static int BroadcastIndex(int index, Shape batch, Shape operand)
    {
        var result = 0;
        var stride = 1;
        for (var axis = batch.Rank - 1; axis >= 0; axis--)
        {
            var coordinate = index % batch[axis];
            index /= batch[axis];
            var operandAxis = axis - (batch.Rank - operand.Rank);
            if (operandAxis >= 0)
            {
                result += (operand[operandAxis] == 1 ? 0 : coordinate) * stride;
                stride *= operand[operandAxis];
            }
        }

        return result;
    }

    /// <summary>Calls the GEMM on arrays holding A (m×k, or k×m when transposed) and B (k×n, or n×k), row-major.</summary>
    private static void Multiply<T>(T[] a, T[] b, T[] c, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate, int ldc, int maxThreads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pa = a, pb = b, pc = c)
        {
            Gemm<T>.Multiply(
                m, n, k,
                pa, transposeA ? 1 : k, transposeA ? m : 1,
                pb, transposeB ? 1 : n, transposeB ? k : 1,
                pc, ldc, accumulate, maxThreads);
        }
    }

    /// <summary>The product as a plain triple loop, summed in double.</summary>
    private static double[] Naive<T>(T[] a, T[] b, int m, int n, int k, bool transposeA, bool transposeB)
        where T : IFloatingPointIeee754<T>
    {
        var c = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    sum += double.CreateChecked(a[Index(i, p, m, k, transposeA)]) * double.CreateChecked(b[Index(p, j, k, n, transposeB)]);
                }

                c[(i * n) + j] = sum;
            }
        }

        return c;
    }

    /// <summary>Where element (row, col) of op(X) (rows×cols) sits in X's row-major storage.</summary>
    private static int Index(int row, int col, int rows, int cols, bool transposed) => transposed ? (col * rows) + row : (row * cols) + col;

    /// <summary>
    /// A k-term sum of products, each bounded by maxA·maxB, is off by at most about k·ε·maxA·maxB (ε the machine
    /// epsilon, twice the unit roundoff), whatever the summation order; two more ε cover adding into a prior C and the
    /// double reference's own, smaller error.
    /// </summary>
    private static double Tolerance<T>(int k, double maxA, double maxB)
    {
        var epsilon = typeof(T) == typeof(float) ? Math.Pow(2, -23) : Math.Pow(2, -52);
        return (k + 2) * epsilon * maxA * maxB;
    }

    private static T[] RandomArray<T>(Random random, int length, double scale)
        where T : IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = T.CreateChecked(((2 * random.NextDouble()) - 1) * scale);
        }

        return values;
    }
}
