using Engine.Grains.Abstractions;

namespace Engine.Grains.Delivery;

/// <summary>The provider client of each channel: Twilio for SMS, Meta's Cloud API for WhatsApp.</summary>
internal sealed class ProviderClients(TwilioClient twilio, WhatsAppClient whatsApp)
{
    public IProviderClient For(Channel channel) => channel == Channel.Sms ? twilio : whatsApp;
}
