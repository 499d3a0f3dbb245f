using Engine.TestSupport;

namespace Engine.Silo.Tests;

public sealed class StartupErrorTests
{
    [Theory]
    [InlineData("Silo")]
    [InlineData("Gateway")]
    public async Task UnreachablePostgres_ExitsWithOneLineNamingTheSetting(string project)
    {
        var deadPort = FreePorts.Next();
        await using var process = EngineProcess.Start(project, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = $"Host=127.0.0.1;Port={deadPort};Username=postgres;Database=engine;Timeout=3",
            ["Gateway__HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("ConnectionStrings:Postgres", process.Output, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{deadPort}", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal); // no stack trace
    }

    [Theory]
    [InlineData("c2hvcnQ=")] // 5 bytes
    [InlineData("not base64 at all!")]
    public async Task Silo_WithAnUnusableSuppressionKey_ExitsWithOneLineNamingTheSetting(string key)
    {
        await using var process = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=engine;Timeout=3",
            ["Engine__SuppressionKey"] = key,
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Engine:SuppressionKey must be at least 32 random bytes", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_WhoseProbePortIsTaken_ExitsWithOneLineNamingTheSetting()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var process = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = await TestServices.CreateDatabaseAsync("probeport"),
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Silo__HttpUrl"] = $"http://127.0.0.1:{port}",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains($"Silo:HttpUrl cannot listen on http://127.0.0.1:{port}", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_WithKubernetesHostingOutsideAPod_ExitsWithOneLineSayingSo()
    {
        await using var process = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=engine;Timeout=3",
            ["Silo__Kubernetes"] = "true",
            ["POD_NAME"] = "engine-silo-0",
            ["POD_NAMESPACE"] = "engine",
            ["POD_IP"] = "10.1.2.3",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Silo:Kubernetes is set but this process is not in a Kubernetes pod", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_WithoutPostgres_RefusesToStart()
    {
        await using var process = EngineProcess.Start("Silo", new Dictionary<string, string>());

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("ConnectionStrings:Postgres is not set", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Silo")]
    [InlineData("Gateway")]
    public async Task PostgresHost_WithoutAnActiveEncryptionKey_ExitsWithOneLineNamingTheSetting(string project)
    {
        await using var process = EngineProcess.Start(project, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = await TestServices.CreateDatabaseAsync("nokey"),
            ["Engine__Encryption__ActiveKeyId"] = "",
            ["Gateway__HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("cannot start: Engine:Encryption:ActiveKeyId is not set", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_WithAKeyThatIsNot32BytesOfBase64_ExitsWithOneLineNamingTheKey()
    {
        await using var process = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = await TestServices.CreateDatabaseAsync("badkey"),
            ["Engine__Encryption__Keys__short"] = Convert.ToBase64String(new byte[16]),
            ["Engine__Encryption__ActiveKeyId"] = "short",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Engine:Encryption:Keys:short is not 32 bytes in base64", process.Output, StringComparison.Ordinal);
    }
}
