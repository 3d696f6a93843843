//! The layouts one socket has in flight. A sheet asks for all its objects' layouts at once after a click;
//! consecutive `GetLayout` requests of a socket run in parallel (each under the session's shared lock, see
//! `api::handle_request`), their responses going out as each is ready — clients match responses by id.
//! Any other request waits until the layouts in flight are answered, so it sees, and is seen by, the
//! requests in the order the client sent them. Two layouts of one handle never run at once: in delta mode
//! the second one's patch is made against the first one's result, so they must be answered in order.

use qix_protocol::Request;
use std::collections::HashSet;
use std::future::Future;
use tokio::task::JoinSet;

/// Layouts one socket may have in flight at once (a client that sends more waits for one to end).
const MAX_IN_FLIGHT: usize = 8;

/// The parallel requests in flight on one socket, by handle.
#[derive(Default)]
pub struct Reads {
    tasks: JoinSet<i64>,
    handles: HashSet<i64>,
}

impl Reads {
    /// Whether `request` may run alongside the requests in flight: a `GetLayout` of a handle none of them
    /// has, while the server has threads to spare (`spare`): under load, a socket's layouts in parallel
    /// would only hold threads that other sessions' requests wait for (measured: 100 sessions clicking
    /// without pause lost a fifth of their throughput), so they run one at a time.
    pub fn may_join(&mut self, request: &Request, spare: bool) -> bool {
        while let Some(done) = self.tasks.try_join_next() {
            self.ended(done);
        }
        let parallel = spare || self.tasks.is_empty();
        parallel && request.method == "GetLayout" && !self.handles.contains(&request.handle)
    }

    /// Runs `answer` (the request on `handle`) alongside the others, once fewer than the limit run.
    pub async fn spawn(&mut self, handle: i64, answer: impl Future<Output = ()> + Send + 'static) {
        while self.tasks.len() >= MAX_IN_FLIGHT {
            match self.tasks.join_next().await {
                Some(done) => self.ended(done),
                None => break,
            }
        }
        self.handles.insert(handle);
        self.tasks.spawn(async move {
            answer.await;
            handle
        });
    }

    /// Waits until every request in flight is answered.
    pub async fn drain(&mut self) {
        while let Some(done) = self.tasks.join_next().await {
            self.ended(done);
        }
        self.handles.clear();
    }

    fn ended(&mut self, done: Result<i64, tokio::task::JoinError>) {
        // A task that panicked leaves its handle until the next drain: later layouts of it wait for it.
        if let Ok(handle) = done {
            self.handles.remove(&handle);
        }
    }
}
