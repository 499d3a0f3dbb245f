using System.Collections.Concurrent;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;
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
public sealed class PostgresAutomationLog(NpgsqlDataSource dataSource, IEventNotifier notifier) : IAutomationLog
{
    public async Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH inserted AS (
                INSERT INTO automation_firings (tenant_id, lead_phone, run_id, step, playbook_id, due_at, fired_at, message_id, outcome)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT DO NOTHING
                RETURNING *
            )
            INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data)
            SELECT 'automation.step_fired/' || tenant_id || '/' || lead_phone || '/' || run_id || '/' || step, tenant_id,
                   'automation.step_fired', lead_phone, lead_phone, fired_at,
                   jsonb_build_object('phone', lead_phone, 'playbookId', playbook_id, 'runId', run_id, 'step', step,
                                      'dueAt', due_at, 'firedAt', fired_at, 'messageId', message_id, 'outcome', outcome)
            FROM inserted
            ON CONFLICT (event_id) DO NOTHING
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
        if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            notifier.Notify(firing.TenantId);
        }
    }
}

/// <summary>Fired steps of the embedded engine, in memory.</summary>
public sealed class InMemoryAutomationLog(IEventLog events) : IAutomationLog
{
    private readonly ConcurrentDictionary<(string, string, string, int), AutomationFiring> _firings = new();

    /// <summary>A lead's fired steps, oldest first.</summary>
    public IReadOnlyList<AutomationFiring> OfLead(string tenantId, string leadPhone) =>
        [.. _firings.Values.Where(f => f.TenantId == tenantId && f.LeadPhone == leadPhone).OrderBy(f => f.FiredAt)];

    /// <summary>Erasure: removes a lead's fired steps; returns how many.</summary>
    public int RemoveLead(string tenantId, string leadPhone) =>
        _firings.Where(f => f.Key.Item1 == tenantId && f.Key.Item2 == leadPhone).Count(f => _firings.TryRemove(f.Key, out _));

    public async Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default)
    {
        if (_firings.TryAdd((firing.TenantId, firing.LeadPhone, firing.RunId, firing.Step), firing))
        {
            await events.AppendAsync(new EventDraft(
                $"{EventTypes.AutomationStepFired}/{firing.TenantId}/{firing.LeadPhone}/{firing.RunId}/{firing.Step}", firing.TenantId,
                EventTypes.AutomationStepFired, firing.LeadPhone, firing.LeadPhone, firing.FiredAt, EventJson.Serialize(firing)), cancellationToken);
        }
    }
}
