using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class SmsSegmentsTests
{
    [Theory]
    [InlineData(1, true, 1)]
    [InlineData(160, true, 1)]
    [InlineData(161, true, 2)]
    [InlineData(306, true, 2)]
    [InlineData(307, true, 3)]
    public void Gsm7_Splits_At160_Then153(int length, bool gsm7, int segments)
    {
        var count = SmsSegments.Count(new string('a', length));

        Assert.Equal((gsm7, segments), (count.IsGsm7, count.Segments));
    }

    [Fact]
    public void ExtensionCharacters_CostTwoSeptets()
    {
        var count = SmsSegments.Count(new string('a', 158) + "€");

        Assert.True(count.IsGsm7);
        Assert.Equal(160, count.Units);
        Assert.Equal(1, count.Segments);
        Assert.Equal(2, SmsSegments.Count(new string('a', 159) + "{").Segments);
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void OneNonGsmCharacter_SwitchesTheWholeTextToUcs2(int length, int segments)
    {
        var text = "’" + new string('a', length - 1); // a curly apostrophe is not in GSM-7

        var count = SmsSegments.Count(text);

        Assert.False(count.IsGsm7);
        Assert.Equal(segments, count.Segments);
    }

    [Fact]
    public void EmojiOutsideTheBmp_CountsTwoUnits() =>
        Assert.Equal(2, SmsSegments.Count("🏠").Units);
}
