using Npgsql;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Automation;

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
