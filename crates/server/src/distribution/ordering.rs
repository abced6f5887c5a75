//! Pricing and placing a dealer's order: the server prices every line from the dealer's price
//! lists and the catalog (never trusting a price the app shows), reports each bad line, and places
//! the order with its credit reserved in the same transaction. The order's id is the app's, bound
//! to the account and the body: a retry from the outbox lands once.
use std::collections::HashMap;

use portal_api::*;
use portal_distribution::{
    credit::{self, CreditDecision, CreditPosition},
    lifecycle,
    ordering::{quote, SkuFacts},
    prices::PackRule,
    quick_order::{MAX_LINES, MAX_QUANTITY},
    sum,
};
use uuid::Uuid;

use super::{DistributionService, Standing};
use crate::{
    auth::Caller,
    common::{body_hash, now},
    db::{engines::orders::MAX_WAITING, position_line, NewOrder, OrderHead, PlaceRefused, Placed, PricedLine},
    error::{AppError, AppResult},
};

fn check_lines(lines: &[OrderLineDraft]) -> AppResult<()> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(AppError::field(ErrorCode::InvalidOrder, "lines", format!("An order has 1 to {MAX_LINES} lines.")));
    }
    for (i, line) in lines.iter().enumerate() {
        if line.sku.trim().is_empty() || line.sku.chars().count() > 64 {
            return Err(AppError::field(
                ErrorCode::InvalidOrder,
                &format!("lines[{i}].sku"),
                "A SKU of 1 to 64 characters.",
            ));
        }
        if line.quantity == 0 || line.quantity > MAX_QUANTITY {
            return Err(AppError::field(
                ErrorCode::InvalidOrder,
                &format!("lines[{i}].quantity"),
                format!("A quantity from 1 to {MAX_QUANTITY}."),
            ));
        }
    }
    Ok(())
}

impl DistributionService {
    /// Every line priced for the dealer today, or its problem, with where the order would go.
    pub async fn quote(&self, caller: &Caller, dealer_id: Uuid, req: QuoteRequest) -> AppResult<Quote> {
        let standing = self.standing(caller, dealer_id).await?;
        check_lines(&req.lines)?;
        let mut quote = self.price(dealer_id, &req.lines, now(), true).await?;
        // The brand's floors are for its managers: a dealer who saw them would ask them.
        if standing == Standing::OwnDealer {
            for line in &mut quote.lines {
                line.floor = None;
                line.below_floor = false;
            }
        }
        Ok(quote)
    }

    /// The lines priced for the dealer; with `credit`, what their credit line says of the total
    /// (a quote shows it; placing decides it in the order's own transaction instead).
    async fn price(&self, dealer_id: Uuid, lines: &[OrderLineDraft], at: i64, credit: bool) -> AppResult<Quote> {
        let skus: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
        // What does not depend on anything else is read at once: the buyer, the catalog's
        // prices, the SKUs' pack rules and (for a quote) the credit line.
        let (buyer_and_scopes, book, rules, position) = tokio::try_join!(
            self.buyer(dealer_id, true),
            self.catalog.price_book(),
            async { Ok::<_, AppError>(self.orders.order_rules(skus.clone()).await?) },
            async {
                Ok::<_, AppError>(match credit {
                    true => self.orders.credit_position(dealer_id).await?,
                    false => CreditPosition { limit: 0, reserved: 0, receivables: 0 },
                })
            },
        )?;
        let (buyer, scopes) = buyer_and_scopes;
        let rules: HashMap<String, PackRule> = rules.into_iter().collect();
        let mut catalog = HashMap::new();
        for sku in &skus {
            let Some(model) = book.model_of_sku.get(sku) else { continue };
            let (name_zh, name_en) = book.names.get(model).cloned().unwrap_or_default();
            let rule = rules.get(sku).copied().unwrap_or(PackRule { min_order: 1, case_pack: 1 });
            catalog.insert(
                sku.clone(),
                SkuFacts { name_zh, name_en, dealer_price: book.dealer_prices.get(sku).copied(), rule },
            );
        }
        let day = super::days::day_at(at);
        let entries = self.prices.price_entries(scopes, skus, day).await?;
        let (priced, problems) = quote(lines, &catalog, &entries, &buyer, day);
        let total = sum(priced.iter().map(|l| l.line_total))
            .map_err(|_| AppError::field(ErrorCode::InvalidOrder, "lines", "The order's total is too large."))?;
        let special = priced.iter().any(|l| l.special_price);
        let fits = matches!(credit::decide(position, total), Ok(CreditDecision::Reserve { .. }));
        Ok(Quote {
            lines: priced,
            problems,
            total,
            credit: position_line(dealer_id, position),
            goes_to: lifecycle::on_submit(special, fits),
        })
    }

