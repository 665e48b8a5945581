using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal;

internal sealed partial class FrameReader
{
    /// <summary>
    /// A get that has to wait for bytes: reads and waits until a whole frame is decoded, then completes the awaiting
    /// code. Reused by every such get of one reader.
    /// </summary>
    /// <remarks>
    /// Not an async method: an async method's box would hand its completion to the greenlet's synchronization context
    /// (a posted work item and a Tuple per message). This completes where the frame is decoded, which is the getter's
    /// own turn on the hub (the fd wait resumes the getter's greenlet), so the awaiting code continues right there:
    /// the scheduling context it captured is the one it is already on. That is the runtime's rule for its own waits
    /// (Internal/Waiter.cs). A request/response exchange thus costs one hub work item per message and allocates nothing
    /// but the messages.
    /// </remarks>
    private sealed class GetOperation<T> : IValueTaskSource<T>
    {
        private readonly FrameReader _reader;
        private readonly Action _onWaitCompleted;
        private ManualResetValueTaskSourceCore<T> _core; // continuations run inline, where the get completes
        private IGipcCodec<T>? _codec;
        private Deadline _deadline;
        private CancellationToken _cancellationToken;
        private ValueTaskAwaiter _wait;

        /// <summary>Inside <see cref="Complete"/>: the awaiting code, run inline, may already start its next get, which
        /// must then take the other operation (this one's completion has not returned yet).</summary>
        public bool Completing { get; private set; }

        public GetOperation(FrameReader reader)
        {
            _reader = reader;
            _onWaitCompleted = OnWaitCompleted;
        }

        public ValueTask<T> Start(IGipcCodec<T> codec, TimeSpan? timeout, CancellationToken cancellationToken)
        {
            _core.Reset();
            _codec = codec;
            _deadline = Deadline.Start(timeout);
            _cancellationToken = cancellationToken;
            _reader._busy = true;
            var task = new ValueTask<T>(this, _core.Version);
            Pump();
            return task;
        }

        public T GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);

        /// <summary>Decodes, reads or waits until a frame is whole; returns when it parks on a wait or has completed.</summary>
        private void Pump()
        {
            T? value = default;
            Exception? error = null;
            try
            {
                while (!_reader.TryDecode(_codec!, out value))
                {
                    ValueTask wait = _reader.ReadOrWaitAsync(_deadline, _cancellationToken);
                    if (!wait.IsCompleted)
                    {
                        _wait = wait.GetAwaiter();
                        _wait.UnsafeOnCompleted(_onWaitCompleted);
                        return;
                    }

                    wait.GetAwaiter().GetResult();
                }
            }
            catch (Exception e)
            {
                error = e;
            }

            Complete(value, error); // outside the try: what the awaiting code does inline is not this get's error
        }

        private void OnWaitCompleted()
        {
            ValueTaskAwaiter wait = _wait;
            _wait = default;
            try
            {
                wait.GetResult();
            }
            catch (Exception e)
            {
                Complete(default, e);
                return;
            }

            Pump();
        }

        private void Complete(T? value, Exception? error)
        {
            _reader._busy = false;
            _codec = null;
            _cancellationToken = default;
            Completing = true;
            if (error is null)
            {
                _core.SetResult(value!);
            }
            else
            {
                _core.SetException(error is ObjectDisposedException ? ClosedWhileWaiting("GetAsync") : error);
            }

            Completing = false;
        }
    }
}
