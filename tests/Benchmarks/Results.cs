using System.Text.Json;
using Engine.TestSupport;

namespace Engine.Benchmarks;

/// <summary>Writes each benchmark's figures to tests/Benchmarks/results/{name}.json and prints them.</summary>
internal static class Results
{
    public static async Task WriteAsync(string name, object figures)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", "Benchmarks", "results");
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(new
        {
            benchmark = name,
            measuredAt = DateTimeOffset.UtcNow,
            machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
            figures,
        }, new JsonSerializerOptions { WriteIndented = true });
        var path = Path.Combine(directory, $"{name}.json");
        await File.WriteAllTextAsync(path, json);
        Console.WriteLine(json);
        Console.WriteLine($"results written to {path}");
    }
}