    /// Places a dealer's order (their own distributors only), priced by the server.
    pub async fn place(&self, caller: &Caller, req: PlaceOrder) -> AppResult<Order> {
        if self.standing(caller, req.dealer_id).await? != Standing::OwnDealer {
            return Err(AppError::forbidden());
        }
        // A retry answers what was placed first, before anything that may have changed since (a
        // store no longer supplied, prices, the bounds on lines) could refuse it and the app send
        // it again anew.
        let hash = body_hash(&req);
        let answer_retry = |head: OrderHead| {
            let hash = &hash;
            async move {
                if head.placed_by == caller.user.id && &head.body_hash == hash {
                    return self.shown(Standing::OwnDealer, head.id).await;
                }
                Err(taken())
            }
        };
        let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let checked = check_lines(&req.lines).and_then(|()| match note.is_some_and(|n| n.chars().count() > 500) {
            true => Err(AppError::field(ErrorCode::InvalidOrder, "note", "A note of at most 500 characters.")),
            false => Ok(()),
        });
        if let Err(problem) = checked {
            return match self.orders.order_head(req.id).await? {
                Some(head) => answer_retry(head).await,
                None => Err(problem),
            };
        }
        // Bounded lines: read at once whether this id was placed already, the stores the dealer
        // supplies, and the lines' prices.
        let at = now();
        let (head, stores, quote) = tokio::join!(
            self.orders.order_head(req.id),
            self.network.supplied_stores(req.dealer_id),
            self.price(req.dealer_id, &req.lines, at, false),
        );
        if let Some(head) = head? {
            return answer_retry(head).await;
        }
        if !stores?.iter().any(|s| s.id == req.ship_to) {
            return Err(AppError::field(
                ErrorCode::InvalidOrder,
                "ship_to",
                "Ship to one of the stores this dealer supplies.",
            ));
        }
        let quote = quote?;
        if let Some(p) = quote.problems.first() {
            let mut error =
                ApiError::new(ErrorCode::InvalidOrder, p.message.clone()).with_field(&format!("lines[{}]", p.index));
            error.detail = Some(ErrorDetail { key: p.key.clone(), column: None, subject: Some(p.sku.clone()) });
            return Err(AppError(error));
        }
        let order = NewOrder {
            id: req.id,
            dealer_id: req.dealer_id,
            ship_to: req.ship_to,
            shortfall: req.shortfall,
            note: note.map(str::to_owned),
            lines: quote
                .lines
                .iter()
                .map(|l| PricedLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    list_price: l.list_price,
                    floor: l.floor,
                    special_price: l.special_price,
                    below_floor: l.below_floor,
                })
                .collect(),
            placed_by: caller.user.id,
            body_hash: hash,
            at,
        };
        let lines = order.lines.clone();
        match self.orders.place_order(order).await? {
            // Just placed: the order is what was written, answered without reading it back.
            Ok(Placed::New(head)) => Ok(placed_order(&head, lines, note, caller, at)),
            Ok(Placed::Again(head)) => self.shown(Standing::OwnDealer, head.id).await,
            Err(PlaceRefused::IdTaken) => Err(taken()),
            Err(PlaceRefused::TooManyWaiting) => Err(AppError::field(
                ErrorCode::InvalidOrder,
                "lines",
                format!(
                    "{MAX_WAITING} of this dealer's orders already wait for a review: wait for them, or withdraw some."
                ),
            )),
            Err(PlaceRefused::Credit(problem)) => {
                tracing::error!(dealer = %req.dealer_id, %problem, "a dealer's credit cannot be decided");
                Err(AppError::internal())
            }
        }
    }
}

/// A new order as the dealer sees it: its lines as priced (no floors), its first step.
fn placed_order(head: &OrderHead, lines: Vec<PricedLine>, note: Option<&str>, caller: &Caller, at: i64) -> Order {
    Order {
        id: head.id,
        dealer_id: head.dealer_id,
        ship_to: head.ship_to,
        status: head.status,
        shortfall: head.shortfall,
        lines: lines
            .into_iter()
            .map(|l| OrderLine {
                sku: l.sku,
                quantity: l.quantity,
                unit_price: l.unit_price,
                list_price: l.list_price,
                floor: None,
                special_price: l.special_price,
                below_floor: false,
                shipped: 0,
                received: 0,
                cancelled: 0,
                allocation: None,
            })
            .collect(),
        total: head.total,
        credit_held: head.credit_held,
        placed_by: head.placed_by,
        placed_at: at,
        updated_at: at,
        note: note.map(str::to_owned),
        steps: vec![OrderStepRecord {
            status: head.status,
            action: "submitted".into(),
            by: caller.user.id,
            by_name: caller.user.display_name.clone(),
            reason: None,
            at,
        }],
        shipments: Vec::new(),
    }
}

fn taken() -> AppError {
    AppError::new(
        ErrorCode::IdempotencyConflict,
        "This order id was already used for another order; send it with a new id.",
    )
}
