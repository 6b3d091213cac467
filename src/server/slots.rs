//! Slots for cold work (renders and fast compressions): a few at once for
//! the whole server, and at most half of them per client, so one client's
//! stream of new variants queues behind itself, not in front of everyone
//! else. Cached requests take no slot.

use std::sync::Arc;

/// Renders (and compressions) under way at once: two per core. Rendering is CPU work; more at
/// once only queues behind the cores, and a flood of distinct variants
/// (new zones, start dates, reminders) must not build a backlog that
/// outlives its requests.
pub(super) fn renders() -> &'static tokio::sync::Semaphore {
    static RENDERS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    RENDERS.get_or_init(|| tokio::sync::Semaphore::new(render_slots()))
}

pub(super) fn render_slots() -> usize {
    static SLOTS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SLOTS.get_or_init(|| 2 * std::thread::available_parallelism().map_or(2, |n| n.get()))
}

tokio::task_local! {
    /// The address of the client a connection's requests come from (set
    /// around each connection by the accept loop).
    static CLIENT: std::net::IpAddr;
}

/// Run a connection's future as `client`'s: its cold work is then shared
/// fairly with other clients' (see [`cold_slot`]).
pub(super) fn as_client<F: std::future::Future>(
    client: std::net::IpAddr,
    f: F,
) -> impl std::future::Future<Output = F::Output> {
    CLIENT.scope(fairness_key(client), f)
}

/// Who counts as one client: an IPv4 address, or an IPv6 /64 (one
/// subscriber's network: a host can use any address in its /64, so
/// counting addresses would give one sender unlimited "clients").
fn fairness_key(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.into(),
            None => {
                let s = v6.segments();
                std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0).into()
            }
        },
        v4 => v4,
    }
}

/// A slot for cold work (a render or a fast compression): one of the
/// server's [`renders`], and at most half of them per client address, so a
/// client sending a stream of new variants on many connections queues
/// behind itself, not in front of everyone else (the global queue is FIFO:
/// without this its 16 waiters would all be ahead of another client's
/// first request). `None` only if a semaphore is closed.
pub(super) async fn cold_slot() -> Option<ColdSlot> {
    turn().await?.slot().await
}

/// The client's turn for cold work, waiting behind its own earlier cold
/// work if it has its share under way. `None` only if the gate is closed.
pub(super) async fn turn() -> Option<Turn> {
    let client = match CLIENT.try_with(|c| *c) {
        Ok(c) => Some(clients().gate(c).acquire_owned().await.ok()?),
        Err(_) => None,
    };
    Some(Turn { client })
}

/// The client's turn if it has one free now, without queueing: a request
/// holding something others may wait for (a key's render) takes its turn
/// only this way, and gives that up before it queues (see
/// `FeedCache::get_or_render`). Work outside any client always has a turn.
pub(super) fn try_turn() -> Option<Turn> {
    let client = match CLIENT.try_with(|c| *c) {
        // The gate is FIFO: with waiters queued it has no free permit, so
        // this never jumps the client's own queue.
        Ok(c) => Some(clients().gate(c).try_acquire_owned().ok()?),
        Err(_) => None,
    };
    Some(Turn { client })
}

/// One of a client's share of cold work; given back when dropped: with
/// the request if it is cancelled while it waits, or with the work it was
/// taken for (see [`ColdSlot`]).
pub(super) struct Turn {
    client: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Turn {
    /// The server-wide slot, waited for with the client's turn in hand:
    /// that queue holds at most a share per client, so it is fair.
    pub(super) async fn slot(self) -> Option<ColdSlot> {
        let global = renders().acquire().await.ok()?;
        Some(ColdSlot {
            _global: global,
            _turn: self,
        })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(permit) = self.client.take() {
            clients().release(permit);
        }
    }
}

/// A slot for cold work; given back when dropped. Moved into the work it
/// pays for, so that a request cancelled mid-render (its client gone)
/// still counts until that work ends.
pub(super) struct ColdSlot {
    _global: tokio::sync::SemaphorePermit<'static>,
    _turn: Turn,
}

/// Per-client gates, held only while a client has cold work under way or
/// waiting: the map is bounded by the requests in flight.
#[derive(Default)]
struct Clients(
    std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, Arc<tokio::sync::Semaphore>>>,
);

impl Clients {
    fn gate(&self, client: std::net::IpAddr) -> Arc<tokio::sync::Semaphore> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(client)
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new((render_slots() / 2).max(1))))
            .clone()
    }

    fn release(&self, permit: tokio::sync::OwnedSemaphorePermit) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        drop(permit);
        // Only the map holds it (no permit, no waiter): forget the client.
        // Clones are made under this lock, so none can appear meanwhile.
        map.retain(|_, gate| Arc::strong_count(gate) > 1);
    }
}

fn clients() -> &'static Clients {
    static CLIENTS: std::sync::OnceLock<Clients> = std::sync::OnceLock::new();
    CLIENTS.get_or_init(Clients::default)
}

/// Unit tests that take the server's slots run one at a time: the slots
/// are process-wide, and one test's held slots would be another's full
/// server.
#[cfg(test)]
pub(super) static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    /// Poll once: ready now or not (no clock involved).
    fn now<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
        match Pin::new(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        }
    }

    /// Queue order, not time: with one client holding all its slots and
    /// more of its requests waiting, another client's cold request gets a
    /// slot at once.
    #[test]
    fn one_clients_stream_of_cold_work_does_not_queue_ahead_of_another() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let flooder: std::net::IpAddr = [10, 0, 0, 1].into();
        let other: std::net::IpAddr = [10, 0, 0, 2].into();
        let per_client = (render_slots() / 2).max(1);
        let mut held = Vec::new();
        for _ in 0..per_client {
            let slot = now(&mut Box::pin(as_client(flooder, cold_slot())));
            held.push(slot.flatten().expect("a free slot"));
        }
        let mut waiting: Vec<_> = (0..16)
            .map(|_| Box::pin(as_client(flooder, cold_slot())))
            .collect();
        for w in &mut waiting {
            assert!(now(w).is_none(), "over the client's share");
        }
        let theirs = now(&mut Box::pin(as_client(other, cold_slot())));
        assert!(theirs.flatten().is_some(), "queued behind another client");
        // The flooder's next one goes when one of its own ends.
        drop(held.pop());
        assert!(now(&mut waiting[0]).flatten().is_some());
    }

    #[test]
    fn an_ipv6_64_is_one_client_and_mapped_ipv4_is_its_address() {
        let a: std::net::IpAddr = "2001:db8:1:2::1".parse().expect("literal");
        let b: std::net::IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().expect("literal");
        let c: std::net::IpAddr = "2001:db8:1:3::1".parse().expect("literal");
        assert_eq!(fairness_key(a), fairness_key(b));
        assert_ne!(fairness_key(a), fairness_key(c));
        let mapped: std::net::IpAddr = "::ffff:10.0.0.1".parse().expect("literal");
        assert_eq!(fairness_key(mapped), std::net::IpAddr::from([10, 0, 0, 1]));
        let v4: std::net::IpAddr = [10, 0, 0, 1].into();
        assert_eq!(fairness_key(v4), v4);
    }
}
