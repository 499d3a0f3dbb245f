using System.Globalization;
using Engine.Gateway.Hosting;
using Google.Protobuf;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Erasure;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Audit;
using Engine.Grains.Tenants;
using Engine.Grains.Storage.Consent;
using Engine.Grains.Storage.LeadDirectory;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.LeadService: an adapter from gRPC to lead grains.</summary>
internal sealed class LeadGrpcService(
    IClusterClient cluster, IConsentLedger ledger, ILeadDirectory directory, TenantCache tenants, LeadExport export, TimeProvider time, AuditTrail audit,
    IdempotentRetry retry)
    : V1.LeadService.LeadServiceBase
{
    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.UpsertLeadResponse> UpsertLead(V1.UpsertLeadRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: true);
        var patch = LeadMapping.PatchFrom(request.Name, request.Email, request.TimeZone, request.Tags, request.Attributes);
        var upsert = await Lead(request.TenantId, phone).UpsertAsync(patch);
        return new V1.UpsertLeadResponse { Created = upsert.Created, Lead = LeadMapping.ToProto(upsert.Lead) };
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.ListLeadsResponse> ListLeads(V1.ListLeadsRequest request, ServerCallContext context)
    {
        await RequestValidation.RequireTenantAsync(tenants, request.TenantId);
        var size = Paging.PageSize(request.PageSize);
        var filter = LeadMapping.FilterFrom(request);
        var after = request.PageToken.Length == 0 ? (LeadCursor?)null : DecodeLeadCursor(request.PageToken);
        var page = await directory.ListAsync(request.TenantId, filter, after, size + 1, context.CancellationToken);
        var leads = await Task.WhenAll(page.Take(size).Select(l => Lead(request.TenantId, l.LeadPhone).GetAsync()));
        // A lead erased since the page was read is left out rather than shown empty.
        var response = new V1.ListLeadsResponse { Leads = { leads.Where(l => l.Exists).Select(LeadMapping.ToProto) } };
        if (page.Count > size)
        {
            var lastShown = page[size - 1];
            response.NextPageToken = Paging.Token(lastShown.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), lastShown.LeadPhone);
        }

        return response;
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.Lead> GetLead(V1.GetLeadRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: false);
        var lead = await Lead(request.TenantId, phone).GetAsync();
        if (!lead.Exists)
        {
            RpcErrors.NotFound($"lead {phone} of tenant '{request.TenantId}'");
        }

        return LeadMapping.ToProto(lead);
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.Lead> RecordConsent(V1.RecordConsentRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: true);
        var status = request.Status switch
        {
            V1.ConsentStatus.OptedIn => ConsentStatus.OptedIn,
            V1.ConsentStatus.OptedOut => ConsentStatus.OptedOut,
            _ => RpcErrors.InvalidArgument<ConsentStatus>("status", "must be CONSENT_STATUS_OPTED_IN or CONSENT_STATUS_OPTED_OUT"),
        };
        Channel? channel = request.Channel == V1.Channel.Unspecified ? null : RequestValidation.RequireChannel(request.Channel);
        if (request.Evidence.Length > 2_000)
        {
            RpcErrors.InvalidArgument("evidence", "is longer than 2000 characters");
        }

        var keyed = request.IdempotencyKey.Length > 0;
        var changeId = $"api/{(keyed ? request.IdempotencyKey : Guid.NewGuid().ToString("N"))}";
        var result = await Lead(request.TenantId, phone).RecordConsentAsync(new ConsentChange(
            changeId, channel, status, LeadMapping.FromProto(request.Source),
            request.Evidence.Length > 0 ? request.Evidence : null,
            request.OccurredAt?.ToDateTimeOffset() ?? time.GetUtcNow(),
            ClientKeyed: keyed));
        switch (result.Outcome)
        {
            case ConsentOutcome.Refused:
                RpcErrors.FailedPrecondition(result.Reason!);
                break;
            case ConsentOutcome.Conflict:
                RpcErrors.InvalidArgument("idempotency_key", $"'{request.IdempotencyKey}' was already used for a different consent change");
                break;
        }

        // The evidence is the business's free text, so it stays in the consent ledger, not here.
        await audit.RecordAsync(context, request.TenantId, AuditActions.ConsentRecorded, phone,
            $"channel: {channel?.ToWireName() ?? "all"}; status: {status}; source: {request.Source}; outcome: {result.Outcome}");
        return LeadMapping.ToProto(result.Lead);
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.ListConsentHistoryResponse> ListConsentHistory(V1.ListConsentHistoryRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: false);
        var size = Paging.PageSize(request.PageSize);
        var after = request.PageToken.Length == 0 ? 0 : Paging.Sequence(request.PageToken);
        var page = await ledger.ReadAsync(request.TenantId, phone, after, size + 1, context.CancellationToken);
        var response = new V1.ListConsentHistoryResponse { Entries = { page.Take(size).Select(LeadMapping.ToProto) } };
        if (page.Count > size)
        {
            response.NextPageToken = Paging.SequenceToken(page[size - 1].Sequence);
        }

        return response;
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.RequestOptInResponse> RequestOptIn(V1.RequestOptInRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: true);
        var channel = RequestValidation.RequireChannel(request.Channel);
        if (request.IdempotencyKey.Length > 200)
        {
            RpcErrors.InvalidArgument("idempotency_key", "is longer than 200 characters");
        }

        var result = await cluster.GetGrain<IConversationGrain>(GrainKeys.Conversation(request.TenantId, phone, channel))
            .RequestOptInAsync(request.IdempotencyKey.Length > 0 ? request.IdempotencyKey : null);
        SendRejections.ThrowIfRejected(result);
        return new V1.RequestOptInResponse
        {
            MessageId = result.MessageId.ToString(),
            Lead = LeadMapping.ToProto(await Lead(request.TenantId, phone).GetAsync()),
        };
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<Google.Api.HttpBody> ExportLead(V1.ExportLeadRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: false);
        var lead = await Lead(request.TenantId, phone).GetAsync();
        if (!lead.Exists)
        {
            RpcErrors.NotFound($"lead {phone} of tenant '{request.TenantId}'");
        }

        var document = await export.BuildAsync(lead, context.CancellationToken);
        await audit.RecordAsync(context, request.TenantId, AuditActions.Exported, phone);
        return new Google.Api.HttpBody { ContentType = "application/json", Data = ByteString.CopyFrom(document) };
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.EraseLeadResponse> EraseLead(V1.EraseLeadRequest request, ServerCallContext context)
    {
        var phone = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, link: false);
        var erasure = await cluster.GetGrain<ILeadErasureGrain>(GrainKeys.Lead(request.TenantId, phone)).EraseAsync(CallerAuthentication.CallerOf(context).KeyId);
        switch (erasure.Outcome)
        {
            case ErasureOutcome.NotFound:
                RpcErrors.NotFound($"lead {phone} of tenant '{request.TenantId}'");
                break;
            case ErasureOutcome.NotConfigured:
                RpcErrors.FailedPrecondition("erasure needs Engine:SuppressionKey (the key of the suppression records an erasure keeps); configure it on the silos");
                break;
        }

        if (erasure.Outcome != ErasureOutcome.AlreadyErased)
        {
            // By erasure id: the entries naming the person's address were just blanked.
            await audit.RecordAsync(context, request.TenantId, AuditActions.Erased, $"erasure/{erasure.ErasureId}",
                string.Join(", ", erasure.Removed.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value}")));
        }

        return new V1.EraseLeadResponse
        {
            ErasureId = erasure.ErasureId,
            ErasedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(erasure.ErasedAt!.Value),
            Removed = { erasure.Removed.ToDictionary() },
            AlreadyErased = erasure.Outcome == ErasureOutcome.AlreadyErased,
        };
    }

    // Rows are imported concurrently, up to this many at once; reading pauses while they are all busy,
    // so a fast client is held back by HTTP/2 flow control rather than by timeouts.
    private const int ImportConcurrency = 64;

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.ImportLeadsSummary> ImportLeads(IAsyncStreamReader<V1.ImportLeadRow> requestStream, ServerCallContext context)
    {
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<(int Row, string Phone, string? Error, bool Created)>();
        var inFlight = new List<Task>();
        var lastOfLead = new Dictionary<string, Task>(StringComparer.Ordinal); // rows of one lead keep their order
        string? tenantId = null;
        var row = -1;
        // The access interceptor authorized the stream on its first row and paces reading to the key's rate.
        await foreach (var item in requestStream.ReadAllAsync(context.CancellationToken))
        {
            row++;
            if (tenantId is null)
            {
                await RequestValidation.RequireTenantAsync(tenants, item.TenantId);
                tenantId = item.TenantId;
            }

            if (ValidateRow(item, tenantId) is { } problem)
            {
                outcomes.Add((row, item.Phone, problem, false));
                continue;
            }

            var phone = PhoneNumberNormalizer.Normalize(item.Phone).E164!;
            var (index, tenant, previous) = (row, tenantId, lastOfLead.GetValueOrDefault(phone) ?? Task.CompletedTask);
            var import = Task.Run(async () =>
            {
                await previous;
                outcomes.Add(await ImportRowAsync(index, tenant, phone, item));
            });
            lastOfLead[phone] = import;
            inFlight.Add(import);
            if (inFlight.Count >= ImportConcurrency)
            {
                inFlight.Remove(await Task.WhenAny(inFlight));
                foreach (var done in lastOfLead.Where(l => l.Value.IsCompleted).Select(l => l.Key).ToArray())
                {
                    lastOfLead.Remove(done);
                }
            }
        }

        await Task.WhenAll(inFlight);
        var summary = new V1.ImportLeadsSummary();
        foreach (var outcome in outcomes.OrderBy(o => o.Row))
        {
            if (outcome.Error is { } error)
            {
                summary.Errors.Add(new V1.ImportRowError { Row = outcome.Row, Phone = outcome.Phone, Reason = error });
                continue;
            }

            summary.Imported++;
            summary.Created += outcome.Created ? 1 : 0;
        }

        return summary;
    }

    // One row; a failure is that row's error, never the stream's. The consent change is keyed by the
    // row's content and the upsert is idempotent, so a retried row (here or by the client) lands once.
    private async Task<(int Row, string Phone, string? Error, bool Created)> ImportRowAsync(int row, string tenantId, string phone, V1.ImportLeadRow item)
    {
        try
        {
            return await retry.RunAsync(async () =>
            {
                var lead = Lead(tenantId, phone);
                var existed = (await lead.GetAsync()).Exists;

                // Consent first: a lead-created playbook then finds the lead already opted in.
                if (item.OptedInChannel != V1.Channel.Unspecified)
                {
                    var consent = await lead.RecordConsentAsync(new ConsentChange(
                        $"import/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(item.ToByteArray()))}",
                        RequestValidation.RequireChannel(item.OptedInChannel), ConsentStatus.OptedIn, ConsentSource.Import,
                        item.ConsentEvidence.Length > 0 ? item.ConsentEvidence : "bulk import", time.GetUtcNow()));
                    if (consent.Outcome == ConsentOutcome.Refused)
                    {
                        return (row, item.Phone, (string?)$"opted_in_channel: {consent.Reason}", false);
                    }
                }

                await lead.UpsertAsync(new LeadProfilePatch(
                    item.Name.Length > 0 ? item.Name : null, item.Email.Length > 0 ? item.Email : null,
                    item.TimeZone.Length > 0 ? item.TimeZone : null, item.Tags.Count > 0 ? item.Tags.ToArray() : null));
                return (row, item.Phone, (string?)null, !existed);
            });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (row, item.Phone, $"not imported ({(ClusterFaults.IsUnavailable(e) ? "the cluster is unavailable" : e.GetType().Name)}); send the row again", false);
        }
    }

    private static string? ValidateRow(V1.ImportLeadRow item, string tenantId)
    {
        if (item.TenantId.Length > 0 && item.TenantId != tenantId)
        {
            return $"tenant_id '{item.TenantId}' differs from the stream's tenant '{tenantId}'";
        }

        var phone = PhoneNumberNormalizer.Normalize(item.Phone);
        if (!phone.IsValid)
        {
            return $"phone: {phone.Error}";
        }

        if (item.OptedInChannel is not (V1.Channel.Unspecified or V1.Channel.Sms or V1.Channel.Whatsapp))
        {
            return $"opted_in_channel: {item.OptedInChannel} is not a channel";
        }

        if (item.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(item.TimeZone, out _))
        {
            return $"time_zone: '{item.TimeZone}' is not a known IANA time zone";
        }

        return item.Email.Length > 0 && !item.Email.Contains('@', StringComparison.Ordinal) ? $"email: '{item.Email}' is not an email address" : null;
    }

    // The tenant must exist; the lead, named by number or WhatsApp user id, is resolved to its address.
    private async Task<string> RequireLeadAsync(string tenantId, string rawPhone, string whatsAppUserId, bool link)
    {
        await RequestValidation.RequireTenantAsync(tenants, tenantId);
        return await RequestValidation.RequireLeadAsync(cluster, tenantId, rawPhone, whatsAppUserId, link);
    }

    private static LeadCursor DecodeLeadCursor(string token)
    {
        var parts = Paging.Parts(token, 2);
        return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && parts[1].Length > 0
            ? new LeadCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1])
            : Paging.InvalidToken<LeadCursor>();
    }

    private ILeadGrain Lead(string tenantId, string phone) => cluster.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone));
}
