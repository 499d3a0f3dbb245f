using System.Text;
using System.Text.Json.Nodes;

namespace Engine.Simulator;

/// <summary>The envelope of every WhatsApp webhook the simulator posts (status callbacks and simulated inbound messages).</summary>
internal static class MetaNotifications
{
    /// <summary>A WhatsApp webhook notification of one business number, as Meta posts it; <paramref name="items"/> are its messages, statuses or contacts.</summary>
    public static byte[] Build(string phoneNumberId, JsonObject items)
    {
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = "15550000000", ["phone_number_id"] = phoneNumberId },
        };
        foreach (var (name, item) in items.ToArray())
        {
            items.Remove(name);
            value[name] = item;
        }

        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "simulated-waba",
                ["changes"] = new JsonArray(new JsonObject { ["field"] = "messages", ["value"] = value }),
            }),
        }.ToJsonString());
    }
}
