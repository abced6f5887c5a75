//! Sending the outbox: in order, in batches by kind, set aside what is refused for good.
use super::*;

impl PortalApp {
    /// Sends what the outbox holds for this account, in order, until it is empty or the server
    /// cannot be reached (then the operations wait for their retry time). Called on a timer.
    /// Consecutive operations of one kind go in one request; a kind never overtakes an earlier one.
    pub async fn flush_outbox(&self) -> ClientResult<u32> {
        self.send_pending_revocations().await;
        let user = self.signed_in_user()?;
        // After a request the server refuses whole, operations go one at a time until the one it
        // refuses is found and set aside; then batches again.
        let mut batch = OUTBOX_BATCH;
        loop {
            let due = outbox::due(&self.cache(), user, now(), batch)?;
            let Some(first) = due.first() else { break };
            let sent = if first.kind == store_ops::OUTBOX_KIND {
                let (ops, unreadable) = store_ops::ops(&due);
                if !unreadable.is_empty() {
                    let error = ApiError::new(
                        ErrorCode::InvalidStoreOp,
                        "this operation could not be read by this version of the app; it was set aside",
                    );
                    store_ops::set_aside(&mut self.cache(), user, &unreadable, error, now())?;
                    continue;
                }
                let request = StoreOps { ops };
                let ids: Vec<Uuid> = request.ops.iter().map(|o| o.id).collect();
                let answer = self
                    .authed(|api, token| {
                        let request = request.clone();
                        async move { api.call(Some(&token), &ep::ApplyStoreOps { body: request.clone() }).await }
                    })
                    .await;
                match answer {
                    Ok(r) if r.outcomes.is_empty() => {
                        // The server answered nothing for what was sent: stop instead of looping.
                        tracing::warn!(count = ids.len(), "the server acknowledged none of the operations sent");
                        break;
                    }
                    Ok(r) => Ok(store_ops::acknowledge(&mut self.cache(), user, &r.outcomes, now())),
                    Err(e) => Err((e, ids)),
                }
            } else if first.kind == favourites::OUTBOX_KIND {
                let (ops, unreadable) = favourites::ops(&due);
                if !unreadable.is_empty() {
                    self.set_aside(&unreadable, "unreadable")?;
                    continue;
                }
                let ids: Vec<Uuid> = ops.iter().map(|o| o.id).collect();
                let request = FavouriteOps { ops };
                let answer = self
                    .authed(|api, token| {
                        let request = request.clone();
                        async move { api.call(Some(&token), &ep::FavouriteOpsBatch { body: request.clone() }).await }
                    })
                    .await;
                match answer {
                    Ok(list) => {
                        // One cache lock at a time: the lock is not re-entrant.
                        let set_aside = self.set_aside(&list.rejected, "idempotency_conflict");
                        let acked = set_aside.and_then(|_| outbox::ack(&mut self.cache(), &list.acked));
                        Ok(acked.and_then(|_| favourites::merge(&mut self.cache(), user, &list.favourites)))
                    }
                    Err(e) => Err((e, ids)),
                }
            } else if first.kind == dealer_orders::OUTBOX_KIND {
                // One order per request: each is its own transaction with its own credit check.
                let (orders, unreadable) = dealer_orders::pending(&due[..1]);
                if let Some(id) = unreadable.first() {
                    let error = ApiError::new(
                        ErrorCode::InvalidOrder,
                        "this order could not be read by this version of the app",
                    );
                    dealer_orders::refused(&mut self.cache(), user, *id, &error, now())?;
                    continue;
                }
                let retried = first.attempts > 0;
                let order = orders.into_iter().next().ok_or_else(|| ClientError::Protocol("no order".into()))?;
                let answer = self
                    .authed(|api, token| {
                        let body = order.clone();
                        async move { api.call(Some(&token), &ep::PlaceDealerOrder { body }).await }
                    })
                    .await;
                match answer {
                    Ok(placed) => Ok(dealer_orders::placed(&mut self.cache(), user, placed.id)),
                    // Refused for good by the error contract: the draft shows why, to be fixed. A
                    // retry whose first answer was lost may be refused for what changed since: if
                    // the server has the order, it was placed.
                    Err(ClientError::Api(error)) if order_refused_for_good(error.code) => {
                        if retried && self.order_detail(order.id).await.is_ok_and(|o| o.placed_by == user) {
                            dealer_orders::placed(&mut self.cache(), user, order.id)?;
                        } else {
                            dealer_orders::refused(&mut self.cache(), user, order.id, &error, now())?;
                        }
                        continue;
                    }
                    Err(e) => Err((e, vec![order.id])),
                }
            } else if first.kind == inbox::OUTBOX_KIND {
                let (changes, ids, unreadable) = inbox::changes(&due);
                if !unreadable.is_empty() {
                    self.set_aside(&unreadable, "unreadable")?;
                    continue;
                }
                let body = InboxChanges { changes };
                let answer = self
                    .authed(|api, token| {
                        let body = body.clone();
                        async move { api.call(Some(&token), &ep::ChangeInbox { body }).await }
                    })
                    .await;
                match answer {
                    Ok(server) => {
                        let acked = outbox::ack(&mut self.cache(), &ids);
                        Ok(acked.and_then(|_| {
                            let cache = self.cache();
                            let kept = inbox::with_changes(server, &inbox::unsent(&cache, user)?);
                            inbox::keep(&cache, user, &kept)
                        }))
                    }
                    Err(e) => Err((e, ids)),
                }
            } else {
                // A kind this version does not know: set aside (kept, visible), never blocking the rest.
                tracing::warn!(kind = %first.kind, "unknown outbox kind set aside");
                self.set_aside(&[first.op_id], "unknown_kind")?;
                continue;
            };
            match sent {
                Ok(stored) => {
                    stored?;
                    batch = OUTBOX_BATCH;
                }
                Err((e, ids)) if is_permanent(&e) && ids.len() > 1 => {
                    tracing::info!(error = %e, "a batch was refused whole; sending one at a time to find the one");
                    batch = 1;
                }
                Err((e, ids)) if is_permanent(&e) => {
                    tracing::warn!(error = %e, "an operation was refused for good and set aside");
                    if first.kind == store_ops::OUTBOX_KIND {
                        let error = match &e {
                            ClientError::Api(api) => api.clone(),
                            other => ApiError::new(other.code(), other.to_string()),
                        };
                        store_ops::set_aside(&mut self.cache(), user, &ids, error, now())?;
                    } else {
                        self.set_aside(&ids, e.code().as_str())?;
                    }
                }
                Err((e, ids)) => {
                    if !e.ends_session() {
                        outbox::failed(&mut self.cache(), &ids, &e.to_string(), now())?;
                    }
                    return Err(e);
                }
            }
        }
        self.report_set_aside(user).await;
        // Nothing left to send: take the account's favourites (changes from other devices).
        let list =
            self.authed(|api, token| async move { api.call(Some(&token), &ep::ListFavourites {}).await }).await?;
        favourites::merge(&mut self.cache(), user, &list.favourites)?;
        outbox::pending_count(&self.cache(), user)
    }

