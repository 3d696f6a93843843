//! A socket's queue of frames to send, bounded in bytes.
//!
//! Responses and pushes from other sockets of the session are queued from synchronous code (under the
//! session lock), so the queue cannot make its senders wait. Instead it counts the bytes waiting: a client
//! that stops reading while the queue passes its limit is cut off (the socket task is told and closes),
//! rather than letting its answers pile up in the server's memory.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::Notify;

/// A frame for a socket's writer task.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// A text frame.
    Text(String),
    /// Close the socket with this code and reason.
    Close(u16, String),
}

/// The sending side, cloned into the session for pushes.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: UnboundedSender<Outgoing>,
    shared: Arc<Shared>,
}

/// The writer's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    rx: UnboundedReceiver<Outgoing>,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queued: AtomicUsize,
    limit: usize,
    overflowed: AtomicBool,
    overflow: Notify,
}

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The socket is gone.
    Closed,
    /// The client is not reading: the queue passed its limit and the socket is being closed.
    Overflow,
}

/// A queue that holds at most `limit` bytes of unsent frames.
pub fn outbox(limit: usize) -> (Outbox, OutboxReceiver) {
    let (tx, rx) = unbounded_channel();
    let shared = Arc::new(Shared {
        queued: AtomicUsize::new(0),
        limit,
        overflowed: AtomicBool::new(false),
        overflow: Notify::new(),
    });
    (
        Outbox {
            tx,
            shared: shared.clone(),
        },
        OutboxReceiver { rx, shared },
    )
}

fn size(out: &Outgoing) -> usize {
    match out {
        Outgoing::Text(t) => t.len(),
        Outgoing::Close(_, reason) => reason.len(),
    }
}

impl Outbox {
    /// Queues a frame. Past the limit the frame is dropped, the socket is marked overflowed, and its task
    /// woken to close it. A close frame is always queued.
    pub fn send(&self, out: Outgoing) -> Result<(), SendError> {
        if self.shared.overflowed.load(Ordering::Relaxed) {
            return Err(SendError::Overflow);
        }
        let n = size(&out);
        let queued = self.shared.queued.fetch_add(n, Ordering::Relaxed) + n;
        if queued > self.shared.limit && matches!(out, Outgoing::Text(_)) {
            self.shared.queued.fetch_sub(n, Ordering::Relaxed);
            if !self.shared.overflowed.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    queued,
                    limit = self.shared.limit,
                    "client does not read its answers: disconnecting it"
                );
                self.shared.overflow.notify_one();
            }
            return Err(SendError::Overflow);
        }
        self.tx.send(out).map_err(|_| {
            self.shared.queued.fetch_sub(n, Ordering::Relaxed);
            SendError::Closed
        })
    }

    /// Resolves once the queue has overflowed (at once if it already has).
    pub async fn overflowed(&self) {
        let notified = self.shared.overflow.notified();
        if self.shared.overflowed.load(Ordering::Relaxed) {
            return;
        }
        notified.await;
    }

    /// Whether the queue overflowed (the socket is being closed).
    pub fn is_overflowed(&self) -> bool {
        self.shared.overflowed.load(Ordering::Relaxed)
    }

    /// Bytes waiting to be sent.
    pub fn queued(&self) -> usize {
        self.shared.queued.load(Ordering::Relaxed)
    }
}

impl OutboxReceiver {
    /// The next frame to write; call [`OutboxReceiver::written`] with it once it is on the wire.
    pub async fn recv(&mut self) -> Option<Outgoing> {
        self.rx.recv().await
    }

    /// A frame has been written: its bytes no longer count.
    pub fn written(&self, out: &Outgoing) {
        self.shared.queued.fetch_sub(size(out), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_queue_past_its_limit_refuses_and_signals_once() {
        let (tx, mut rx) = outbox(10);
        assert_eq!(tx.send(Outgoing::Text("12345".into())), Ok(()));
        assert_eq!(tx.queued(), 5);
        assert_eq!(
            tx.send(Outgoing::Text("123456".into())),
            Err(SendError::Overflow)
        );
        tx.overflowed().await; // already signalled: returns at once
        assert_eq!(
            tx.send(Outgoing::Text("1".into())),
            Err(SendError::Overflow)
        );
        let first = rx.recv().await.unwrap();
        rx.written(&first);
        assert_eq!(tx.queued(), 0);
    }

    #[tokio::test]
    async fn written_frames_make_room() {
        let (tx, mut rx) = outbox(10);
        for _ in 0..100 {
            tx.send(Outgoing::Text("12345678".into())).unwrap();
            let f = rx.recv().await.unwrap();
            rx.written(&f);
        }
        assert_eq!(tx.queued(), 0);
    }
}
