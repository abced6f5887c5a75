//! Fan-out through the database: every instance listens on PostgreSQL's `portal_inbox` channel,
//! which a statement trigger on `inbox_messages` notifies (migration 0023) when any instance's
//! transaction that wrote messages commits. One notification a transaction, whatever it wrote:
//! PostgreSQL folds identical notifications of one transaction into one. The listener only says
//! "look"; what to tell is read from the table, so a notification lost with a connection costs a
//! moment, never a message (the listener wakes its watchers again whenever it listens anew).
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use fallible_iterator::FallibleIterator;
use portal_db::InboxWake;

use crate::tls::Tls;

/// The channel migration 0023's trigger notifies.
pub(crate) const INBOX_CHANNEL: &str = "portal_inbox";

/// How long a wait for a notification lasts before the stop flag is looked at again.
const WAIT: Duration = Duration::from_millis(500);
/// How often an idle listening connection is checked (one round trip): a peer gone without a
/// word is noticed within this and the connection's TCP timeout.
const CHECK_EVERY: Duration = Duration::from_secs(15);
/// The longest pause between attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Listens on its own connection, on a thread of its own, until `stop` is set: each
/// notification (and each fresh start) calls every one of `watchers`.
pub(crate) fn spawn(
    config: ::postgres::Config,
    tls: Tls,
    watchers: Arc<std::sync::RwLock<Vec<InboxWake>>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let wake_all = move || {
        for wake in watchers.read().unwrap_or_else(|p| p.into_inner()).iter() {
            wake();
        }
    };
    std::thread::Builder::new().name("portal-listen".into()).spawn(move || {
        const FIRST: Duration = Duration::from_millis(250);
        let mut backoff = FIRST;
        while !stop.load(Ordering::Acquire) {
            let mut listened = false;
            match listen(&config, &tls, &wake_all, &stop, &mut listened) {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %crate::describe(&e), "stopped listening for new inbox messages; listening again");
                    // A connection that listened before it failed starts the back-off afresh.
                    if listened {
                        backoff = FIRST;
                    }
                    // Slept in short steps, so that a storage dropped meanwhile ends the thread.
                    let until = std::time::Instant::now() + backoff;
                    while std::time::Instant::now() < until && !stop.load(Ordering::Acquire) {
                        std::thread::sleep(WAIT.min(until.saturating_duration_since(std::time::Instant::now())));
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    })?;
    Ok(())
}

/// One listening connection, until `stop` (Ok) or the connection fails (the error); `listened`
/// says whether it got as far as listening.
fn listen(
    config: &::postgres::Config,
    tls: &Tls,
    wake_all: &impl Fn(),
    stop: &AtomicBool,
    listened: &mut bool,
) -> Result<(), ::postgres::Error> {
    let mut client = tls.connect(config)?;
    client.batch_execute(&format!("LISTEN {INBOX_CHANNEL}"))?;
    *listened = true;
    // Whatever was written while nobody listened here is looked for now.
    wake_all();
    let mut checked = std::time::Instant::now();
    while !stop.load(Ordering::Acquire) {
        let got = {
            let mut notifications = client.notifications();
            let got = notifications.timeout_iter(WAIT).next()?.is_some();
            // A burst is one look: take whatever else has arrived, then wake once.
            while got && notifications.iter().next()?.is_some() {}
            got
        };
        if got {
            wake_all();
        } else if checked.elapsed() >= CHECK_EVERY {
            client.simple_query("")?;
            checked = std::time::Instant::now();
        }
    }
    Ok(())
}
