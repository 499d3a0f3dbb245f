using Engine.Grains.Tenants;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Storage.Audit;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.AutomationService: playbooks on the tenant grain, runs on automation grains.</summary>
internal sealed class AutomationGrpcService(IClusterClient cluster, TenantCache tenants, AuditTrail audit)
    : V1.AutomationService.AutomationServiceBase
{
    private const int MaxSteps = 20;

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.Playbook> PutPlaybook(V1.PutPlaybookRequest request, ServerCallContext context)
    {
        await RequireTenantAsync(request.TenantId);
        var playbook = FromProto(request.Playbook);
        var tenant = await cluster.GetGrain<ITenantGrain>(request.TenantId).PutPlaybookAsync(playbook);
        await audit.RecordAsync(context, request.TenantId, AuditActions.PlaybookPut, playbook.PlaybookId);
        return ToProto(tenant.Playbooks.Single(p => p.PlaybookId == playbook.PlaybookId));
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.ListPlaybooksResponse> ListPlaybooks(V1.ListPlaybooksRequest request, ServerCallContext context)
    {
        var tenant = await RequireTenantAsync(request.TenantId);
        var (page, next) = Paging.InOrderOf(tenant.Playbooks, p => p.PlaybookId, request.PageSize, request.PageToken);
        return new V1.ListPlaybooksResponse { Playbooks = { page.Select(ToProto) }, NextPageToken = next };
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.DeletePlaybookResponse> DeletePlaybook(V1.DeletePlaybookRequest request, ServerCallContext context)
    {
        await RequireTenantAsync(request.TenantId);
        var deleted = await cluster.GetGrain<ITenantGrain>(request.TenantId).DeletePlaybookAsync(request.PlaybookId);
        if (deleted)
        {
            await audit.RecordAsync(context, request.TenantId, AuditActions.PlaybookDeleted, request.PlaybookId);
        }

        return new V1.DeletePlaybookResponse { Deleted = deleted };
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.GetLeadAutomationResponse> GetLeadAutomation(V1.GetLeadAutomationRequest request, ServerCallContext context)
    {
        await RequireTenantAsync(request.TenantId);
        var phone = await RequestValidation.RequireLeadAsync(cluster, request.TenantId, request.Phone, request.WhatsappUserId, link: false);
        var runs = await cluster.GetGrain<IAutomationGrain>(GrainKeys.Lead(request.TenantId, phone)).GetRunsAsync();
        return new V1.GetLeadAutomationResponse
        {
            Runs =
            {
                runs.Select(r => new V1.AutomationRun
                {
                    RunId = r.RunId, PlaybookId = r.PlaybookId, Channel = LeadMapping.ToProto(r.Channel), NextStep = r.NextStep,
                    NextDueAt = Timestamp.FromDateTimeOffset(r.NextDueAt), StartedAt = Timestamp.FromDateTimeOffset(r.StartedAt),
                }),
            },
        };
    }

    private Task<TenantSnapshot> RequireTenantAsync(string tenantId) => RequestValidation.RequireTenantAsync(tenants, tenantId, fresh: true);

    private static Playbook FromProto(V1.Playbook? proto)
    {
        if (proto is null || string.IsNullOrWhiteSpace(proto.PlaybookId) || proto.PlaybookId.Length > 64)
        {
            RpcErrors.InvalidArgument("playbook.playbook_id", "is required (at most 64 characters)");
        }

        var trigger = proto.Trigger switch
        {
            V1.PlaybookTrigger.LeadCreated => PlaybookTrigger.LeadCreated,
            V1.PlaybookTrigger.InboundMessage => PlaybookTrigger.InboundMessage,
            V1.PlaybookTrigger.Keyword => PlaybookTrigger.Keyword,
            V1.PlaybookTrigger.NoReply => PlaybookTrigger.NoReply,
            _ => RpcErrors.InvalidArgument<PlaybookTrigger>("playbook.trigger", "is required"),
        };
        if (trigger == PlaybookTrigger.Keyword && string.IsNullOrWhiteSpace(proto.Keyword))
        {
            RpcErrors.InvalidArgument("playbook.keyword", "is required for a keyword trigger");
        }

        if (proto.Steps.Count is 0 or > MaxSteps)
        {
            RpcErrors.InvalidArgument("playbook.steps", $"needs 1 to {MaxSteps} steps");
        }

        var channel = RequestValidation.RequireChannel(proto.Channel);
        var steps = proto.Steps.Select((step, i) =>
        {
            var delay = step.Delay?.ToTimeSpan() ?? TimeSpan.Zero;
            if (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(90))
            {
                RpcErrors.InvalidArgument($"playbook.steps[{i}].delay", "must be between 0 and 90 days");
            }

            if ((step.Template is null) == (step.Body.Length == 0))
            {
                RpcErrors.InvalidArgument($"playbook.steps[{i}]", "set exactly one of body and template");
            }

            return new PlaybookStep(delay, step.Body.Length > 0 ? step.Body : null,
                step.Template is { } t ? new TemplateRef(t.Name, t.Language, t.Parameters.ToArray()) : null, step.BusinessHoursOnly);
        }).ToArray();
        return new Playbook(proto.PlaybookId, proto.Name, trigger, proto.Keyword.Length > 0 ? proto.Keyword : null, channel, steps,
            proto.ContinueAfterReply, proto.ContinueAfterStageChange);
    }

    private static V1.Playbook ToProto(Playbook playbook) => new()
    {
        PlaybookId = playbook.PlaybookId,
        Name = playbook.Name,
        Trigger = (V1.PlaybookTrigger)(int)playbook.Trigger,
        Keyword = playbook.Keyword ?? "",
        Channel = LeadMapping.ToProto(playbook.Channel),
        Steps =
        {
            playbook.Steps.Select(s => new V1.PlaybookStep
            {
                Delay = Duration.FromTimeSpan(s.Delay),
                Body = s.Body ?? "",
                Template = s.Template is { } t ? new V1.Template { Name = t.Name, Language = t.Language, Parameters = { t.Parameters } } : null,
                BusinessHoursOnly = s.BusinessHoursOnly,
            }),
        },
        ContinueAfterReply = playbook.ContinueAfterReply,
        ContinueAfterStageChange = playbook.ContinueAfterStageChange,
    };
}
