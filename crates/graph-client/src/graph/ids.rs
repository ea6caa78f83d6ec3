/// Whether `id` looks like an Entra object ID (a GUID in 8-4-4-4-12 form). Presence endpoints
/// take nothing else, and one malformed id makes Graph reject a whole batch.
pub fn is_object_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn accepts_guids_only() {
        assert!(super::is_object_id("fa8bf3dc-eca7-46b7-bad1-db199b62afc3"));
        assert!(super::is_object_id("FA8BF3DC-ECA7-46B7-BAD1-DB199B62AFC3"));
        assert!(!super::is_object_id("alex@contoso.com"));
        assert!(!super::is_object_id("fa8bf3dc-eca7-46b7-bad1-db199b62afcz"));
        assert!(!super::is_object_id("fa8bf3dceca746b7bad1db199b62afc3"));
    }
}
