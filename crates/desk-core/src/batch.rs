//! Group commit for ticket creation. Every create goes through one task that takes whatever
//! creations are waiting, writes them in one transaction and answers each; while that commit's
//! fsync runs, the next batch gathers. An idle server commits a lone ticket at once, so nothing
//! waits on a timer, and each ticket is durable before its caller hears 201.

use std::sync::Arc;

use desk_store::{NewTicket, Store, TenantCtx, TicketRecord};
use tokio::sync::{mpsc, oneshot};

use crate::{Clock, CoreError, CoreResult};

/// Most creations written in one transaction.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<CoreResult<TicketRecord>>;

/// Sends creations to the batching task.
#[derive(Clone)]
pub(crate) struct TicketWriter {
    tx: mpsc::Sender<(TenantCtx, NewTicket, Reply)>,
}

impl TicketWriter {
    /// Starts the task on the current tokio runtime.
    pub(crate) fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(store, clock, rx));
        Self { tx }
    }

    /// Creates one ticket, possibly together with others.
    pub(crate) async fn create(&self, ctx: TenantCtx, new: NewTicket) -> CoreResult<TicketRecord> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((ctx, new, reply)).await.map_err(|_| CoreError::Internal("ticket writer stopped".into()))?;
        answer.await.map_err(|_| CoreError::Internal("ticket writer dropped a request".into()))?
    }
}

async fn run(store: Arc<dyn Store>, clock: Arc<dyn Clock>, mut rx: mpsc::Receiver<(TenantCtx, NewTicket, Reply)>) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        // Tenants in one order in every process: two batches never take the same tenants'
        // counter and group rows in opposite orders (a deadlock on PostgreSQL).
        waiting.sort_by_key(|(ctx, _, _)| ctx.tenant_id());
        let (batch, replies): (Vec<(TenantCtx, NewTicket)>, Vec<Reply>) = waiting.drain(..).map(|(c, n, r)| ((c, n), r)).unzip();
        match store.create_tickets(&batch, clock.now_ms()).await {
            Ok(tickets) => {
                for (reply, ticket) in replies.into_iter().zip(tickets) {
                    let _ = reply.send(Ok(ticket));
                }
            }
            // One bad creation must not fail its neighbours: retry each alone for its own answer.
            Err(_) if batch.len() > 1 => {
                for (item, reply) in batch.into_iter().zip(replies) {
                    let result = store.create_tickets(std::slice::from_ref(&item), clock.now_ms()).await;
                    let _ = reply.send(result.map_err(CoreError::from).and_then(|mut v| v.pop().ok_or(CoreError::NotFound)));
                }
            }
            Err(e) => {
                // A batch of one: its own error, with its own status (409, 422…).
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(CoreError::from(e)));
                }
            }
        }
    }
}
