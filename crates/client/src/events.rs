//! Behaviour events on the device: recorded at once (offline too) into a durable queue with their
//! own ids, sent in batches in the order they happened, each removed only when the server has
//! acknowledged or refused it. The person's choice about tracking is applied here first: what they
//! declined is never recorded.
use portal_api::{EventKind, TrackedEvent};
use portal_marketing::events as rules;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    error::{ClientError, ClientResult},
};

const INSTALL_ID: &str = "events.install_id";
const TRACKING: &str = "events.tracking";
/// Set while a change of consent has not reached the server.
const TRACKING_UNSENT: &str = "events.tracking_unsent";
/// Most events a device keeps waiting; beyond, the oldest reads (not purchases or favourites) go.
pub const QUEUE_MAX: i64 = 20_000;

/// What the UI asks to record; the id, time and installation are added here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EventInput {
    pub kind: EventKind,
    #[ts(optional)]
    pub model: Option<String>,
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<String>>")]
    pub models: Vec<String>,
    #[ts(optional)]
    pub query: Option<String>,
    #[ts(optional)]
    pub results: Option<u32>,
    #[ts(optional)]
    pub recommendation: Option<Uuid>,
    #[ts(optional)]
    pub detail: Option<String>,
}

/// This installation's id for events, made on first use and again after each sign-out (so that
/// what the next person does anonymously never joins the last person's account).
pub fn install_id(cache: &Cache) -> ClientResult<Uuid> {
    if let Some(id) = read_setting(&cache.conn, INSTALL_ID)?.and_then(|s| Uuid::parse_str(&s).ok()) {
        return Ok(id);
    }
    let id = Uuid::now_v7();
    write_setting(&cache.conn, INSTALL_ID, &id.to_string())?;
    Ok(id)
}

pub fn new_install_id(cache: &Cache) -> ClientResult<()> {
    write_setting(&cache.conn, INSTALL_ID, &Uuid::now_v7().to_string())
}

/// Whether tracking is on (it is until the person turns it off).
pub fn tracking(cache: &Cache) -> ClientResult<bool> {
    Ok(read_setting(&cache.conn, TRACKING)?.as_deref() != Some("off"))
}

fn chooser(user: Option<Uuid>) -> String {
    user.map(|u| u.to_string()).unwrap_or_else(|| "anonymous".into())
}

