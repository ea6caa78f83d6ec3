//! What every check reports, shared by the general checks (`validate`) and the sections that
//! check themselves (`hooks`), which sit on either side of the schema.

/// A problem with one key: `(dotted key, reason)`.
pub(crate) type Problem = (String, String);

/// "5 is out of range; allowed: 10 to 60".
pub(crate) fn range_reason(value: u32, range: &std::ops::RangeInclusive<u32>) -> String {
    format!(
        "{value} is out of range; allowed: {} to {}",
        range.start(),
        range.end()
    )
}
