using System.Collections.Concurrent;
using MetaEvolve.Core.Budgets;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Tenancy;

/// <summary>
/// Gives each namespace with pools a Redis ACL user that reaches only its conversation memory
/// (<c>&lt;prefix&gt;:thread:&lt;namespace&gt;:*</c>) and its budget counters (<c>&lt;prefix&gt;:budget:&lt;namespace&gt;:*</c>,
/// <see cref="BudgetCounterKeys"/>) with the data commands a worker uses. ACL users live in the server's
/// memory (unless it keeps an aclfile), so every user this operator made is set again whenever the connection comes back
/// (a Redis restart). The operator's Redis user needs <c>+acl</c>.
/// </summary>
public sealed class NamespaceRedisUsers : IDisposable
{
    // Data commands on the namespace's keys only; scripts run with the caller's key rights. No pub/sub, no admin.
    private static readonly string[] Rules = ["+@connection", "+@read", "+@write", "+@scripting", "-@dangerous", "resetchannels"];

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly string _schema;
    private readonly ILogger<NamespaceRedisUsers> _logger;
    private readonly ConcurrentDictionary<string, string> _ensured = new(StringComparer.Ordinal);

    public NamespaceRedisUsers(IConnectionMultiplexer redis, string prefix, string schema, ILogger<NamespaceRedisUsers> logger)
    {
        _redis = redis;
        _prefix = prefix;
        _schema = schema;
        _logger = logger;
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary><c>&lt;prefix&gt;:&lt;store schema&gt;:&lt;namespace&gt;</c>: one installation's users apart from another's.</summary>
    public string UserName(string ns) => $"{_prefix}:{_schema}:{ns}";

    /// <summary>The key pattern of the namespace's threads (see the worker's ThreadMemory).</summary>
    public string KeyPattern(string ns) => $"{_prefix}:thread:{ns}:*";

    /// <summary>The key patterns the namespace's user may touch: its threads and its budget counters.</summary>
    public IReadOnlyList<string> KeyPatterns(string ns) => [KeyPattern(ns), BudgetCounterKeys.NamespacePattern(_prefix, ns)];

    /// <summary>Sets the namespace's user (once per process, or again after a reconnect).</summary>
    public async Task EnsureAsync(string ns, string password, CancellationToken cancellationToken)
    {
        if (_ensured.TryGetValue(ns, out var known) && known == password)
        {
            return;
        }

        await SetUserAsync(ns, password).WaitAsync(cancellationToken);
        _ensured[ns] = password;
    }

    public async Task DeleteAsync(string ns, CancellationToken cancellationToken)
    {
        _ensured.TryRemove(ns, out _);
        await _redis.GetDatabase().ExecuteAsync("ACL", "DELUSER", UserName(ns)).WaitAsync(cancellationToken);
    }

    public void Dispose() => _redis.ConnectionRestored -= OnConnectionRestored;

    private async Task SetUserAsync(string ns, string password)
    {
        try
        {
            object[] arguments = ["SETUSER", UserName(ns), "reset", "on", ">" + password, .. KeyPatterns(ns).Select(p => "~" + p), .. Rules];
            await _redis.GetDatabase().ExecuteAsync("ACL", arguments);
            _logger.LogInformation("Set Redis user {User} for namespace {Namespace}", UserName(ns), ns);
        }
        catch (RedisServerException exception) when (exception.Message.Contains("NOPERM", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Redis refused ACL SETUSER for namespace {ns}: give the operator's Redis user +acl, or set Operator__ScopedCredentials=false.", exception);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        foreach (var (ns, password) in _ensured.ToArray())
        {
            _ = RestoreAsync(ns, password);
        }
    }

    private async Task RestoreAsync(string ns, string password)
    {
        try
        {
            await SetUserAsync(ns, password);
        }
#pragma warning disable CA1031 // A failed restore is logged; the namespace's next reconcile sets the user again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _ensured.TryRemove(ns, out _);
            _logger.LogWarning(exception, "Could not set Redis user {User} again after a reconnect", UserName(ns));
        }
    }
}
