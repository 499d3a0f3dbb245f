namespace Engine.Grains.Storage.Events;

/// <summary>Tells a tenant's relay that events were written.</summary>
public interface IEventNotifier
{
    void Notify(string tenantId);
}
