using System.Globalization;
using k8s.Models;

namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>Quantities as the HPA compares them: <c>MilliValue()</c> (rounded up), and back to canonical text.</summary>
public static class MetricQuantity
{
    public static long Milli(string quantity) => (long)Math.Ceiling(new ResourceQuantity(quantity).ToDecimal() * 1000m);

    /// <summary>resource.NewMilliQuantity(v, DecimalSI).String(): whole units without a suffix, else "1500m".</summary>
    public static string Format(long milli) =>
        milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : milli.ToString(CultureInfo.InvariantCulture) + "m";
}
