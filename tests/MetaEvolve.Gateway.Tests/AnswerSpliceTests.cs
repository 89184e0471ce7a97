using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Tasks;

namespace MetaEvolve.Gateway.Tests;

/// <summary>How a listener's text is spliced from the text so far, deltas and the recorded answer (no services).</summary>
public sealed class AnswerSpliceTests
{
    [Fact]
    public void Deltas_that_overlap_the_text_so_far_add_only_what_is_new()
    {
        var splice = new AnswerSplice();

        var events = splice.Take(new AnswerSoFar(1, 9, "Hello, wo")).ToList();
        events.AddRange(splice.Take(new AnswerDelta(1, 0, "Hello")));
        events.AddRange(splice.Take(new AnswerDelta(1, 5, ", world")));
        events.AddRange(splice.Take(new AnswerDelta(1, 12, "!")));

        Assert.Equal([new AnswerEvent(0, "Hello, wo"), new AnswerEvent(9, "rld"), new AnswerEvent(12, "!")], events);
        Assert.Equal("Hello, world!", splice.Sent);
        Assert.Empty(splice.Finish("Hello, world!"));
    }

    [Fact]
    public void A_piece_after_a_gap_waits_for_the_recorded_answer()
    {
        var splice = new AnswerSplice();

        Assert.Empty(splice.Take(new AnswerDelta(1, 4, "late")));
        Assert.Equal([new AnswerEvent(0, "too late")], splice.Finish("too late"));
    }

    [Fact]
    public void A_new_attempt_resets_and_an_older_one_is_ignored()
    {
        var splice = new AnswerSplice();
        _ = splice.Take(new AnswerDelta(1, 0, "first try")).ToList();

        var events = splice.Take(new AnswerDelta(2, 0, "second")).ToList();
        events.AddRange(splice.Take(new AnswerDelta(1, 9, " goes on")));

        Assert.Equal([AnswerEvent.Reset, new AnswerEvent(0, "second")], events);
        Assert.Equal([new AnswerEvent(6, " try")], splice.Finish("second try"));
    }

    [Fact]
    public void A_new_round_after_tool_calls_resets_and_the_earlier_rounds_text_is_ignored()
    {
        var splice = new AnswerSplice();
        _ = splice.Take(new AnswerSoFar(1, 9, "Let me ad")).ToList();

        var events = splice.Take(new AnswerDelta(1, 0, "The sum") { Round = 1 }).ToList();
        events.AddRange(splice.Take(new AnswerDelta(1, 9, "d them.")));
        events.AddRange(splice.Take(new AnswerDelta(1, 7, " is 5.") { Round = 1 }));

        Assert.Equal([AnswerEvent.Reset, new AnswerEvent(0, "The sum"), new AnswerEvent(7, " is 5.")], events);
        Assert.Empty(splice.Finish("The sum is 5."));
    }

    [Fact]
    public void A_recorded_answer_that_does_not_begin_with_what_streamed_replaces_it()
    {
        var splice = new AnswerSplice();
        _ = splice.Take(new AnswerDelta(1, 0, "draft")).ToList();

        Assert.Equal([AnswerEvent.Reset, new AnswerEvent(0, "final")], splice.Finish("final"));
        Assert.Empty(splice.Finish(null));
    }
}
