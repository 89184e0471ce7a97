using System.Security.Cryptography.X509Certificates;
using MetaEvolve.Operator.ExternalMetrics;
using Microsoft.Extensions.Primitives;

namespace MetaEvolve.Operator.Tests.ExternalMetrics;

public sealed class RequestHeaderAuthenticatorTests
{
    private static readonly X509Certificate2 FrontProxyCa = TestAuthorities.Authority("front-proxy-ca");
    private static readonly X509Certificate2 OtherCa = TestAuthorities.Authority("front-proxy-ca");

    private static Dictionary<string, string> ConfigMapData(X509Certificate2 authority, string allowedNames = "[\"front-proxy-client\"]") => new()
    {
        ["client-ca-file"] = "ignored here",
        [RequestHeaderSettings.ClientCaKey] = authority.ExportCertificatePem(),
        [RequestHeaderSettings.AllowedNamesKey] = allowedNames,
        [RequestHeaderSettings.UsernameHeadersKey] = "[\"X-Remote-User\"]",
        [RequestHeaderSettings.GroupHeadersKey] = "[\"X-Remote-Group\"]",
        [RequestHeaderSettings.ExtraHeadersPrefixKey] = "[\"X-Remote-Extra-\"]",
    };

    private static Dictionary<string, StringValues> Headers() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["X-Remote-User"] = "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
        ["X-Remote-Group"] = new StringValues(["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]),
        ["X-Remote-Extra-Scopes%2Fa"] = new StringValues(["one", "two"]),
        ["Accept"] = "application/json",
    };

    [Fact]
    public void The_aggregators_certificate_makes_its_headers_the_user_groups_and_extra()
    {
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        using var client = TestAuthorities.Client(FrontProxyCa, "front-proxy-client");

        var user = RequestHeaderAuthenticator.Authenticate(client, Headers(), settings, DateTimeOffset.UtcNow);

        Assert.Equal("system:serviceaccount:kube-system:horizontal-pod-autoscaler", user.Name);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"], user.Groups);
        Assert.Equal(["one", "two"], user.Extra["scopes/a"]);
    }

    [Fact]
    public void Repeated_headers_folded_into_one_comma_separated_line_are_split_again()
    {
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        using var client = TestAuthorities.Client(FrontProxyCa, "front-proxy-client");
        var headers = Headers();
        headers["X-Remote-Group"] = "system:masters, system:authenticated";

        var user = RequestHeaderAuthenticator.Authenticate(client, headers, settings, DateTimeOffset.UtcNow);

        Assert.Equal(["system:masters", "system:authenticated"], user.Groups);
    }

    [Fact]
    public void No_certificate_is_refused_naming_the_aggregator()
    {
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        var refused = Assert.Throws<AuthenticationRefusedException>(() => RequestHeaderAuthenticator.Authenticate(null, Headers(), settings, DateTimeOffset.UtcNow));
        Assert.Contains("no client certificate", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_of_another_ca_with_the_same_name_is_refused()
    {
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        using var forged = TestAuthorities.Client(OtherCa, "front-proxy-client");
        var refused = Assert.Throws<AuthenticationRefusedException>(() => RequestHeaderAuthenticator.Authenticate(forged, Headers(), settings, DateTimeOffset.UtcNow));
        Assert.Contains("not signed by the requestheader client CA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_outside_the_allowed_names_is_refused_and_any_name_passes_when_none_are_listed()
    {
        using var client = TestAuthorities.Client(FrontProxyCa, "some-other-proxy");
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        var refused = Assert.Throws<AuthenticationRefusedException>(() => RequestHeaderAuthenticator.Authenticate(client, Headers(), settings, DateTimeOffset.UtcNow));
        Assert.Contains("CN=some-other-proxy", refused.Message, StringComparison.Ordinal);

        var anyName = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa, allowedNames: "[]"));
        Assert.Equal("system:serviceaccount:kube-system:horizontal-pod-autoscaler",
            RequestHeaderAuthenticator.Authenticate(client, Headers(), anyName, DateTimeOffset.UtcNow).Name);
    }

    [Fact]
    public void A_certificate_for_serving_not_client_authentication_is_refused()
    {
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        using var serving = TestAuthorities.Client(FrontProxyCa, "front-proxy-client", usage: "1.3.6.1.5.5.7.3.1");
        Assert.Throws<AuthenticationRefusedException>(() => RequestHeaderAuthenticator.Authenticate(serving, Headers(), settings, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_request_without_a_user_header_is_refused()
    {
        var settings = RequestHeaderSettings.Parse(ConfigMapData(FrontProxyCa));
        using var client = TestAuthorities.Client(FrontProxyCa, "front-proxy-client");
        var headers = Headers();
        headers.Remove("X-Remote-User");
        var refused = Assert.Throws<AuthenticationRefusedException>(() => RequestHeaderAuthenticator.Authenticate(client, headers, settings, DateTimeOffset.UtcNow));
        Assert.Contains("X-Remote-User", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RequestHeaderSettings.ClientCaKey, null, "has no requestheader-client-ca-file")]
    [InlineData(RequestHeaderSettings.ClientCaKey, "not pem", "holds no certificate")]
    [InlineData(RequestHeaderSettings.UsernameHeadersKey, "[]", "names no requestheader-username-headers")]
    [InlineData(RequestHeaderSettings.AllowedNamesKey, "front-proxy-client", "requestheader-allowed-names of ConfigMap kube-system/extension-apiserver-authentication is not a JSON array")]
    public void Unusable_settings_are_an_error_naming_the_key(string key, string? value, string problem)
    {
        var data = ConfigMapData(FrontProxyCa);
        if (value is null)
        {
            data.Remove(key);
        }
        else
        {
            data[key] = value;
        }

        var error = Assert.Throws<RequestHeaderSettingsException>(() => RequestHeaderSettings.Parse(data));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
