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
    Range {
        after: Option<Uuid>,
        through: Option<Uuid>,
    },
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

/// The most interest rows (and, apart, purchases) read of one person to serve them, their newest:
/// a profile is read on every list served, whatever the person did.
pub const PROFILE_ROWS_MAX: u32 = 2_000;

impl PeopleScope {
    /// What ends a query of rows timed by `at_column`: one person's newest rows at most, or
    /// `range_order` for a page.
    pub fn newest(&self, at_column: &str, range_order: &str) -> String {
        match self {
            PeopleScope::One(_) => format!(" ORDER BY {at_column} DESC LIMIT {PROFILE_ROWS_MAX}"),
            PeopleScope::Range { .. } => range_order.to_owned(),
        }
    }
}

/// The rows a backend read for some people, by kind.
#[derive(Debug, Default)]
pub struct PeopleRows {
    pub interest: Vec<(Uuid, InterestRow)>,
    pub purchases: Vec<(Uuid, StorePurchase)>,
    pub cities: Vec<(Uuid, String)>,
    pub segments: Vec<(Uuid, Uuid)>,
    /// People of the scope who declined tracking: their rows are left out (read once per page
    /// rather than checked in every row's query).
    declined: std::collections::HashSet<Uuid>,
    /// The id last parsed: rows come a person at a time, each id is parsed once.
    last: Option<(String, Option<Uuid>)>,
}

impl PeopleRows {
    /// Rows of these people are left out.
    pub fn declined(declined: impl IntoIterator<Item = Uuid>) -> Self {
        PeopleRows { declined: declined.into_iter().collect(), ..Default::default() }
    }

    /// The person of a row's id column; None when it does not parse or they declined tracking
    /// (the row is left out).
    pub fn id(&mut self, text: &str) -> Option<Uuid> {
        match &self.last {
            Some((seen, id)) if seen == text => *id,
            _ => {
                let id = Uuid::parse_str(text).ok().filter(|id| !self.declined.contains(id));
                self.last = Some((text.to_owned(), id));
                id
            }
        }
    }

    /// Each person with interest or purchases, in the order of their ids.
    pub fn assemble(self) -> Vec<PersonHistory> {
        use std::collections::BTreeMap;
        let mut people: BTreeMap<Uuid, PersonHistory> = BTreeMap::new();
        fn person(people: &mut BTreeMap<Uuid, PersonHistory>, user: Uuid) -> &mut PersonHistory {
            people.entry(user).or_insert_with(|| PersonHistory { user, ..Default::default() })
        }
        for (user, row) in self.interest {
            person(&mut people, user).interest.push(row);
        }
        for (user, row) in self.purchases {
            person(&mut people, user).purchases.push(row);
        }
        for (user, city) in self.cities {
            if let Some(p) = people.get_mut(&user) {
                p.city = Some(city);
            }
        }
        for (user, tag) in self.segments {
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
        let segments: Vec<Uuid> = self.segments.iter().map(|(_, t)| *t).collect();
        let mut person = self.assemble().pop().unwrap_or(PersonHistory { user, ..Default::default() });
        person.segments = segments;
        person
    }
}

/// The ends of the next pages, and whether the people after the last end fit one more page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageEnds {
    pub ends: Vec<Uuid>,
    /// Every kind of row ran out before `pages` ends: one page after the last end holds the rest.
    pub rest_fits: bool,
}

/// The ends of the next pages from each kind's own ends (each list ascending, each shorter than
/// `pages` only when that kind's rest fits): both merged, at most `pages`. A person with more
/// rows than a page fills several places of a list and is one end; an end that does not parse is
/// left out; neither makes the rest look as if it fits.
pub fn merge_bounds(interest: Vec<String>, purchases: Vec<String>, pages: u32) -> PageEnds {
    let rest_fits = interest.len() < pages as usize && purchases.len() < pages as usize;
    let mut ends: Vec<Uuid> = interest.iter().chain(&purchases).filter_map(|s| Uuid::parse_str(s).ok()).collect();
    ends.sort_unstable();
    ends.dedup();
    let cut = ends.len() > pages as usize;
    ends.truncate(pages as usize);
    PageEnds { ends, rest_fits: rest_fits && !cut }
}
