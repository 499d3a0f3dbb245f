using System.Security.Cryptography;
using System.Text;
using Engine.Grains.Encryption;
using Engine.Grains.Storage.DataKeys;
using Npgsql;

namespace Engine.TestSupport;

/// <summary>
/// Opens what the engine sealed in a test database (a message body, an event payload) with the engine's
/// own code and <see cref="TestEncryption"/>'s key, trying each stored data key: tests need not know
/// which tenant a row belongs to.
/// </summary>
public static class SealedValues
{
    private static readonly KeyEncryptionKeys Keys = KeyEncryptionKeys.FromSettings(
        new EncryptionSettings { Keys = { [TestEncryption.KeyId] = TestEncryption.Key }, ActiveKeyId = TestEncryption.KeyId }, embedded: false);

    private static readonly string[] Purposes = [PayloadCipher.MessageBody, PayloadCipher.EventData];

    public static async Task<string> OpenAsync(NpgsqlDataSource db, byte[] sealedValue)
    {
        await using var command = db.CreateCommand("SELECT scope, kek_id, wrapped FROM data_keys");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var dataKey = Keys.Unwrap(new WrappedDataKey(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
            foreach (var purpose in Purposes)
            {
                try
                {
                    return Encoding.UTF8.GetString(SealedBox.Open(dataKey, sealedValue, Encoding.UTF8.GetBytes(purpose)));
                }
                catch (CryptographicException)
                {
                    // another tenant's key, or another column's purpose
                }
            }
        }

        throw new InvalidOperationException("No data key in data_keys opens the value.");
    }
}
