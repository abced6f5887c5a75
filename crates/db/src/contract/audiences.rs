//! Audiences kept for campaigns: a list imported many times at once is created once with its
//! members; a campaign's audience narrowed to lists counts their members only; a deleted list
//! takes its members with it; phone numbers are matched to their owners; segments are saved,
//! replaced and deleted.
use std::sync::Arc;

use portal_api::*;
use uuid::Uuid;

use super::{join_all, user, AT, RACERS};
use crate::*;

pub async fn an_imported_list_is_created_once_and_narrows_an_audience_to_its_members(db: Arc<dyn Database>) {
    let operator = Uuid::now_v7();
    db.create_user(user(operator, "+8613912400000", Role::Operator, None)).await.unwrap();
    let mut people = Vec::new();
    for n in 0..10 {
        let id = Uuid::now_v7();
        db.create_user(user(id, &format!("+86139124010{n:02}"), Role::Consumer, None)).await.unwrap();
        people.push(id);
    }
    let unverified = Uuid::now_v7();
    let mut them = user(unverified, "+8613912402000", Role::Consumer, None);
    them.identities[0].verified = false;
    db.create_user(them).await.unwrap();
    let owners =
        db.phone_owners(vec!["+8613912401003".into(), "+8613912402000".into(), "+8613900000000".into()]).await.unwrap();
    assert_eq!(owners.len(), 2, "a number nobody has is not there");
    assert!(owners.iter().any(|o| o.user == people[3] && o.verified));
    assert!(owners.iter().any(|o| o.user == unverified && !o.verified));

    // The same import sent many times at once: one list, its members once.
    let list = ListRow {
        id: Uuid::now_v7(),
        name: "门店活动名单".into(),
        rows: 6,
        matched: 4,
        created_by: operator,
        created_at: AT,
    };
    let members = vec![people[0], people[1], people[2], people[3]];
    let tasks = (0..RACERS).map(|_| {
        let (db, list, members) = (db.clone(), list.clone(), members.clone());
        tokio::spawn(async move { db.create_list(list, members).await })
    });
    let results: Vec<ListCreated> = join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| **r == ListCreated::Created).count(), 1);
    assert!(results.iter().all(|r| matches!(r, ListCreated::Created | ListCreated::Exists)));
    assert_eq!(db.list(list.id).await.unwrap(), Some((list.clone(), None)));
    assert_eq!(db.lists(10).await.unwrap(), vec![list.clone()]);
    assert_eq!(db.existing_lists(vec![list.id, Uuid::now_v7()]).await.unwrap(), vec![list.id]);

    // A campaign's audience narrowed to the list: its members, within every other filter.
    let listed = Audience { lists: vec![list.id], ..Default::default() };
    assert_eq!(db.audience_size(listed.clone(), AT).await.unwrap(), 4);
    let mut page = db.audience_page(listed.clone(), AT, None, 100).await.unwrap();
    page.sort();
    let mut expected = members.clone();
    expected.sort();
    assert_eq!(page, expected);
    db.set_message_preferences(PreferencesRow { marketing: false, ..PreferencesRow::default_for(people[0]) })
        .await
        .unwrap();
    assert_eq!(db.audience_size(listed.clone(), AT).await.unwrap(), 3, "consent still counts");
    assert_eq!(db.delete_list(list.id, AT + 5).await.unwrap(), ListDeleted::Deleted);
    assert_eq!(db.delete_list(list.id, AT + 6).await.unwrap(), ListDeleted::Missing);
    assert_eq!(db.audience_size(listed, AT).await.unwrap(), 0, "its members went with it");
    // Its id is never used again: an import under it finds it (deleted), and nothing is written.
    assert_eq!(db.list(list.id).await.unwrap().map(|(_, deleted)| deleted), Some(Some(AT + 5)));
    assert_eq!(db.create_list(list.clone(), vec![people[5]]).await.unwrap(), ListCreated::Exists);
    assert!(db.lists(10).await.unwrap().is_empty());
    assert!(db.existing_lists(vec![list.id]).await.unwrap().is_empty());
    // A list a campaign not yet finished names cannot be deleted.
    let named = ListRow { id: Uuid::now_v7(), ..list.clone() };
    assert_eq!(db.create_list(named.clone(), vec![people[1]]).await.unwrap(), ListCreated::Created);
    let campaign = super::delivery::running_campaign(&db, operator, "[\"inbox\"]").await;
    let mut row = db.campaign(campaign).await.unwrap().unwrap();
    row.audience = serde_json::to_string(&Audience { lists: vec![named.id], ..Default::default() }).unwrap();
    let step = CampaignStepRow {
        campaign_id: campaign,
        at: AT,
        by: operator,
        action: CampaignAction::Pause,
        from: CampaignStatus::Running,
        to: CampaignStatus::Paused,
        reason: None,
        revision: 1,
    };
    row.status = CampaignStatus::Paused;
    assert!(db.change_campaign(row, CampaignStatus::Running, 1, step).await.unwrap());
    assert_eq!(db.delete_list(named.id, AT + 7).await.unwrap(), ListDeleted::InUse);
    let mut done = db.campaign(campaign).await.unwrap().unwrap();
    done.status = CampaignStatus::Finished;
    let stop = CampaignStepRow {
        campaign_id: campaign,
        at: AT,
        by: operator,
        action: CampaignAction::Stop,
        from: CampaignStatus::Paused,
        to: CampaignStatus::Finished,
        reason: Some("done".into()),
        revision: 1,
    };
    assert!(db.change_campaign(done, CampaignStatus::Paused, 1, stop).await.unwrap());
    assert_eq!(db.delete_list(named.id, AT + 8).await.unwrap(), ListDeleted::Deleted, "once it is finished");

    // Segments: saved, replaced by id, listed newest first, deleted.
    let segment = |id: Uuid, name: &str, at: i64| SegmentRow {
        id,
        name: name.into(),
        audience: "{\"roles\":[\"consumer\"]}".into(),
        created_by: operator,
        updated_at: at,
    };
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    assert!(db.put_segment(segment(a, "会员", AT)).await.unwrap());
    assert!(db.put_segment(segment(b, "新客", AT + 1)).await.unwrap());
    assert!(db.put_segment(segment(a, "老会员", AT + 2)).await.unwrap());
    let kept = db.segments(10).await.unwrap();
    assert_eq!(kept.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["老会员", "新客"]);
    assert!(db.delete_segment(b).await.unwrap());
    assert_eq!(db.segments(10).await.unwrap().len(), 1);
}
