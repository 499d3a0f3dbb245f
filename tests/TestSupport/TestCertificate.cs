using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.TestSupport;

/// <summary>
/// A self-signed server certificate for 127.0.0.1 and localhost, made at test time and written as PEM
/// files (what Kestrel:Endpoints:*:Certificate:Path and KeyPath take), with a validator that trusts it alone.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("engine-tls-").FullName;

    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server auth
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        CertificatePath = Path.Combine(_directory, "tls.crt");
        KeyPath = Path.Combine(_directory, "tls.key");
        File.WriteAllText(CertificatePath, Certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Certificate { get; }
    public string CertificatePath { get; }
    public string KeyPath { get; }

    /// <summary>An HTTP handler that accepts this certificate, and no other, from the server.</summary>
    public SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString() },
    };

    public void Dispose()
    {
        Certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
