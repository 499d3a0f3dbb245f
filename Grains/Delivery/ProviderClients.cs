using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Telemetry;

namespace Engine.Grains.Delivery;

/// <summary>The provider client of each channel: Twilio for SMS, Meta's Cloud API for WhatsApp, each traced and measured.</summary>
internal sealed class ProviderClients(TwilioClient twilio, WhatsAppClient whatsApp, EngineMetrics metrics)
{
    private readonly IProviderClient _sms = new TracedProviderClient(twilio, Channel.Sms, metrics);
    private readonly IProviderClient _whatsApp = new TracedProviderClient(whatsApp, Channel.WhatsApp, metrics);

    public IProviderClient For(Channel channel) => channel == Channel.Sms ? _sms : _whatsApp;

    public static Provider ProviderOf(Channel channel) => channel == Channel.Sms ? Provider.Twilio : Provider.Meta;
}
