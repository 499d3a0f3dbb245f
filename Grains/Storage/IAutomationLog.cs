using System.Collections.Concurrent;
using Npgsql;

namespace Engine.Grains.Storage;

/// <summary>One fired playbook step.</summary>
public sealed record AutomationFiring(
    string TenantId, string LeadPhone, string RunId, int Step, string PlaybookId,
    DateTimeOffset DueAt, DateTimeOffset FiredAt, Guid? MessageId, string Outcome);

/// <summary>The record of fired playbook steps; recording a step twice stores it once.</summary>
public interface IAutomationLog
{
    Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default);
}

/// <summary>Fired steps in PostgreSQL's automation_firings table.</summary>
public sealed class PostgresAutomationLog(NpgsqlDataSource dataSource) : IAutomationLog
{
    public async Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO automation_firings (tenant_id, lead_phone, run_id, step, playbook_id, due_at, fired_at, message_id, outcome)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = firing.TenantId });
        command.Parameters.Add(new() { Value = firing.LeadPhone });
        command.Parameters.Add(new() { Value = firing.RunId });
        command.Parameters.Add(new() { Value = firing.Step });
        command.Parameters.Add(new() { Value = firing.PlaybookId });
        command.Parameters.Add(new() { Value = firing.DueAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = firing.FiredAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = (object?)firing.MessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = firing.Outcome });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Fired steps of the embedded engine, in memory.</summary>
public sealed class InMemoryAutomationLog : IAutomationLog
{
    private readonly ConcurrentDictionary<(string, string, string, int), AutomationFiring> _firings = new();

    public IReadOnlyCollection<AutomationFiring> Firings => _firings.Values.ToArray();

    public Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default)
    {
        _firings.TryAdd((firing.TenantId, firing.LeadPhone, firing.RunId, firing.Step), firing);
        return Task.CompletedTask;
    }
}
