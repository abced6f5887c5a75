//! Triggered offers: operators set up triggers (after a sign-in, after a purchase, back in
//! stock, on a birthday); every instance's background pass reads what happened in the last two days and writes a
//! message with products chosen for the customer into their inbox — once per fact, at most once
//! per cooldown, whichever instance gets there first (`Database::send_inbox`).
use std::collections::HashMap;

use portal_api::{
    ErrorCode, Inbox, InboxChanges, NewTrigger, Placement, Role, SetTriggerActive, Trigger, TriggerKind, TriggerList,
    MAX_INBOX_CHANGES,
};
use portal_marketing::triggers::{self, Fact, Restock, Rule, FACT_MAX_AGE_SECS};
use uuid::Uuid;

use super::MarketingService;
use crate::{
    auth::Caller,
    common::now,
    db::{InboxRow, INBOX_BATCH},
    error::{AppError, AppResult},
};

/// Products a message carries at most.
const PRODUCTS: usize = 4;
const INBOX_SHOWN: u32 = 50;

/// A message a pass is about to write, and the fact it settles (sent or held back).
struct Pending {
    message: InboxRow,
    /// (trigger, `customer:fact`): what the pass remembers not to try again.
    settles: (Uuid, String),
    fact_at: i64,
}

impl MarketingService {
    pub async fn triggers(&self, caller: &Caller) -> AppResult<TriggerList> {
        caller.require(&[Role::Operator, Role::Admin])?;
        Ok(TriggerList { triggers: self.triggers.triggers().await? })
    }

    pub async fn create_trigger(&self, caller: &Caller, req: NewTrigger) -> AppResult<Trigger> {
        caller.require(&[Role::Operator, Role::Admin])?;
        triggers::check(&req).map_err(|m| AppError::field(ErrorCode::InvalidParameter, "trigger", m))?;
        let trigger = Trigger {
            id: Uuid::now_v7(),
            name: req.name.trim().to_owned(),
            kind: req.kind,
            title_zh: req.title_zh.trim().to_owned(),
            title_en: req.title_en.trim().to_owned(),
            body_zh: req.body_zh.trim().to_owned(),
            body_en: req.body_en.trim().to_owned(),
            cooldown_days: req.cooldown_days,
            active: true,
            created_at: now(),
            active_since: now(),
            sent: 0,
        };
        if !self.triggers.create_trigger(trigger.clone(), caller.user.id).await? {
            return Err(AppError::field(ErrorCode::NameTaken, "name", "A trigger has this name already."));
        }
        Ok(trigger)
    }

    pub async fn set_trigger_active(&self, caller: &Caller, id: Uuid, req: SetTriggerActive) -> AppResult<TriggerList> {
        caller.require(&[Role::Operator, Role::Admin])?;
        if !self.triggers.set_trigger_active(id, req.active, now()).await? {
            return Err(AppError::not_found("trigger"));
        }
        self.triggers(caller).await
    }

    /// The caller's own inbox (customers receive messages; anyone signed in may read theirs).
    pub async fn inbox(&self, caller: &Caller) -> AppResult<Inbox> {
        Ok(self.triggers.inbox(caller.user.id, INBOX_SHOWN).await?)
    }

    pub async fn mark_inbox_read(&self, caller: &Caller, id: Uuid) -> AppResult<Inbox> {
        if !self.triggers.mark_inbox_read(caller.user.id, id, now()).await? {
            return Err(AppError::not_found("message"));
        }
        self.inbox(caller).await
    }

