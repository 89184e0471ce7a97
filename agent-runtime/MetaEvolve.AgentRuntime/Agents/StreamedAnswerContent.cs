using System.Net;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// The body of a streamed chat-completions answer (<c>text/event-stream</c>), passed through to the connector unchanged
/// while its <c>data:</c> lines are read on the way: the model, finish reasons and the <c>usage</c> of the last chunk
/// (the OpenAI SDK asks for it with <c>stream_options.include_usage</c>). When the stream ends — <c>data: [DONE]</c>,
/// its end, or the connector letting go of it — the callback gets the <see cref="ModelAnswer"/> once, as
/// <see cref="ModelCallMeter"/> gets a JSON answer's.
/// </summary>
public sealed class StreamedAnswerContent : HttpContent
{
    public const string MediaType = "text/event-stream";

    private readonly HttpContent _inner;
    private readonly Reader _reader;

    public StreamedAnswerContent(HttpContent inner, Action<ModelAnswer> ended)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _reader = new Reader(ended);
        foreach (var header in _inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    public static bool IsStream(HttpResponseMessage response) =>
        response?.Content.Headers.ContentType?.MediaType == MediaType;

    protected override async Task<Stream> CreateContentReadStreamAsync() => new ReadingStream(await _inner.ReadAsStreamAsync(), _reader);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new ReadingStream(await _inner.ReadAsStreamAsync(cancellationToken), _reader);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await using var source = await CreateContentReadStreamAsync();
        await source.CopyToAsync(stream);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.End();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Splits the passing bytes into lines and keeps what the chunks say.</summary>
    private sealed class Reader(Action<ModelAnswer> ended)
    {
        private readonly List<byte> _line = [];
        private readonly List<string> _reasons = [];
        private string? _model;
        private long _input;
        private long _output;
        private int _ended;

        public void Feed(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (b == (byte)'\n')
                {
                    Line([.. _line]);
                    _line.Clear();
                }
                else
                {
                    _line.Add(b);
                }
            }
        }

        private void Line(byte[] line)
        {
            var text = line.AsSpan().TrimEnd((byte)'\r');
            if (!text.StartsWith("data:"u8))
            {
                return;
            }

            var data = text[5..].Trim((byte)' ');
            if (data.SequenceEqual("[DONE]"u8))
            {
                End();
                return;
            }

            if (ModelAnswer.Read(data.ToArray()) is { } chunk)
            {
                _model = chunk.Model ?? _model;
                // Only the last chunk carries usage; a server that repeats it must not be counted twice.
                _input = Math.Max(_input, chunk.InputTokens);
                _output = Math.Max(_output, chunk.OutputTokens);
                _reasons.AddRange(chunk.FinishReasons);
            }
        }

        public void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                ended(new ModelAnswer(_model, _input, _output, [.. _reasons]));
            }
        }
    }

    private sealed class ReadingStream(Stream source, Reader reader) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = source.Read(buffer);
            Seen(buffer[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await source.ReadAsync(buffer, cancellationToken);
            Seen(buffer.Span[..read]);
            return read;
        }

        private void Seen(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty)
            {
                reader.End();
            }
            else
            {
                reader.Feed(bytes);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.End();
                source.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
