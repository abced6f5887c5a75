//! People's behaviour as the recommenders read it: pages of people that never split a person,
//! each person once, the same rows one person's own read gives, and nobody who declined.
use super::*;

/// Every person's behaviour since `since`, read in pages of two rows of each kind (so that the
/// tests cross many page boundaries), flattened back into one window.
pub async fn interactions(db: &Arc<dyn Database>, since: i64) -> Interactions {
    let mut all = Interactions::default();
    for person in every_page(db, since, 2).await.into_iter().flat_map(|p| p.people) {
        let user = person.user;
        all.events.extend(person.interest.into_iter().map(|r| (user, r.model, r.kind, r.at)));
        all.purchases.extend(person.purchases.into_iter().map(|p| (user, p.sku, p.at)));
        all.regions.extend(person.city.map(|c| (user, c)));
        all.segments.extend(person.segments.into_iter().map(|t| (user, t)));
    }
    all
}

pub async fn every_page(db: &Arc<dyn Database>, since: i64, rows: u32) -> Vec<InterestPage> {
    let mut pages = vec![];
    let mut after = None;
    loop {
        let page = db.interest_page(since, after, rows).await.unwrap();
        let next = page.next;
        pages.push(page);
        match next {
            Some(n) => after = Some(n),
            None => return pages,
        }
    }
}

pub async fn people_are_paged_whole_once_each_and_read_alone_alike(db: Arc<dyn Database>) {
    let install = Uuid::now_v7();
    let mut people = vec![];
    for i in 0..7 {
        let me = consumer(&*db, &format!("+86139000003{i:02}")).await;
        // 1 to 7 products each: pages of two rows must still hold each person whole.
        let events: Vec<EventToKeep> =
            (0..=i).map(|m| event_of(EventKind::Favourite, Some(&format!("M{m}")))).collect();
        db.ingest_events(request(install, Some(me), events, 10_000, AT)).await.unwrap();
        people.push(me);
    }
    let declined = people[3];
    db.set_tracking_consent(declined, false, AT).await.unwrap();
    people.sort();

    for rows in [1, 2, 3, 50] {
        let pages = every_page(&db, 0, rows).await;
        let seen: Vec<Uuid> = pages.iter().flat_map(|p| p.people.iter().map(|h| h.user)).collect();
        let expected: Vec<Uuid> = people.iter().copied().filter(|u| *u != declined).collect();
        assert_eq!(seen, expected, "pages of {rows}: each person once, in id order, nobody who declined");
        for page in &pages {
            for person in &page.people {
                let alone = db.person_history(person.user, 0).await.unwrap();
                let mut paged = person.interest.clone();
                let mut own = alone.interest.clone();
                paged.sort_by(|a, b| a.model.cmp(&b.model));
                own.sort_by(|a, b| a.model.cmp(&b.model));
                assert_eq!(paged, own, "a page never splits a person");
            }
        }
    }
    // As training plans: several page ends at once, ranges read on their own. The person with 7
    // rows fills several places of a page of 1 row and must not make the rest look as if it fits.
    for (rows, pages) in [(1, 3), (2, 2), (1, 16), (100, 4)] {
        let (mut seen, mut after) = (vec![], None);
        loop {
            let ends = db.interest_bounds(after, rows, pages).await.unwrap();
            assert!(ends.ends.len() <= pages as usize);
            let mut ranges: Vec<(Option<Uuid>, Option<Uuid>)> = vec![];
            for end in &ends.ends {
                ranges.push((after, Some(*end)));
                after = Some(*end);
            }
            if ends.rest_fits {
                ranges.push((after, None));
            }
            for (from, through) in ranges {
                let people = db.interest_range(0, from, through).await.unwrap();
                // Fewer than `rows` before its last person (who is never split).
                let before_last: usize = people.iter().rev().skip(1).map(|p| p.interest.len()).sum();
                assert!(before_last < rows as usize, "a page holds about {rows} rows: {people:?}");
                seen.extend(people.into_iter().map(|p| p.user));
            }
            if ends.rest_fits {
                break;
            }
            assert!(!ends.ends.is_empty(), "a page that does not end the walk moves it on");
        }
        let expected: Vec<Uuid> = people.iter().copied().filter(|u| *u != declined).collect();
        assert_eq!(seen, expected, "planned {pages} pages of {rows}: each person once, in order");
    }
    assert!(db.person_history(declined, 0).await.unwrap().interest.is_empty(), "declined: nothing to serve from");
    let last = *people.last().unwrap();
    let mine = db.person_history(last, 0).await.unwrap();
    assert!(!mine.interest.is_empty());
    assert!(db.person_history(last, AT).await.unwrap().interest.is_empty(), "read from `since` on");
}
