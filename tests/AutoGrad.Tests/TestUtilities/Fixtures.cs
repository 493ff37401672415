using System.Text.Json;

namespace AutoGrad.Tests.TestUtilities;

/// <summary>Loads the JSON fixtures produced by the generator scripts in Fixtures/.</summary>
internal static class Fixtures
{
    public static JsonDocument Load(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)));

    public static double[] Flatten(JsonElement element)
    {
        var values = new List<double>();
        Walk(element, values);
        return values.ToArray();
    }

    public static int[] ShapeOf(JsonElement element)
    {
        var dims = new List<int>();
        while (element.ValueKind == JsonValueKind.Array)
        {
            dims.Add(element.GetArrayLength());
            if (element.GetArrayLength() == 0)
            {
                break;
            }

            element = element[0];
        }

        return dims.ToArray();
    }

    private static void Walk(JsonElement element, List<double> values)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Walk(item, values);
            }
        }
        else
        {
            values.Add(element.GetDouble());
        }
    }
}
