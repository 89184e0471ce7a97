using MetaEvolve.Core.Store;

namespace MetaEvolve.Core.Tests.Store;

public class StoreOptionsTests
{
    [Fact]
    public void The_default_schema_is_metaevolve()
    {
        Assert.Equal("metaevolve", new StoreOptions().Schema);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("1starts_with_digit")]
    [InlineData("has-dash")]
    [InlineData("x; DROP SCHEMA public")]
    public void A_schema_name_that_is_not_a_plain_identifier_is_rejected(string schema)
    {
        Assert.Throws<ArgumentException>(() => new StoreOptions { Schema = schema });
    }
}
