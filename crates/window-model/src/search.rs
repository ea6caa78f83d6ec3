//! The window's colleague search (`search_directory`): everyone the app knows, searched as the
//! user types with [`DirectoryIndex`] (umlauts folded both ways, so "mueller", "muller" and
//! "Müller" find the same person; word prefixes first; favourites first).
//!
//! Graph's own directory search matches the words as typed only, so its hits for the query are
//! one source among three: they join the watched colleagues and the people found by earlier
//! searches, and the local index ranks them all. A directory hit the index cannot match (Graph
//! found it by a field the index does not know) still comes last, because Graph knows better.

use std::collections::HashSet;

use bridge::BridgeSnapshot;
use presence_core::directory_search::{DirectoryEntry, DirectoryIndex};
use presence_core::Person;
use serde::Serialize;

use crate::colleague::Colleague;

/// What to ask Graph's directory search for `query`: the query as typed and, when it spells an
/// umlaut or `ß` out ("mueller", "strasse"), the spelling with it ("müller", "straße"), since
/// Graph matches words as they are written. A query typed without umlauts at all ("muller")
/// cannot be turned back into one; it finds the people the app knows (see [`search`]).
pub fn directory_queries(query: &str) -> Vec<String> {
    let query = query.trim();
    let lower = query.to_lowercase();
    let with_umlauts = lower
        .replace("ae", "ä")
        .replace("oe", "ö")
        .replace("ue", "ü")
        .replace("ss", "ß");
    let mut queries = vec![query.to_owned()];
    if !query.is_empty() && with_umlauts != lower {
        queries.push(with_umlauts);
    }
    queries
}

/// The answer to `search_directory`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// The query as answered (trimmed), so the window drops answers to outdated queries.
    pub query: String,
    pub colleagues: Vec<Colleague>,
    /// `false` when the directory search failed or did not run: the list may miss people.
    pub complete: bool,
}

/// Who a search looks at besides the watched colleagues.
pub struct Candidates<'a> {
    /// Graph's directory hits for this query, in Graph's order.
    pub directory_hits: &'a [Person],
    /// People found by earlier searches.
    pub remembered: &'a [Person],
    /// The favourites in the settings (for people the bridge does not watch).
    pub favourites: &'a [String],
}

/// The colleagues `query` finds, best first, at most `limit`. An empty query lists the watched
/// colleagues (favourites, alerts, the people who matter to the user) in the bridge's order.
pub fn search(
    query: &str,
    snapshot: &BridgeSnapshot,
    candidates: &Candidates<'_>,
    started_wall_ms: u64,
    limit: usize,
) -> Vec<Colleague> {
    let watched = |id: &str| snapshot.colleagues.iter().find(|c| c.person.id == id);
    let colleague = |person: &Person| match watched(&person.id) {
        Some(view) => Colleague::watched(view, started_wall_ms),
        None => Colleague::unwatched(person, candidates.favourites),
    };
    if query.trim().is_empty() {
        return snapshot
            .colleagues
            .iter()
            .take(limit)
            .map(|view| Colleague::watched(view, started_wall_ms))
            .collect();
    }
    // Each person once, the watched colleague's data first (the richest: it has the PBX user).
    let mut seen = HashSet::new();
    let people: Vec<&Person> = snapshot
        .colleagues
        .iter()
        .map(|view| &view.person)
        .chain(candidates.directory_hits)
        .chain(candidates.remembered)
        .filter(|person| seen.insert(person.id.as_str()))
        .collect();
    let index = DirectoryIndex::new(people.iter().map(|person| DirectoryEntry {
        id: person.id.clone(),
        display_name: person.display_name.clone(),
        email: person.addresses().next().map(str::to_owned),
        favourite: watched(&person.id).map_or_else(
            || person.is_among(candidates.favourites),
            |view| view.favourite,
        ),
    }));
    let person = |id: &str| people.iter().copied().find(|person| person.id == id);
    let mut found: Vec<&Person> = index
        .search(query, limit)
        .into_iter()
        .filter_map(|hit| person(&hit.entry.id))
        .collect();
    for hit in candidates.directory_hits {
        if found.len() >= limit {
            break;
        }
        if !found.iter().any(|person| person.id == hit.id) {
            found.extend(person(&hit.id));
        }
    }
    found.into_iter().map(colleague).collect()
}

#[cfg(test)]
mod tests {
    use bridge::ColleagueView;

    use super::*;

    fn person(id: &str, name: &str, mail: &str) -> Person {
        let mut person = Person::new(id, name);
        person.mail = Some(mail.into());
        person
    }