    /// Applies what the caller did to their messages (on any device, offline too): each change a
    /// setting, so a batch sent again changes nothing; another person's message or one gone is
    /// passed over.
    pub async fn change_inbox(&self, caller: &Caller, changes: InboxChanges) -> AppResult<Inbox> {
        if changes.changes.len() > MAX_INBOX_CHANGES {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "changes",
                format!("Send at most {MAX_INBOX_CHANGES} changes at once."),
            ));
        }
        if !changes.changes.is_empty() {
            self.triggers.change_inbox(caller.user.id, changes.changes, now()).await?;
        }
        self.inbox(caller).await
    }

    /// One pass: every active trigger against what happened in the last two days. Returns how
    /// many messages it wrote.
    pub async fn trigger_pass(&self) -> AppResult<usize> {
        let mut settled = self.state.trigger_pass.lock().await;
        let now = now();
        let active: Vec<Trigger> = self.triggers.triggers().await?.into_iter().filter(|t| t.active).collect();
        if active.is_empty() {
            return Ok(0);
        }
        // Birthdays by the stores' calendar (China time).
        let today = crate::common::local_day(now);
        let year: i32 = today[..4].parse().unwrap_or(1970);
        let (month, day): (u32, u32) = (today[5..7].parse().unwrap_or(1), today[8..10].parse().unwrap_or(1));
        let raw =
            self.triggers.trigger_facts(now - FACT_MAX_AGE_SECS, triggers::birthdays_on(year, month, day)).await?;
        let book = self.catalog.price_book().await?;
        let mut facts: Vec<Fact> = Vec::new();
        for (user, session, at) in raw.sign_ins {
            facts.push(Fact {
                user,
                kind: TriggerKind::AfterSignIn,
                key: session.to_string(),
                at,
                model: None,
                store: None,
            });
        }
        for (user, sale, at, sku, store) in raw.purchases {
            let model = book.model_of_sku.get(&sku).cloned();
            facts.push(Fact {
                user,
                kind: TriggerKind::AfterPurchase,
                key: sale.to_string(),
                at,
                model,
                store: Some(store),
            });
        }
        for user in raw.birthdays {
            let key = format!("birthday:{year}");
            facts.push(Fact { user, kind: TriggerKind::Birthday, key, at: now, model: None, store: None });
        }
        // Products back in stock, and their followers (only theirs, never every follower).
        let restocks: Vec<Restock> = raw
            .restocks
            .into_iter()
            .filter_map(|(store_id, store, sku, at, op)| {
                let model = book.model_of_sku.get(&sku)?.clone();
                Some(Restock { at, store_id, sku, op, store, model })
            })
            .collect();
        let mut restocked: Vec<String> = restocks.iter().map(|r| r.model.clone()).collect();
        restocked.sort();
        restocked.dedup();
        let followers = if restocked.is_empty() { vec![] } else { self.triggers.followers_of(restocked).await? };
        // Back-in-stock facts for a trigger: each follower once per product, named by the
        // product's first restock since the trigger became active (`triggers::first_restocks`).
        let back_in_stock = |since: i64| -> Vec<Fact> {
            let first = triggers::first_restocks(&restocks, since);
            followers
                .iter()
                .filter_map(|(user, model)| {
                    let r = first.get(model.as_str())?;
                    Some(Fact {
                        user: *user,
                        kind: TriggerKind::BackInStock,
                        key: r.key(),
                        at: r.at,
                        model: Some(model.clone()),
                        store: Some(r.store.clone()),
                    })
                })
                .collect()
        };
        // What this instance settled before (sent, or held back by the cooldown) is not tried again.
        let trained = self.recommender().await?;
        // Each person's profile read once a pass, however many triggers they set off.
        let mut profiles: HashMap<Uuid, crate::marketing::model::Profile> = HashMap::new();
        let mut sent = 0;
        for trigger in &active {
            let rule = Rule { kind: trigger.kind, active: trigger.active, active_since: trigger.active_since };
            let own;
            let facts = if trigger.kind == TriggerKind::BackInStock {
                own = back_in_stock(trigger.active_since);
                &own
            } else {
                &facts
            };
            let mut batch: Vec<Pending> = Vec::new();
            for fact in facts {
                let done = (trigger.id, format!("{}:{}", fact.user, fact.key));
                // Consent is checked where the message is written (`send_inbox`), for the facts'
                // people only: no pass reads every person who declined.
                if settled.contains_key(&done) || !triggers::sets_off(&rule, fact, true, now) {
                    continue;
                }
                // A message back in stock names the product itself: no profile needed.
                if fact.kind != TriggerKind::BackInStock && !profiles.contains_key(&fact.user) {
                    profiles.insert(fact.user, self.person_profile(&trained, fact.user).await?);
                }
                let profile = profiles.get(&fact.user);
                let models: Vec<String> = match fact.kind {
                    TriggerKind::AfterSignIn | TriggerKind::Birthday => {
                        trained.recommend(profile, Placement::Home, None, None, PRODUCTS).1
                    }
                    TriggerKind::AfterPurchase => match &fact.model {
                        Some(m) => trained.recommend(profile, Placement::Product, Some(m), None, PRODUCTS).1,
                        None => vec![],
                    },
                    TriggerKind::BackInStock => fact.model.iter().cloned().collect(),
                    TriggerKind::OrderUpdate | TriggerKind::Campaign => continue,
                };
                let (name_zh, name_en) =
                    fact.model.as_ref().and_then(|m| book.names.get(m).cloned()).unwrap_or_default();
                let store = fact.store.as_deref().unwrap_or_default();
                let message = InboxRow {
                    id: Uuid::now_v7(),
                    user_id: fact.user,
                    trigger_id: trigger.id,
                    fact_key: fact.key.clone(),
                    kind: fact.kind,
                    title_zh: triggers::fill_title(&trigger.title_zh, &name_zh, store),
                    title_en: triggers::fill_title(&trigger.title_en, &name_en, store),
                    body_zh: triggers::fill_body(&trigger.body_zh, &name_zh, store),
                    body_en: triggers::fill_body(&trigger.body_en, &name_en, store),
                    recommendation: Uuid::now_v7(),
                    models,
                    link: None,
                    created_at: now,
                    fact_at: fact.at,
                    trigger_name: trigger.name.clone(),
                };
                batch.push(Pending { message, settles: done, fact_at: fact.at });
                if batch.len() == INBOX_BATCH {
                    sent += self.send_batch(&mut batch, trigger, &mut settled).await?;
                }
            }
            sent += self.send_batch(&mut batch, trigger, &mut settled).await?;
        }
        // Facts older than the window never set anything off again: forget them.
        settled.retain(|_, at| *at >= now - FACT_MAX_AGE_SECS);
        Ok(sent)
    }

    /// Writes a batch of one trigger's messages in one transaction and settles its facts (sent, or
    /// held back): how many were written.
    async fn send_batch(
        &self,
        batch: &mut Vec<Pending>,
        trigger: &Trigger,
        settled: &mut std::collections::HashMap<(Uuid, String), i64>,
    ) -> AppResult<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        let (mut messages, done): (Vec<InboxRow>, Vec<((Uuid, String), i64)>) =
            batch.drain(..).map(|p| (p.message, (p.settles, p.fact_at))).unzip();
        // Stamped when written, not when the pass began: the live channel reads messages in the
        // order written, and a long pass's later batches are new when they land.
        let written_at = now();
        for m in &mut messages {
            m.created_at = written_at;
        }
        let written = self.triggers.send_inbox(messages, i64::from(trigger.cooldown_days) * 86_400).await?;
        settled.extend(done);
        Ok(written.into_iter().filter(|w| *w).count())
    }

    /// Runs the trigger passes in the background, every `triggers_interval_secs`.
    pub fn spawn_trigger_passes(&self) {
        let every = self.config.triggers_interval_secs;
        if every == 0 {
            return;
        }
        let marketing = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(every)).await;
                match marketing.trigger_pass().await {
                    Ok(0) => {}
                    Ok(sent) => tracing::info!(sent, "triggered offers sent"),
                    Err(e) => tracing::warn!(error = ?e, "triggered offers could not be sent; trying again later"),
                }
            }
        });
    }
}
