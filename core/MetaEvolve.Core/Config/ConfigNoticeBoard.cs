using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace MetaEvolve.Core.Config;

/// <summary>Writes and reads the config-notice bucket (<see cref="ConfigNotices"/>).</summary>
public sealed class ConfigNoticeBoard(INatsJSContext js, string bucket)
{
    private readonly NatsKVContext _kv = new(js);
    private INatsKVStore? _store;

    public string Bucket => bucket;

    /// <summary>Creates the bucket when missing (history 1: only the current digest matters).</summary>
    public async ValueTask<INatsKVStore> StoreAsync(CancellationToken cancellationToken)
    {
        return _store ??= await _kv.CreateOrUpdateStoreAsync(new NatsKVConfig(bucket) { History = 1 }, cancellationToken);
    }

    /// <summary>
    /// Opens the bucket to read it: creates it only when missing (a fresh local setup), never updates it, so a
    /// worker's NATS user needs the bucket's STREAM.INFO and not the power to reconfigure it.
    /// </summary>
    public async ValueTask<INatsKVStore> OpenAsync(CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            return _store;
        }
        try
        {
            return _store = await _kv.GetStoreAsync(bucket, cancellationToken);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            return await StoreAsync(cancellationToken);
        }
    }

    /// <summary>Announces <paramref name="digest"/> under <paramref name="key"/> unless it is already the current value.</summary>
    /// <returns>True when a new value was written.</returns>
    public async Task<bool> AnnounceAsync(string key, string digest, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(cancellationToken);
        if (await GetAsync(key, cancellationToken) == digest)
        {
            return false;
        }

        await store.PutAsync(key, digest, cancellationToken: cancellationToken);
        return true;
    }

    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(cancellationToken);
        try
        {
            var entry = await store.GetEntryAsync<string>(key, cancellationToken: cancellationToken);
            return entry.Value;
        }
        catch (NatsKVKeyNotFoundException)
        {
            return null;
        }
        catch (NatsKVKeyDeletedException)
        {
            return null;
        }
    }

    /// <summary>Removes the key (the object is gone); a missing key is fine.</summary>
    public async Task WithdrawAsync(string key, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(cancellationToken);
        await store.DeleteAsync(key, cancellationToken: cancellationToken);
    }
}
