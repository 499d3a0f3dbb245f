using System.Text.Json;

namespace Engine.Benchmarks;

/// <summary>Writes each benchmark's figures to tests/Benchmarks/results/{name}.json and prints them.</summary>
internal static class Results
{
    public static async Task WriteAsync(string name, object figures)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "Benchmarks", "results");
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

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Engine.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Engine.sln not found above the benchmark's folder.");
    }
}