    fn watched(person: Person, favourite: bool) -> ColleagueView {
        ColleagueView {
            person,
            teams: None,
            row: None,
            updated_at_ms: None,
            stale: false,
            phone: None,
            status: presence_core::person_status::PersonStatus::merge(None, None),
            starface_chat: None,
            alert: None,
            favourite,
            free_busy: None,
        }
    }

    fn office() -> BridgeSnapshot {
        BridgeSnapshot {
            colleagues: vec![
                watched(
                    person("id-juergen", "Jürgen Müller", "j.mueller@contoso.de"),
                    false,
                ),
                watched(person("id-anna", "Anna Sammüller", "anna@contoso.de"), true),
                watched(person("id-paul", "Paul Muller", "paul@contoso.de"), false),
            ],
            ..BridgeSnapshot::default()
        }
    }

    fn names(colleagues: &[Colleague]) -> Vec<&str> {
        colleagues.iter().map(|c| c.display_name.as_str()).collect()
    }

    const NOBODY_ELSE: Candidates<'static> = Candidates {
        directory_hits: &[],
        remembered: &[],
        favourites: &[],
    };

    #[test]
    fn mueller_muller_and_mueller_with_umlaut_find_the_same_person() {
        let snapshot = office();
        for query in ["mueller", "muller", "Müller", "MÜLLER"] {
            let found = search(query, &snapshot, &NOBODY_ELSE, 0, 50);
            assert!(
                names(&found).contains(&"Jürgen Müller"),
                "{query}: {:?}",
                names(&found)
            );
        }
        // Favourites first, then word prefixes before substrings.
        assert_eq!(
            names(&search("müller", &snapshot, &NOBODY_ELSE, 0, 50)),
            ["Anna Sammüller", "Jürgen Müller", "Paul Muller"]
        );
        // "mueller" is not how Paul writes his name.
        assert_eq!(
            names(&search("mueller", &snapshot, &NOBODY_ELSE, 0, 50)),
            ["Anna Sammüller", "Jürgen Müller"]
        );
    }

    #[test]
    fn directory_hits_and_remembered_people_are_searched_too() {
        let snapshot = office();
        let hits = [person("id-eva", "Eva Strauß", "eva@contoso.de")];
        let remembered = [person("id-lea", "Lea Weiß", "lea@contoso.de")];
        let candidates = Candidates {
            directory_hits: &hits,
            remembered: &remembered,
            favourites: &["lea@contoso.de".into()],
        };
        assert_eq!(
            names(&search("strauss", &snapshot, &candidates, 0, 50)),
            ["Eva Strauß"]
        );
        let without_hits = Candidates {
            directory_hits: &[],
            ..candidates
        };
        let lea = search("weiss", &snapshot, &without_hits, 0, 50);
        assert_eq!(names(&lea), ["Lea Weiß"]);
        assert!(lea[0].favourite, "a favourite the bridge does not watch");
        assert!(lea[0].presence.is_none());
    }

    #[test]
    fn a_directory_hit_the_index_cannot_match_comes_last() {
        // Graph matched the sign-in name, which the local index does not search.
        let mut odd = person("id-odd", "Zoe Quinn", "zoe@contoso.de");
        odd.user_principal_name = Some("zq-4711@contoso.onmicrosoft.com".into());
        let hits = [odd];
        let candidates = Candidates {
            directory_hits: &hits,
            ..NOBODY_ELSE
        };
        assert_eq!(
            names(&search("4711", &office(), &candidates, 0, 50)),
            ["Zoe Quinn"]
        );
        assert_eq!(search("4711", &office(), &candidates, 0, 0), []);
    }

    #[test]
    fn graph_is_also_asked_for_the_umlaut_spelled_out_by_the_user() {
        assert_eq!(directory_queries(" Mueller "), ["Mueller", "müller"]);
        assert_eq!(directory_queries("strasse"), ["strasse", "straße"]);
        assert_eq!(directory_queries("muller"), ["muller"]);
        assert_eq!(directory_queries("Müller"), ["Müller"]);
        assert_eq!(directory_queries(""), [""]);
    }

    #[test]
    fn an_empty_query_lists_the_watched_colleagues_in_order() {
        assert_eq!(
            names(&search("  ", &office(), &NOBODY_ELSE, 0, 50)),
            ["Jürgen Müller", "Anna Sammüller", "Paul Muller"]
        );
        assert_eq!(search("", &office(), &NOBODY_ELSE, 0, 2).len(), 2);
    }
}
