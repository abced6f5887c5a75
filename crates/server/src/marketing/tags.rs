//! Customer tags: operators write rules (`portal_marketing::tags`), and every instance keeps the
//! members up to date — incrementally, from the people whose behaviour or store purchases arrived
//! since the last pass, and over everyone once a day (rules with days in them change with the
//! calendar) or when a tag is new.

use portal_api::{CustomerTag, CustomerTagList, ErrorCode, NewCustomerTag, Role, TagField};
use portal_marketing::tags::{self, Bought, Did, Expr};
use uuid::Uuid;

use super::model::Model;
use super::MarketingService;
use crate::{
    auth::Caller,
    common::now,
    db::{CustomerActivity, Customers, TagRow},
    error::{AppError, AppResult},
};

/// Customers read and tagged at once.
const PAGE: u32 = 500;
/// Behaviour older than this does not shape a profile.
const PROFILE_WINDOW_SECS: i64 = 400 * 86_400;
/// A store purchase may arrive this long after it was made (a device offline); an incremental
/// pass looks this far back for purchases.
const PURCHASE_LOOKBACK_SECS: i64 = 2 * 86_400;
const DAY: i64 = 86_400;
/// Behaviour younger than this is left to the next pass (a write may commit late in its second).
const SETTLE_SECS: i64 = 5;
const NAME_MAX: usize = 60;

