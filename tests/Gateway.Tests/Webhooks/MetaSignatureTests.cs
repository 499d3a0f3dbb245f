using System.Text;
using Engine.Simulator;

namespace Engine.Gateway.Tests.Webhooks;

public sealed class MetaSignatureTests
{
    [Fact]
    public void Compute_MatchesKnownVector() =>
        Assert.Equal("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914", MetaSignature.Compute("secret", "test"u8));

    [Fact]
    public void IsValid_AcceptsUpperCaseHex() =>
        Assert.True(MetaSignature.IsValid("secret", "test"u8, "sha256=0329A06B62CD16B33EB6792BE8C60B158D89A2EE3A876FCE9A881EBB488C0914"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha1=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914")]
    [InlineData("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0915")]
    [InlineData("0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914")]
    public void IsValid_RejectsWrongOrMalformedHeaders(string? header) =>
        Assert.False(MetaSignature.IsValid("secret", Encoding.UTF8.GetBytes("test"), header));

    [Fact]
    public void IsValid_RejectsReserialisedBody() =>
        Assert.False(MetaSignature.IsValid("secret", """{"a": 1}"""u8, MetaSignature.Compute("secret", """{"a":1}"""u8)));
}
