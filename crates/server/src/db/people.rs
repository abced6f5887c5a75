//! People's behaviour as the recommenders read it: a page of people at a time for training, one
//! person when serving them. Both backends read the same four kinds of rows; this puts them
//! together.
use portal_api::EventKind;
use uuid::Uuid;

/// One person's behaviour that trains the recommenders and serves them their own lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonHistory {
    pub user: Uuid,
    /// One row per (product, kind) at its latest (the aggregated interests), or every event as
    /// it came (the offline evaluation).
    pub interest: Vec<InterestRow>,
    /// SKUs bought at the stores (lines not all returned).
    pub purchases: Vec<StorePurchase>,
    /// The city of the store of their latest purchase.
    pub city: Option<String>,
    /// The customer tags they carry.
    pub segments: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InterestRow {
    pub model: String,
    pub kind: EventKind,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorePurchase {
    pub sku: String,
    pub at: i64,
}

/// A page of people in the order of their ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InterestPage {
    pub people: Vec<PersonHistory>,
    /// Where the next page starts (after this id); None after the last page.
    pub next: Option<Uuid>,
}

/// Whose behaviour a read takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PeopleScope {
    One(Uuid),
    /// The people after `after` (all from the first when None) up to and including `through`
    /// (to the last when None).
    Range { after: Option<Uuid>, through: Option<Uuid> },
}

impl PeopleScope {
    /// The condition on `column` with its parameters numbered from `first` (`?N` for SQLite,
    /// `$N` for PostgreSQL: `sigil`), and the parameters.
    pub fn condition(&self, column: &str, sigil: char, first: usize) -> (String, Vec<String>) {
        match *self {
            PeopleScope::One(user) => (format!("{column} = {sigil}{first}"), vec![user.to_string()]),
            PeopleScope::Range { after, through } => {
                let after = after.map(|u| u.to_string()).unwrap_or_default();
                match through {
                    Some(t) => (
                        format!("{column} > {sigil}{first} AND {column} <= {sigil}{}", first + 1),
                        vec![after, t.to_string()],
                    ),
                    None => (format!("{column} > {sigil}{first}"), vec![after]),
                }
            }
        }
    }
}

/// The rows a backend read for some people, by kind.
#[derive(Debug, Default)]
pub struct PeopleRows {
    pub interest: Vec<(String, InterestRow)>,
    pub purchases: Vec<(String, StorePurchase)>,
    pub cities: Vec<(String, String)>,
    pub segments: Vec<(String, String)>,
}

impl PeopleRows {
    /// Each person with interest or purchases, in the order of their ids; a row whose ids do not
    /// parse is left out.
    pub fn assemble(self) -> Vec<PersonHistory> {
        use std::collections::BTreeMap;
        let mut people: BTreeMap<Uuid, PersonHistory> = BTreeMap::new();
        fn person<'a>(people: &'a mut BTreeMap<Uuid, PersonHistory>, id: &str) -> Option<&'a mut PersonHistory> {
            let user = Uuid::parse_str(id).ok()?;
            Some(people.entry(user).or_insert_with(|| PersonHistory { user, ..Default::default() }))
        }
        for (user, row) in self.interest {
            if let Some(p) = person(&mut people, &user) {
                p.interest.push(row);
            }
        }
        for (user, row) in self.purchases {
            if let Some(p) = person(&mut people, &user) {
                p.purchases.push(row);
            }
        }
        for (user, city) in self.cities {
            if let Some(p) = Uuid::parse_str(&user).ok().and_then(|u| people.get_mut(&u)) {
                p.city = Some(city);
            }
        }
        for (user, tag) in self.segments {
            let (Ok(user), Ok(tag)) = (Uuid::parse_str(&user), Uuid::parse_str(&tag)) else { continue };
            if let Some(p) = people.get_mut(&user) {
                p.segments.push(tag);
            }
        }
        people.into_values().collect()
    }
}

impl PeopleRows {
    /// One person's rows put together: them even with no interest or purchases (their segments
    /// still place them).
    pub fn person(self, user: Uuid) -> PersonHistory {
        let segments: Vec<Uuid> = self.segments.iter().filter_map(|(_, t)| Uuid::parse_str(t).ok()).collect();
        let mut person = self.assemble().pop().unwrap_or(PersonHistory { user, ..Default::default() });
        person.segments = segments;
        person
    }
}

/// A page's last person: the nearer of the two bounds each kind of row gives (None: no bound).
pub fn page_through(interest: Option<String>, purchases: Option<String>) -> Option<Uuid> {
    let parse = |s: Option<String>| s.and_then(|s| Uuid::parse_str(&s).ok());
    match (parse(interest), parse(purchases)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