fn tag_of(row: TagRow) -> CustomerTag {
    CustomerTag {
        id: row.id,
        name: row.name,
        rule: row.rule,
        size: row.size,
        computed_at: row.computed_at,
        created_at: row.created_at,
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagPass {
    pub full: bool,
    pub customers: usize,
}

impl MarketingService {
    pub async fn customer_tags(&self, caller: &Caller) -> AppResult<CustomerTagList> {
        caller.require(&[Role::Operator, Role::Admin])?;
        Ok(CustomerTagList {
            tags: self.tags.tags().await?.into_iter().map(tag_of).collect(),
            fields: tags::FIELDS
                .iter()
                .map(|(name, description)| TagField { name: (*name).into(), description: (*description).into() })
                .collect(),
        })
    }

    /// Saves a tag whose rule parses (nothing is saved otherwise) and works out its members.
    pub async fn create_customer_tag(&self, caller: &Caller, req: NewCustomerTag) -> AppResult<CustomerTag> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "name",
                format!("A tag needs a name of 1 to {NAME_MAX} characters."),
            ));
        }
        let rule = req.rule.trim();
        tags::parse(rule).map_err(|e| {
            let mut error = AppError::field(ErrorCode::InvalidTagRule, "rule", e.to_string());
            // The column in what the operator typed, leading spaces included.
            let leading = req.rule.chars().take_while(|c| c.is_whitespace()).count();
            error.0.detail = Some(portal_api::ErrorDetail {
                key: e.problem.to_owned(),
                column: u32::try_from(e.column + leading).ok(),
                subject: e.subject.clone(),
            });
            error
        })?;
        let row = TagRow {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            rule: rule.to_owned(),
            created_by: caller.user.id,
            created_at: now(),
            size: 0,
            computed_at: None,
        };
        if !self.tags.create_tag(row.clone()).await? {
            return Err(AppError::field(ErrorCode::NameTaken, "name", "A tag has this name already."));
        }
        // Worked out over everyone in the background (the list shows it as being worked out).
        let marketing = self.clone();
        tokio::spawn(async move {
            if let Err(e) = marketing.tag_pass(true).await {
                tracing::warn!(error = ?e, "a new tag could not be worked out; the next pass will");
            }
        });
        Ok(tag_of(row))
    }

    pub async fn delete_customer_tag(&self, caller: &Caller, id: Uuid) -> AppResult<()> {
        caller.require(&[Role::Operator, Role::Admin])?;
        if !self.tags.delete_tag(id).await? {
            return Err(AppError::not_found("tag"));
        }
        Ok(())
    }

    /// Runs a pass now (operators: "recompute"), over everyone when `full`.
    pub async fn recompute_customer_tags(&self, caller: &Caller, full: bool) -> AppResult<CustomerTagList> {
        caller.require(&[Role::Operator, Role::Admin])?;
        self.tag_pass(full).await?;
        self.customer_tags(caller).await
    }

    /// One pass: over everyone when asked, once a day, or when a tag was never worked out;
    /// otherwise over the people whose behaviour, choice about tracking or purchases arrived since
    /// the last pass.
    pub async fn tag_pass(&self, full: bool) -> AppResult<TagPass> {
        let _one_at_a_time = self.state.tag_pass.lock().await;
        let rows = self.tags.tags().await?;
        if rows.is_empty() {
            return Ok(TagPass::default());
        }
        let parsed: Vec<(&TagRow, Option<Expr>)> = rows.iter().map(|t| (t, tags::parse(&t.rule).ok())).collect();
        let rules: Vec<(Uuid, Expr)> = parsed.iter().filter_map(|(t, e)| Some((t.id, e.clone()?))).collect();
        let model = self.recommender().await?;
        let now = now();
        // Behaviour is read up to a few seconds ago: a write committing late in the same second is
        // not skipped.
        let until = now - SETTLE_SECS;
        let (events_through, full_at) = self.tags.tag_progress().await?;
        let never_worked_out = parsed.iter().any(|(t, e)| t.computed_at.is_none() && e.is_some());
        let full = full || now - full_at >= DAY || never_worked_out;
        let mut customers = 0;
        if full {
            let mut after = None;
            loop {
                let page = self
                    .tags
                    .customer_activity(Customers::Page { after, limit: PAGE }, now - PROFILE_WINDOW_SECS)
                    .await?;
                let Some(last) = page.last() else { break };
                after = Some(last.user_id);
                customers += page.len();
                self.tag_people(&rules, &model, &page, now, false).await?;
                if page.len() < PAGE as usize {
                    break;
                }
            }
            // Every tag worked out over everyone: sizes counted once, and stamped.
            for (id, _) in &rules {
                self.tags.set_tag_members(*id, vec![], vec![], true, Some(now)).await?;
            }
            // What arrived after `until` is taken by the next incremental pass.
            self.tags.set_tag_progress(until.max(events_through), now).await?;
        } else {
            let purchases_after = events_through.max(full_at) - PURCHASE_LOOKBACK_SECS;
            let changed = self.tags.changed_customers(events_through, until, purchases_after).await?;
            for chunk in changed.chunks(PAGE as usize) {
                let page =
                    self.tags.customer_activity(Customers::Only(chunk.to_vec()), now - PROFILE_WINDOW_SECS).await?;
                customers += page.len();
                self.tag_people(&rules, &model, &page, now, true).await?;
            }
            self.tags.set_tag_progress(until.max(events_through), full_at).await?;
        }
        Ok(TagPass { full, customers })
    }

    async fn tag_people(
        &self,
        rules: &[(Uuid, Expr)],
        model: &Model,
        page: &[CustomerActivity],
        now: i64,
        recount: bool,
    ) -> AppResult<()> {
        let profiles: Vec<(Uuid, tags::Profile)> =
            page.iter().map(|a| (a.user_id, profile_of(a, model, now))).collect();
        let checked: Vec<Uuid> = profiles.iter().map(|p| p.0).collect();
        for (id, rule) in rules {
            let members: Vec<Uuid> = profiles.iter().filter(|(_, p)| tags::matches(rule, p)).map(|(u, _)| *u).collect();
            self.tags.set_tag_members(*id, checked.clone(), members, recount, None).await?;
        }
        Ok(())
    }

    /// Keeps the tags up to date in the background, every `tags_interval_secs`.
    pub fn spawn_tag_passes(&self) {
        let every = self.config.tags_interval_secs;
        if every == 0 {
            return;
        }
        let marketing = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(every)).await;
                match marketing.tag_pass(false).await {
                    Ok(pass) if pass.customers > 0 => {
                        tracing::info!(full = pass.full, customers = pass.customers, "customer tags updated")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = ?e, "customer tags could not be updated; trying again later"),
                }
            }
        });
    }
}

/// A customer's profile from their activity, the catalog's categories standing in for products.
pub fn profile_of(activity: &CustomerActivity, model: &Model, now: i64) -> tags::Profile {
    let bought: Vec<Bought> = activity
        .purchases
        .iter()
        .map(|(sku, at, units, fen, city)| Bought {
            category: model.category_of_sku(sku).unwrap_or("other").to_owned(),
            at: *at,
            amount: *fen,
            units: *units,
            city: Some(city.clone()),
        })
        .collect();
    let did: Vec<Did> = activity
        .events
        .iter()
        .map(|(kind, m, at)| Did {
            kind: *kind,
            category: m.as_deref().and_then(|m| model.category_of_model(m)).map(str::to_owned),
            at: *at,
        })
        .collect();
    tags::profile(now, &bought, &did)
}
