//! DynamoDB's item size, computed before a write rather than learnt from its refusal:
//! <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html>
//! The count errs high (a number is counted at its upper bound), so an item this module
//! passes is never refused for its size.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::error::StoreError;
use super::item::Item;

/// DynamoDB's limit on one item: 400 KB, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The size DynamoDB counts for an item: each attribute's name and value.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

/// A value's size: strings and binaries by their bytes, a number at most 21 bytes (38
/// significant digits, two to a byte, plus one), booleans and nulls 1 byte, and lists and
/// maps 3 bytes plus 1 byte per element besides the elements themselves.
fn value_size(value: &AttributeValue) -> usize {
    const DOCUMENT_OVERHEAD: usize = 3;
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(all) => all.iter().map(String::len).sum(),
        AttributeValue::Ns(all) => all.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(all) => all.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(all) => DOCUMENT_OVERHEAD + all.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            DOCUMENT_OVERHEAD
                + map
                    .iter()
                    .map(|(name, v)| 1 + name.len() + value_size(v))
                    .sum::<usize>()
        }
        _ => 1,
    }
}

fn number_size(text: &str) -> usize {
    let digits = text.bytes().filter(u8::is_ascii_digit).count().min(38);
    digits.div_ceil(2) + 1
}

/// Refuses a transaction any of whose Puts is over the item limit.
pub fn check_puts(items: &[TransactWriteItem]) -> Result<(), StoreError> {
    for put in items.iter().filter_map(TransactWriteItem::put) {
        let bytes = item_size(put.item());
        if bytes > MAX_ITEM_BYTES {
            return Err(StoreError::ItemTooLarge {
                what: "item",
                bytes,
                limit: MAX_ITEM_BYTES,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.into())
    }

    #[test]
    fn sizes_as_dynamodb_counts_them() {
        let n = |t: &str| AttributeValue::N(t.into());
        let cases: Vec<(Item, usize)> = vec![
            (HashMap::new(), 0),
            (HashMap::from([("PK".into(), s("abc"))]), 2 + 3),
            (HashMap::from([("é".into(), s("漢"))]), 2 + 3),
            (HashMap::from([("n".into(), n("12345"))]), 1 + 4),
            (HashMap::from([("n".into(), n(&"9".repeat(50)))]), 1 + 20),
            (HashMap::from([("b".into(), AttributeValue::Bool(true))]), 1 + 1),
            (
                HashMap::from([("l".into(), AttributeValue::L(vec![s("ab"), s("c")]))]),
                1 + 3 + 3 + 2,
            ),
            (
                HashMap::from([("m".into(), AttributeValue::M(HashMap::from([("k".into(), s("vv"))])))]),
                1 + 3 + 1 + 1 + 2,
            ),
        ];
        for (item, size) in cases {
            assert_eq!(item_size(&item), size, "{item:?}");
        }
    }

    #[test]
    fn a_put_over_the_limit_is_refused_before_it_is_sent() {
        let put = |bytes: usize| {
            let item = HashMap::from([("PK".to_string(), s(&"x".repeat(bytes - 2)))]);
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name("t")
                .set_item(Some(item))
                .build()
                .unwrap();
            TransactWriteItem::builder().put(put).build()
        };
        assert!(check_puts(&[put(MAX_ITEM_BYTES)]).is_ok());
        assert!(matches!(
            check_puts(&[put(10), put(MAX_ITEM_BYTES + 1)]),
            Err(StoreError::ItemTooLarge { bytes, .. }) if bytes == MAX_ITEM_BYTES + 1
        ));
    }
}
