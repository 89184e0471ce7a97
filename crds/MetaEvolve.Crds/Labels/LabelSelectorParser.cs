using System.Text.RegularExpressions;

namespace MetaEvolve.Crds.Labels;

/// <summary>
/// Kubernetes' label selector lexer and parser (apimachinery labels/selector.go) in small: identifiers, the symbols
/// <c>! != = == ( ) ,</c> and the keywords <c>in</c>/<c>notin</c>; keys must be qualified names and values label
/// values, as the API server checks.
/// </summary>
internal sealed partial class LabelSelectorParser(string text)
{
    private const string End = "end of string";
    private readonly List<string> _tokens = Lex(text);
    private int _position;

    public List<LabelRequirement> Parse()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var token = Peek();
            if (token is null)
            {
                return requirements;
            }

            if (token != "!" && !IsIdentifier(token))
            {
                throw Error($"found '{token}', expected: !, identifier, or '{End}'");
            }

            requirements.Add(Requirement());
            switch (Next())
            {
                case null:
                    return requirements;
                case ",":
                    if (Peek() is null)
                    {
                        throw Error("found '', expected: identifier after ','");
                    }

                    break;
                case var other:
                    throw Error($"found '{other}', expected: ',' or '{End}'");
            }
        }
    }

    private LabelRequirement Requirement()
    {
        if (Peek() == "!")
        {
            Next();
            var negated = Key();
            return Peek() is null or "," ? new LabelRequirement(negated, LabelSelectorOperator.DoesNotExist, []) : throw Error($"found '{Peek()}', expected: ',' or '{End}'");
        }

        var key = Key();
        if (Peek() is null or ",")
        {
            return new LabelRequirement(key, LabelSelectorOperator.Exists, []);
        }

        var op = Next() switch
        {
            "=" or "==" => LabelSelectorOperator.Equals,
            "!=" => LabelSelectorOperator.NotEquals,
            "in" => LabelSelectorOperator.In,
            "notin" => LabelSelectorOperator.NotIn,
            var other => throw Error($"found '{other}', expected: in, notin, =, ==, !="),
        };
        if (op is LabelSelectorOperator.Equals or LabelSelectorOperator.NotEquals)
        {
            // k=  selects the empty value, as in Kubernetes.
            var value = Peek() is null or "," ? "" : Next()!;
            return new LabelRequirement(key, op, [Value(key, value)]);
        }

        if (Next() != "(")
        {
            throw Error($"found '{_tokens.ElementAtOrDefault(_position - 1) ?? ""}', expected: '('");
        }

        var values = new List<string>();
        var expectValue = true;
        while (true)
        {
            var token = Next() ?? throw Error($"found '', expected: ')'");
            if (token == ")")
            {
                if (expectValue && values.Count > 0)
                {
                    values.Add("");
                }

                break;
            }

            if (token == ",")
            {
                if (expectValue)
                {
                    values.Add("");
                }

                expectValue = true;
                continue;
            }

            if (!IsIdentifier(token) || !expectValue)
            {
                throw Error($"found '{token}', expected: ',', ')' or identifier");
            }

            values.Add(Value(key, token));
            expectValue = false;
        }

        return values.Count == 0
            ? throw Error("for 'in', 'notin' operators, values set can't be empty")
            : new LabelRequirement(key, op, values);
    }

    private string Key()
    {
        var token = Next();
        if (token is null || !IsIdentifier(token))
        {
            throw Error($"found '{token ?? ""}', expected: identifier");
        }

        var slash = token.IndexOf('/', StringComparison.Ordinal);
        var (prefix, name) = slash < 0 ? (null, token) : (token[..slash], token[(slash + 1)..]);
        if (name.Length == 0 || name.Length > 63 || !NamePart().IsMatch(name)
            || prefix is not null && (prefix.Length == 0 || prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix)))
        {
            throw Error($"key: Invalid value: \"{token}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc'), with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        }

        return token;
    }

    private static string Value(string key, string value) =>
        value.Length == 0 || value.Length <= 63 && NamePart().IsMatch(value)
            ? value
            : throw Error($"values[0][{key}]: Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345')");

    private string? Peek() => _position < _tokens.Count ? _tokens[_position] : null;

    private string? Next() => _position < _tokens.Count ? _tokens[_position++] : null;

    private static bool IsIdentifier(string token) => token is not ("!" or "!=" or "=" or "==" or "(" or ")" or "," or "in" or "notin");

    private static LabelSelectorException Error(string detail) => new($"unable to parse requirement: {detail}");

    private static List<string> Lex(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')' or ',')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c is '!' or '=')
            {
                var two = i + 1 < text.Length && text[i + 1] == '=';
                tokens.Add(two ? text.Substring(i, 2) : c.ToString());
                i += two ? 2 : 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or ',' or '!' or '='))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex NamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
