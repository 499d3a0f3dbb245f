using System.Text;
using Engine.Simulator;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Twilio's published test vectors (auth token 12345).</summary>
public sealed class TwilioSignatureTests
{
    private const string Token = "12345";
    private const string BaseUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

    private static readonly KeyValuePair<string, string>[] Parameters =
    [
        new("CallSid", "CA1234567890ABCDE"), new("Caller", "+14158675309"), new("Digits", "1234"),
        new("From", "+14158675309"), new("To", "+18005551212"),
    ];

    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("https://MyCompany.com/myapp.php?foo=1&bar=2", "g9IN/x4Cft2g517EjYvEvM/W7LU=")]
    [InlineData("http://username:password@MyCompany.com/myapp.php?foo=1&bar=2", "PJ08CxXr7KLPjEQCTc8LkUSMwSM=")]
    public void Compute_MatchesPublishedVector(string url, string expected) =>
        Assert.Equal(expected, TwilioSignature.Compute(Token, url, Parameters));

    [Theory]
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")] // port removed
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")] // default port added
    [InlineData("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("https://MyCompany.com:1234/myapp.php?foo=1&bar=2", "g9IN/x4Cft2g517EjYvEvM/W7LU=")]
    public void IsValid_AcceptsEitherPortForm(string url, string signature) =>
        Assert.True(TwilioSignature.IsValid(Token, url, Parameters, signature));

    [Fact]
    public void IsValid_MixedCaseHost_DoesNotMatchLowerCaseSignature() =>
        Assert.False(TwilioSignature.IsValid(Token, "https://MyCompany.com/myapp.php?foo=1&bar=2", Parameters, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));

    [Fact]
    public void IsValid_TamperedParameter_Fails()
    {
        var tampered = Parameters.Select(p => p.Key == "Digits" ? new KeyValuePair<string, string>("Digits", "9999") : p).ToArray();

        Assert.False(TwilioSignature.IsValid(Token, BaseUrl, tampered, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }

    [Fact]
    public void IsValid_MissingOrWrongSignature_Fails()
    {
        Assert.False(TwilioSignature.IsValid(Token, BaseUrl, Parameters, null));
        Assert.False(TwilioSignature.IsValid(Token, BaseUrl, Parameters, ""));
        Assert.False(TwilioSignature.IsValid("other-token", BaseUrl, Parameters, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }

    [Fact]
    public void Compute_RepeatedKeys_SortsAndDropsDuplicateValues()
    {
        KeyValuePair<string, string>[] repeated =
            [new("Sid", "CA123"), new("SidAccount", "AC123"), new("Digits", "5678"), new("Digits", "1234"), new("Digits", "1234")];

        Assert.Equal("IK+Dwps556ElfBT0I3Rgjkr1wJU=", TwilioSignature.Compute(Token, BaseUrl, repeated));
    }

    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", "a9nBmqA0ju/hNViExpshrM61xv4=")]
    [InlineData("https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", "y77kIzt2vzLz71DgmJGsen2scGs=")]
    public void IsValidJson_MatchesPublishedVector(string url, string signature)
    {
        var body = Encoding.UTF8.GetBytes("""{"property": "value", "boolean": true}""");

        Assert.True(TwilioSignature.IsValidJson(Token, url, body, signature));
        Assert.False(TwilioSignature.IsValidJson(Token, url, Encoding.UTF8.GetBytes("""{"property": "other", "boolean": true}"""), signature));
    }
}