/// Sets the choice on this device at once, for `user` (or whoever signs in next, when nobody is
/// signed in); it reaches their account with the next send. Turning it off drops what was
/// declined and not yet sent.
pub fn set_tracking(cache: &mut Cache, user: Option<Uuid>, on: bool) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    write_setting(&tx, TRACKING, if on { "on" } else { "off" })?;
    write_setting(&tx, TRACKING_UNSENT, &chooser(user))?;
    if !on {
        let needed = serde_json::to_string(&rules::kinds_needed_without_consent()).expect("kinds serialise");
        tx.execute(
            "DELETE FROM event_queue WHERE (user_id IS ?1 OR user_id IS NULL)
               AND json_extract(body, '$.kind') NOT IN (SELECT value FROM json_each(?2))",
            params![user.map(|u| u.to_string()), needed],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The choice still to tell `user`'s account, if they made one (or made it before signing in).
/// Another account's unsent choice is never sent for this one: it is dropped.
pub fn unsent_tracking(cache: &Cache, user: Option<Uuid>) -> ClientResult<Option<bool>> {
    let Some(who) = read_setting(&cache.conn, TRACKING_UNSENT)? else { return Ok(None) };
    if who == "anonymous" || Some(who.as_str()) == user.map(|u| u.to_string()).as_deref() {
        return tracking(cache).map(Some);
    }
    tracking_sent(cache)?;
    Ok(None)
}

pub fn has_unsent_choice(cache: &Cache, user: Option<Uuid>) -> ClientResult<bool> {
    Ok(unsent_tracking(cache, user)?.is_some())
}

/// Takes the account's choice as this device's.
pub fn adopt_choice(cache: &Cache, on: bool) -> ClientResult<()> {
    write_setting(&cache.conn, TRACKING, if on { "on" } else { "off" })
}

/// At sign-out: the next person starts from their own choice.
pub fn forget_choice(cache: &Cache) -> ClientResult<()> {
    cache.conn.execute("DELETE FROM settings WHERE key IN (?1, ?2)", [TRACKING, TRACKING_UNSENT])?;
    Ok(())
}

pub fn tracking_sent(cache: &Cache) -> ClientResult<()> {
    cache.conn.execute("DELETE FROM settings WHERE key = ?1", [TRACKING_UNSENT])?;
    Ok(())
}

/// Records an event, when the person's choice allows it and it is well formed; returns its id
/// (none when it was not recorded).
pub fn record(cache: &Cache, user: Option<Uuid>, input: EventInput, now: i64) -> ClientResult<Option<Uuid>> {
    let event = TrackedEvent {
        id: Uuid::now_v7(),
        kind: input.kind,
        at: now,
        model: input.model,
        models: input.models,
        query: input.query.map(|q| q.trim().to_owned()),
        results: input.results,
        recommendation: input.recommendation,
        detail: input.detail,
    };
    if rules::recorded_by_server(event.kind) {
        return Err(ClientError::Api(portal_api::ApiError::new(
            portal_api::ErrorCode::InvalidEvent,
            "purchases and accepted offers are recorded by the store",
        )));
    }
    // The products are the server's to check; everything else is checked here too.
    match rules::check(&event, now, tracking(cache)?, |_| true) {
        Ok(_) => {}
        Err(refusal) if refusal.code == portal_api::ErrorCode::TrackingDeclined => return Ok(None),
        Err(refusal) => return Err(ClientError::Api(portal_api::ApiError::new(refusal.code, refusal.reason))),
    }
    let body = serde_json::to_string(&event).expect("events serialise");
    let install = install_id(cache)?;
    let reads = rules::kinds_of_class(rules::EventClass::Read);
    let tx = cache.conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO event_queue (id, install_id, user_id, body) VALUES (?1, ?2, ?3, ?4)",
        params![event.id.to_string(), install.to_string(), user.map(|u| u.to_string()), body],
    )?;
    // A device offline for months keeps its newest reads and every positive event.
    tx.execute(
        "DELETE FROM event_queue WHERE seq IN (
           SELECT seq FROM event_queue
           WHERE json_valid(body) AND json_extract(body, '$.kind') IN (SELECT value FROM json_each(?2))
           ORDER BY seq LIMIT MAX(0, (SELECT COUNT(*) FROM event_queue) - ?1))",
        params![QUEUE_MAX, serde_json::to_string(&reads).expect("kinds serialise")],
    )?;
    tx.commit()?;
    Ok(Some(event.id))
}

/// The next batch to send: the oldest due events of one installation and signed-in person.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub install_id: Uuid,
    pub user: Option<Uuid>,
    pub events: Vec<TrackedEvent>,
    /// Rows that no longer parse (removed by the caller).
    pub unreadable: Vec<String>,
}

