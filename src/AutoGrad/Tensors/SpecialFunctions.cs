namespace AutoGrad;

/// <summary>Scalar special functions that neither <see cref="Math"/> nor TensorPrimitives provides accurately.</summary>
internal static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955125739;
    private const double OneOverSqrtPi = 0.56418958354775628695;

    /// <summary>The error function, accurate to a few ulp over the whole real line.</summary>
    /// <remarks>
    /// |x| &lt; 2: the series erf x = (2/√π)·e^(−x²)·Σₙ (2x²)ⁿ·x / (1·3·…·(2n+1)), whose terms are all positive,
    /// so there is no cancellation. |x| ≥ 2: erf x = ±(1 − erfc |x|) with erfc from its continued fraction.
    /// </remarks>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        var a = Math.Abs(x);
        if (a < 2.0)
        {
            return ErfSeries(x);
        }

        var r = 1.0 - ErfcContinuedFraction(a);
        return x < 0 ? -r : r;
    }

    /// <summary>The complementary error function 1 − erf x, accurate to a few ulp also where it is tiny (large x).</summary>
    /// <remarks>
    /// |x| &lt; 0.5: 1 − erf x (erf x ≤ 0.52 there, so nothing cancels). |x| ≥ 0.5: the continued fraction, which
    /// needs at most ~730 terms at x = 0.5 and a handful beyond 4; erfc(−x) = 2 − erfc x.
    /// </remarks>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x >= 0.5)
        {
            return ErfcContinuedFraction(x);
        }

        if (x <= -0.5)
        {
            return 2.0 - ErfcContinuedFraction(-x);
        }

        return 1.0 - ErfSeries(x);
    }

    /// <summary>
    /// e^(−x²) without the rounding error of x² (which grows like x²·ε): x = hi + lo with hi on a 2⁻¹² grid,
    /// so hi² is exact and e^(−x²) = e^(−hi²)·e^(−(2hi + lo)·lo).
    /// </summary>
    public static double ExpMinusSquare(double x)
    {
        var hi = Math.Round(x * 4096.0) / 4096.0;
        var lo = x - hi;
        return Math.Exp(-(hi * hi)) * Math.Exp(-(((2 * hi) + lo) * lo));
    }

    /// <summary>log(1 + x), accurate near 0 (Goldberg's correction of the rounding in 1 + x).</summary>
    public static double Log1P(double x)
    {
        var u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }

        if (double.IsInfinity(u))
        {
            return u;
        }

        return Math.Log(u) * x / (u - 1.0);
    }

    private static double ErfSeries(double x)
    {
        var x2 = x * x;
        var term = x;
        var sum = x;
        for (var n = 1; n < 200; n++)
        {
            term *= 2.0 * x2 / ((2 * n) + 1);
            sum += term;
            if (Math.Abs(term) <= Math.Abs(sum) * 1e-17)
            {
                break;
            }
        }

        return TwoOverSqrtPi * ExpMinusSquare(x) * sum;
    }

    /// <summary>erfc x for x ≥ 0.5 by the continued fraction (e^(−x²)/√π)·1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), modified Lentz.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        if (x > 27.3)
        {
            return 0.0;
        }

        const double Tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var k = 1; k < 2000; k++)
        {
            var ak = k * 0.5;
            d = x + (ak * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = x + (ak / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1.0 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16)
            {
                break;
            }
        }

        return OneOverSqrtPi * ExpMinusSquare(x) / f;
    }
}
