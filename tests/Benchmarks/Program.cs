using Engine.Benchmarks;

// Benchmarks print their figures and write them to tests/Benchmarks/results/. Run through tests/bench.sh,
// which starts PostgreSQL and Redis first.
switch (args.FirstOrDefault())
{
    case "webhooks":
        // "webhooks 2" measures only the two-silo topology.
        await WebhookIngestBenchmark.RunAsync(args.Length > 1 ? [.. args.Skip(1).Select(int.Parse)] : [1, 2]);
        return 0;
    case "sends":
        await SendMessageBenchmark.RunAsync();
        return 0;
    case "import":
        await ImportBenchmark.RunAsync();
        return 0;
    case "automation":
        await AutomationBenchmark.RunAsync();
        return 0;
    case "events":
        await EventLatencyBenchmark.RunAsync();
        return 0;
    default:
        Console.Error.WriteLine("usage: tests/bench.sh webhooks [silos...]|sends|import|automation|events");
        return 64;
}
