using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Storage.Consent;

/// <summary>How a ledger entry's outcome is stored: "applied" or "superseded".</summary>
public static class ConsentLedgerNames
{
    public static string Outcome(ConsentOutcome outcome) => outcome == ConsentOutcome.Superseded ? "superseded" : "applied";

    public static ConsentOutcome ParseOutcome(string value) => value == "superseded" ? ConsentOutcome.Superseded : ConsentOutcome.Applied;
}