    /// Tells the server of operations set aside here, so that the store's manager hears of them
    /// too. Best effort: what is not acknowledged is reported with a later flush.
    pub(super) async fn report_set_aside(&self, user: Uuid) {
        const PAGE: u32 = 100;
        // Bounded: a server that acknowledges nothing cannot keep the flush here.
        for _ in 0..10 {
            let ops = match outbox::unreported_dead(&self.cache(), user, PAGE) {
                Ok(ops) if !ops.is_empty() => ops,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "set-aside operations could not be read for the report");
                    return;
                }
            };
            let report = SetAsideReport { ops };
            let answer = self
                .authed(|api, token| {
                    let report = report.clone();
                    async move { api.call(Some(&token), &ep::ReportSetAside { body: report.clone() }).await }
                })
                .await;
            match answer {
                Ok(ack) if !ack.acked.is_empty() => {
                    if let Err(e) = outbox::mark_reported(&mut self.cache(), &ack.acked, now()) {
                        tracing::warn!(error = %e, "could not note the report of set-aside operations");
                        return;
                    }
                }
                Ok(_) => return,
                Err(e) => {
                    tracing::info!(error = %e, "set-aside operations will be reported later");
                    return;
                }
            }
        }
    }

    pub(super) fn set_aside(&self, ids: &[Uuid], reason: &str) -> ClientResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut cache = self.cache();
        let tx = cache.conn.transaction()?;
        outbox::set_aside(&tx, ids, reason, now())?;
        tx.commit()?;
        Ok(())
    }

    /// See `Session::believe_access_is_fresh` (tests only).
    #[cfg(any(test, feature = "test-support"))]
    pub async fn believe_access_is_fresh(&self) {
        self.session.believe_access_is_fresh().await;
    }

    /// Ends on the server the sessions signed out while offline. A token the server no longer
    /// knows is done with; one that could not be sent waits for the next try.
    pub async fn send_pending_revocations(&self) {
        let Ok(pending) = self.session.pending_revocations() else { return };
        if pending.is_empty() {
            return;
        }
        let api = self.api();
        let mut done = Vec::new();
        for token in pending {
            match api.call(None, &ep::Revoke { body: RefreshRequest { refresh_token: token.clone() } }).await {
                Ok(()) => tracing::info!("a session signed out offline was ended on the server"),
                Err(e) if e.code() == ErrorCode::ServerUnreachable || e.code() == ErrorCode::Internal => continue,
                Err(e) => tracing::info!(error = %e, "a pending sign-out was refused; nothing left to end"),
            }
            done.push(token);
        }
        if let Err(e) = self.session.remove_pending_revocations(&done) {
            tracing::warn!(error = %e, "could not update the pending sign-outs in the keyring");
        }
    }

    /// Sends what is waiting now, without waiting for the back-off (the person asked).
    pub async fn send_now(&self) -> ClientResult<u32> {
        let user = self.signed_in_user()?;
        outbox::retry_now(&self.cache(), user, now())?;
        self.flush_outbox().await
    }
}
