//! Campaigns in the app, online (an operator acts on campaigns as they are now, each action at
//! the revision they saw): the list, one campaign with its steps, writing and editing, the
//! lifecycle's actions; and anyone's own message preferences.
use super::*;

impl PortalApp {
    pub async fn campaigns(&self, query: CampaignQuery) -> ClientResult<CampaignList> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::Campaigns { query }).await }
        })
        .await
    }

    pub async fn campaign(&self, id: Uuid) -> ClientResult<CampaignDetail> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::CampaignOf { id }).await }).await
    }

    /// A new campaign (its id chosen by the app, so a retry after a lost answer lands once).
    pub async fn create_campaign(&self, draft: CampaignDraft) -> ClientResult<Campaign> {
        self.authed(|api, token| {
            let body = draft.clone();
            async move { api.call(Some(&token), &ep::CreateCampaign { body }).await }
        })
        .await
    }

    pub async fn edit_campaign(&self, draft: CampaignDraft, revision: u32) -> ClientResult<Campaign> {
        self.authed(|api, token| {
            let endpoint = ep::EditCampaign {
                id: draft.id,
                query: RevisionQuery { revision: Some(revision.to_string()) },
                body: draft.clone(),
            };
            async move { api.call(Some(&token), &endpoint).await }
        })
        .await
    }

    pub async fn act_on_campaign(&self, id: Uuid, request: CampaignActionRequest) -> ClientResult<Campaign> {
        self.authed(|api, token| {
            let body = request.clone();
            async move { api.call(Some(&token), &ep::ActOnCampaign { id, body }).await }
        })
        .await
    }

    pub async fn audience_size(&self, audience: Audience) -> ClientResult<AudienceSize> {
        self.authed(|api, token| {
            let body = audience.clone();
            async move { api.call(Some(&token), &ep::SizeAudience { body }).await }
        })
        .await
    }

    pub async fn message_preferences(&self) -> ClientResult<MessagePreferences> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::MessagePreferencesOf {}).await }).await
    }

    pub async fn set_message_preferences(&self, preferences: MessagePreferences) -> ClientResult<MessagePreferences> {
        self.authed(|api, token| {
            let body = preferences.clone();
            async move { api.call(Some(&token), &ep::SetMessagePreferences { body }).await }
        })
        .await
    }
}

/// Audiences kept for campaigns (online, operators): imported lists and saved segments.
impl PortalApp {
    pub async fn audiences(&self) -> ClientResult<Audiences> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::ListAudiences {}).await }).await
    }

    /// Imports a list from a file's text (its id chosen here: a retry after a lost answer gives
    /// the list as kept).
    pub async fn import_audience_list(&self, name: String, csv: String) -> ClientResult<ListReport> {
        let body = ListImport { id: Uuid::now_v7(), name, csv };
        self.authed(|api, token| {
            let body = body.clone();
            async move { api.call(Some(&token), &ep::ImportAudienceList { body }).await }
        })
        .await
    }

    pub async fn delete_audience_list(&self, id: Uuid) -> ClientResult<()> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DeleteAudienceList { id }).await }).await
    }

    pub async fn save_segment(&self, segment: NewSegment) -> ClientResult<SavedSegment> {
        self.authed(|api, token| {
            let body = segment.clone();
            async move { api.call(Some(&token), &ep::SaveSegment { body }).await }
        })
        .await
    }

    pub async fn delete_segment(&self, id: Uuid) -> ClientResult<()> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DeleteSegment { id }).await }).await
    }
}
