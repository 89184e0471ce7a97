using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace MetaEvolve.Operator.Tests.Runtime;

public class WorkQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_added_twice_waits_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");

        Assert.Equal(2, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(Ct));
        Assert.Equal("b", await queue.TakeAsync(Ct));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task A_key_being_processed_is_not_handed_out_again_and_a_change_meanwhile_is_not_lost()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var key = await queue.TakeAsync(Ct);

        queue.Add("a");
        Assert.Equal(0, queue.Depth);
        var second = queue.TakeAsync(Ct);
        Assert.False(second.IsCompleted);

        queue.Done(key);
        Assert.Equal("a", await second);
    }

    [Fact]
    public async Task Different_keys_are_processed_in_parallel()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        var first = await queue.TakeAsync(Ct);
        var second = await queue.TakeAsync(Ct);

        Assert.Equal(["a", "b"], new[] { first, second }.Order());
    }

    [Fact]
    public async Task Delayed_add_arrives_after_its_delay_and_the_earliest_pending_delay_wins()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: time);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Depth);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Depth);
        Assert.Equal(0, queue.Delayed);
        Assert.Equal("a", await queue.TakeAsync(Ct));
    }

    [Fact]
    public void Failures_back_off_exponentially_up_to_the_maximum_and_forget_resets_them()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(new WorkQueueOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) }, time);

        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(2), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(4), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(5), queue.AddRateLimited("a"));
        Assert.Equal(4, queue.Failures("a"));

        queue.Forget("a");
        Assert.Equal(0, queue.Failures("a"));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("a"));
    }

    [Fact]
    public void A_key_backing_off_is_still_taken_at_once_when_an_event_adds_it()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(new WorkQueueOptions { BaseDelay = TimeSpan.FromMinutes(1) }, time);
        queue.AddRateLimited("a");
        Assert.Equal(0, queue.Depth);

        queue.Add("a");
        Assert.Equal(1, queue.Depth);
    }

    [Fact]
    public async Task A_requeue_after_that_fires_while_the_key_is_processed_runs_after_it()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: time);
        queue.Add("a");
        var key = await queue.TakeAsync(Ct);
        queue.AddAfter("a", TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Depth);

        queue.Done(key);
        Assert.Equal(1, queue.Depth);
    }
}
