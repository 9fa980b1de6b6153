//! SmartSuite's list sorts (teams and members): each `{field, direction}` names one of the
//! keys a list orders by, and the sorts order it, the first deciding first.

use super::team::TeamSortInput;
use super::Invalid;

/// What a SmartSuite list orders by: a key of each item.
pub type SortKey<T> = fn(&T) -> String;

/// A sort of a SmartSuite list: the key it orders by, and whether descending.
pub type ListSort<T> = (SortKey<T>, bool);

/// A list's sorts, each naming one of `keys` (field name and key) and `asc` or `desc`;
/// anything else is a 400.
pub fn parse_sorts<T>(sorts: &[TeamSortInput], keys: &[(&str, SortKey<T>)]) -> Result<Vec<ListSort<T>>, Invalid> {
    sorts
        .iter()
        .enumerate()
        .map(|(i, sort)| {
            let descending = match sort.direction.as_str() {
                "asc" => false,
                "desc" => true,
                other => {
                    return Err(Invalid::value(format!(
                        "`sort[{i}].direction` must be asc or desc, not {other}"
                    )))
                }
            };
            let key = keys.iter().find(|(name, _)| *name == sort.field).ok_or_else(|| {
                let names: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
                Invalid::value(format!(
                    "`sort[{i}].field` must be one of {}, not {}",
                    names.join(", "),
                    sort.field
                ))
            })?;
            Ok((key.1, descending))
        })
        .collect()
}

/// Orders `items` by the sorts, the first deciding first: stable sorts from the last key
/// to the first give the multi-key order, and ties keep their order.
pub fn sort_by_keys<T>(items: &mut [T], sorts: &[ListSort<T>]) {
    for (key, descending) in sorts.iter().rev() {
        items.sort_by(|a, b| {
            if *descending {
                key(b).cmp(&key(a))
            } else {
                key(a).cmp(&key(b))
            }
        });
    }
}