pub fn due(cache: &Cache, now: i64, limit: usize) -> ClientResult<Option<Due>> {
    let first: Option<(String, Option<String>)> = cache
        .conn
        .query_row(
            "SELECT install_id, user_id FROM event_queue WHERE next_try <= ?1 ORDER BY seq LIMIT 1",
            [now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((install, user)) = first else { return Ok(None) };
    let Some(install_id) = Uuid::parse_str(&install).ok().filter(|id| !id.is_nil()) else {
        // A row this version cannot place: every row of that installation goes as unreadable.
        let ids: Vec<String> = cache
            .conn
            .prepare("SELECT id FROM event_queue WHERE install_id = ?1")?
            .query_map([&install], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        return Ok(Some(Due { install_id: Uuid::nil(), user: None, events: vec![], unreadable: ids }));
    };
    let mut stmt = cache.conn.prepare(
        "SELECT id, body FROM event_queue WHERE install_id = ?1 AND user_id IS ?2 AND next_try <= ?3 ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(params![install, user, now, limit as i64], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut events = Vec::new();
    let mut unreadable = Vec::new();
    for (id, body) in rows {
        match serde_json::from_str::<TrackedEvent>(&body) {
            Ok(e) => events.push(e),
            Err(_) => unreadable.push(id),
        }
    }
    Ok(Some(Due { install_id, user: user.and_then(|u| Uuid::parse_str(&u).ok()), events, unreadable }))
}

/// Removes what the server answered for (acknowledged or refused for good).
pub fn answered(cache: &mut Cache, ids: impl IntoIterator<Item = String>) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    {
        let mut delete = tx.prepare_cached("DELETE FROM event_queue WHERE id = ?1")?;
        for id in ids {
            delete.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Holds the batch back until `until` (the server asked to wait, or could not be reached).
pub fn postpone(cache: &Cache, due: &Due, until: i64) -> ClientResult<()> {
    let mut stmt = cache.conn.prepare_cached("UPDATE event_queue SET next_try = ?2 WHERE id = ?1")?;
    for e in &due.events {
        stmt.execute(params![e.id.to_string(), until])?;
    }
    Ok(())
}

/// Holds back every event of an installation (the server asked it to wait).
pub fn postpone_installation(cache: &Cache, install_id: Uuid, until: i64) -> ClientResult<()> {
    cache.conn.execute(
        "UPDATE event_queue SET next_try = ?2 WHERE install_id = ?1",
        params![install_id.to_string(), until],
    )?;
    Ok(())
}

/// Tries before a batch the server keeps refusing whole is given up (logged).
pub const MAX_WHOLE_REFUSALS: i64 = 5;

/// A batch refused whole (a newer app's event an older server cannot read): held back longer
/// each time, and dropped after `MAX_WHOLE_REFUSALS` (returns how many were dropped).
pub fn refused_whole(cache: &mut Cache, due: &Due, now: i64) -> ClientResult<usize> {
    let tx = cache.conn.transaction()?;
    let mut dropped = 0;
    {
        let mut bump = tx.prepare_cached(
            "UPDATE event_queue SET attempts = attempts + 1, next_try = ?2 + 600 * (attempts + 1) WHERE id = ?1
             RETURNING attempts",
        )?;
        let mut delete = tx.prepare_cached("DELETE FROM event_queue WHERE id = ?1")?;
        for e in &due.events {
            let id = e.id.to_string();
            let attempts: i64 = bump.query_row(params![id, now], |r| r.get(0))?;
            if attempts >= MAX_WHOLE_REFUSALS {
                delete.execute([&id])?;
                dropped += 1;
            }
        }
    }
    tx.commit()?;
    Ok(dropped)
}

pub fn waiting(cache: &Cache) -> ClientResult<u32> {
    Ok(cache.conn.query_row("SELECT COUNT(*) FROM event_queue", [], |r| r.get(0))?)
}

impl EventInput {
    /// An event of `kind` with nothing else (an app open, a sign-in).
    pub fn of(kind: EventKind) -> Self {
        EventInput { kind, model: None, models: vec![], query: None, results: None, recommendation: None, detail: None }
    }
}

/// The person's tracking choice as the privacy screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrackingState {
    pub tracking: bool,
    /// Events recorded on this device and not yet sent.
    pub waiting: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        (dir, cache)
    }

    fn view(model: &str) -> EventInput {
        EventInput { model: Some(model.into()), ..EventInput::of(EventKind::ProductView) }
    }

    #[test]
    fn declined_events_are_never_recorded_and_unsent_ones_are_dropped() {
        let (_dir, mut cache) = cache();
        record(&cache, None, view("A"), 1).unwrap().unwrap();
        assert!(
            record(&cache, None, EventInput::of(EventKind::SignIn), 2).is_err(),
            "sign-ins are the server's to record"
        );
        assert_eq!(unsent_tracking(&cache, None).unwrap(), None);
        set_tracking(&mut cache, None, false).unwrap();
        assert_eq!(waiting(&cache).unwrap(), 0, "the declined view left");
        assert_eq!(record(&cache, None, view("B"), 3).unwrap(), None);
        assert_eq!(unsent_tracking(&cache, None).unwrap(), Some(false), "the account is told later");
        let purchase = EventInput { model: Some("A".into()), ..EventInput::of(EventKind::Purchase) };
        assert!(record(&cache, None, purchase, 4).is_err(), "purchases are the store's to record");
        let broken = EventInput::of(EventKind::Search);
        set_tracking(&mut cache, None, true).unwrap();
        assert!(record(&cache, None, broken, 5).is_err(), "a search without its query");
    }

    #[test]
    fn batches_keep_to_one_installation_and_person_in_order() {
        let (_dir, mut cache) = cache();
        let (me, first) = (Uuid::now_v7(), install_id(&cache).unwrap());
        record(&cache, None, view("A"), 1).unwrap();
        record(&cache, Some(me), view("B"), 2).unwrap();
        new_install_id(&cache).unwrap();
        assert_ne!(install_id(&cache).unwrap(), first, "a sign-out starts a new installation id");
        record(&cache, None, view("C"), 3).unwrap();
        let models = |d: &Due| d.events.iter().map(|e| e.model.clone().unwrap()).collect::<Vec<_>>();
        let batch = due(&cache, 10, 500).unwrap().unwrap();
        assert_eq!((batch.install_id, batch.user, models(&batch)), (first, None, vec!["A".to_owned()]));
        answered(&mut cache, batch.events.iter().map(|e| e.id.to_string())).unwrap();
        let batch = due(&cache, 10, 500).unwrap().unwrap();
        assert_eq!((batch.user, models(&batch)), (Some(me), vec!["B".to_owned()]));
        postpone(&cache, &batch, 100).unwrap();
        let next = due(&cache, 10, 500).unwrap().unwrap();
        assert_eq!(models(&next), ["C"], "a batch held back does not block the others");
        assert_ne!(next.install_id, first);
        assert_eq!(waiting(&cache).unwrap(), 2);
    }

    #[test]
    fn a_long_offline_queue_keeps_positive_events_and_the_newest_reads() {
        let (_dir, cache) = cache();
        let favourite = EventInput { model: Some("F".into()), ..EventInput::of(EventKind::Favourite) };
        record(&cache, None, favourite, 0).unwrap();
        for i in 0..(QUEUE_MAX + 10) {
            record(&cache, None, view(&format!("M{i}")), i).unwrap();
        }
        assert_eq!(waiting(&cache).unwrap() as i64, QUEUE_MAX);
        let kinds: Vec<String> = cache
            .conn
            .prepare("SELECT json_extract(body, '$.model') FROM event_queue ORDER BY seq LIMIT 2")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kinds, ["F", "M11"], "the favourite stays; the oldest views went");
    }

    #[test]
    fn a_choice_is_sent_only_for_who_made_it() {
        let (_dir, mut cache) = cache();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        set_tracking(&mut cache, Some(a), false).unwrap();
        assert_eq!(unsent_tracking(&cache, Some(b)).unwrap(), None, "never sent for another account");
        assert_eq!(unsent_tracking(&cache, Some(a)).unwrap(), None, "and dropped, not kept for later");
        set_tracking(&mut cache, None, false).unwrap();
        assert_eq!(
            unsent_tracking(&cache, Some(b)).unwrap(),
            Some(false),
            "made before signing in: the next account's"
        );
        forget_choice(&cache).unwrap();
        assert!(tracking(&cache).unwrap(), "the next person starts with their own choice");
    }

    #[test]
    fn a_batch_refused_whole_is_given_up_after_a_few_tries() {
        let (_dir, mut cache) = cache();
        record(&cache, None, view("A"), 1).unwrap();
        for attempt in 1..=MAX_WHOLE_REFUSALS {
            let batch = due(&cache, i64::MAX / 2, 500).unwrap().unwrap();
            let dropped = refused_whole(&mut cache, &batch, 10).unwrap();
            assert_eq!(dropped, usize::from(attempt == MAX_WHOLE_REFUSALS));
            if attempt < MAX_WHOLE_REFUSALS {
                assert!(due(&cache, 10, 500).unwrap().is_none(), "held back after try {attempt}");
            }
        }
        assert_eq!(waiting(&cache).unwrap(), 0);
    }
}
