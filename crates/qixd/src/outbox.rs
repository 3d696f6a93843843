//! A socket's queue of frames to send, bounded in bytes.
//!
//! Responses and pushes from other sockets of the session are queued from synchronous code (under the
//! session lock), so the queue cannot make its senders wait. Instead it counts the bytes waiting: a client
//! that stops reading while the queue passes its limit is cut off (the socket task is told and closes),
//! rather than letting its answers pile up in the server's memory.
//!
//! The queue is a plain deque behind a lock, given back to the allocator whenever the writer has emptied
//! it: most sockets are idle most of the time, and a channel keeps a block of slots allocated for as long
//! as it lives (tokio's unbounded channel: about 1 KB a socket, measured with heaptrack).

use crate::sync::Recover;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
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
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
}

/// The writer's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    frames: Mutex<Frames>,
    /// Wakes the writer: a frame was queued, or the last sender is gone.
    ready: Notify,
    queued: AtomicUsize,
    limit: usize,
    overflowed: AtomicBool,
    overflow: Notify,
}

/// What the lock guards: the frames, and who is still at either end.
#[derive(Debug)]
struct Frames {
    queue: VecDeque<Outgoing>,
    senders: usize,
    receiving: bool,
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
    let shared = Arc::new(Shared {
        frames: Mutex::new(Frames {
            queue: VecDeque::new(),
            senders: 1,
            receiving: true,
        }),
        ready: Notify::new(),
        queued: AtomicUsize::new(0),
        limit,
        overflowed: AtomicBool::new(false),
        overflow: Notify::new(),
    });
    (
        Outbox {
            shared: shared.clone(),
        },
        OutboxReceiver { shared },
    )
}

fn size(out: &Outgoing) -> usize {
    match out {
        Outgoing::Text(t) => t.len(),
        Outgoing::Close(_, reason) => reason.len(),
    }
}

impl Shared {
    fn frames(&self) -> MutexGuard<'_, Frames> {
        self.frames.lock().recover()
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
        {
            let mut frames = self.shared.frames();
            if !frames.receiving {
                drop(frames);
                self.shared.queued.fetch_sub(n, Ordering::Relaxed);
                return Err(SendError::Closed);
            }
            frames.queue.push_back(out);
        }
        self.shared.ready.notify_one();
        Ok(())
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

impl Clone for Outbox {
    fn clone(&self) -> Outbox {
        self.shared.frames().senders += 1;
        Outbox {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let last = {
            let mut frames = self.shared.frames();
            frames.senders -= 1;
            frames.senders == 0
        };
        if last {
            // The writer drains what is queued, then learns that nothing more will come.
            self.shared.ready.notify_one();
        }
    }
}

impl OutboxReceiver {
    /// The next frame to write, in the order they were queued; `None` once every sender is gone and the
    /// queue is empty. Call [`OutboxReceiver::written`] with the frame once it is on the wire.
    pub async fn recv(&mut self) -> Option<Outgoing> {
        loop {
            {
                let mut frames = self.shared.frames();
                if let Some(out) = frames.queue.pop_front() {
                    if frames.queue.is_empty() {
                        // An idle socket holds no slots.
                        frames.queue = VecDeque::new();
                    }
                    return Some(out);
                }
                if frames.senders == 0 {
                    return None;
                }
            }
            // A frame queued after the check above left a permit: this returns at once then.
            self.shared.ready.notified().await;
        }
    }

    /// A frame has been written: its bytes no longer count.
    pub fn written(&self, out: &Outgoing) {
        self.shared.queued.fetch_sub(size(out), Ordering::Relaxed);
    }

    /// The frame slots the queue holds (none while it is empty).
    #[cfg(test)]
    fn slots(&self) -> usize {
        self.shared.frames().queue.capacity()
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        let mut frames = self.shared.frames();
        frames.receiving = false;
        frames.queue = VecDeque::new();
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
    async fn frames_come_in_order_and_an_emptied_queue_holds_no_slots() {
        let (tx, mut rx) = outbox(1000);
        let other = tx.clone();
        for i in 0..10 {
            let from = if i % 2 == 0 { &tx } else { &other };
            from.send(Outgoing::Text(i.to_string())).unwrap();
        }
        assert!(rx.slots() >= 10);
        for i in 0..10 {
            assert_eq!(rx.recv().await, Some(Outgoing::Text(i.to_string())));
        }
        assert_eq!(rx.slots(), 0);
        // The writer waits for the next frame; one queued later wakes it.
        let writer = tokio::spawn(async move {
            let got = rx.recv().await;
            (got, rx.recv().await)
        });
        tokio::task::yield_now().await;
        tx.send(Outgoing::Close(1000, "bye".into())).unwrap();
        // Every sender gone: after what is queued, nothing.
        drop(tx);
        drop(other);
        let (got, after) = writer.await.unwrap();
        assert_eq!(got, Some(Outgoing::Close(1000, "bye".into())));
        assert_eq!(after, None);
    }

    #[tokio::test]
    async fn a_waiting_writer_learns_that_the_last_sender_is_gone() {
        let (tx, mut rx) = outbox(1000);
        let other = tx.clone();
        let writer = tokio::spawn(async move { rx.recv().await });
        tokio::task::yield_now().await;
        drop(tx);
        tokio::task::yield_now().await;
        drop(other);
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
        assert_eq!(got.ok().and_then(Result::ok), Some(None));
    }

    #[tokio::test]
    async fn a_queue_without_its_writer_refuses_frames() {
        let (tx, rx) = outbox(1000);
        drop(rx);
        assert_eq!(tx.send(Outgoing::Text("x".into())), Err(SendError::Closed));
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
