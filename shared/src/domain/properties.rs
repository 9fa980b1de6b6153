//! Property tests over input spaces too large for tables: the sort order is total over any
//! mix of values, no field parser panics on any JSON, and name normalisation is idempotent.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::domain::filter::{compare_sort_keys, SortKey};
use crate::domain::record::parse_value;
use crate::domain::table::{FieldDef, FieldType};
use crate::domain::text::caseless_key;

/// Any JSON value, a few levels deep, with the numbers and strings that broke parsers
/// before: huge and tiny magnitudes, timestamps at the edges of the years 0000-9999.
fn any_json() -> impl Strategy<Value = Value> {
    let edge_text = prop_oneof![
        Just("9999-12-31T23:59:59-01:00".to_string()),
        Just("0000-01-01T00:00:00+01:00".to_string()),
        Just("-0001-01-01".to_string()),
        Just("1e130".to_string()),
        Just("5e-324".to_string()),
        Just("Smith, John".to_string()),
        "[0-9:T+\\-Z.]{0,30}",
        ".{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        edge_text.prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("value".to_string()),
                    Just("option".to_string()),
                    Just("currency_value".to_string()),
                    Just("currency_code".to_string()),
                    Just("first_name".to_string()),
                    Just("locality".to_string()),
                    Just("latitude".to_string()),
                    Just("target_object".to_string()),
                    Just("target_record_id".to_string()),
                    Just("original_phone_number".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field(field_type: FieldType) -> FieldDef {
    FieldDef::for_tests(field_type)
}

const TYPES: [FieldType; 14] = [
    FieldType::Text,
    FieldType::Number,
    FieldType::Checkbox,
    FieldType::Currency,
    FieldType::Date,
    FieldType::Timestamp,
    FieldType::Select,
    FieldType::RecordReference,
    FieldType::EmailAddress,
    FieldType::PhoneNumber,
    FieldType::Domain,
    FieldType::Rating,
    FieldType::PersonalName,
    FieldType::Location,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Antisymmetric and transitive in both directions, over keys of every kind and none.
    #[test]
    fn the_sort_order_is_total(a in any_json(), b in any_json(), c in any_json(), descending in any::<bool>()) {
        let cmp = |x: &Value, y: &Value| compare_sort_keys(SortKey::of(x), SortKey::of(y), descending);
        prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
        prop_assert_eq!(cmp(&a, &a), std::cmp::Ordering::Equal);
        if cmp(&a, &b).is_le() && cmp(&b, &c).is_le() {
            prop_assert!(cmp(&a, &c).is_le(), "{} <= {} <= {} but not {} <= {}", a, b, c, a, c);
        }
    }

    /// Sorting any mix never panics and leaves the keys in order.
    #[test]
    fn any_mix_sorts(values in prop::collection::vec(any_json(), 0..40), descending in any::<bool>()) {
        let mut keys: Vec<Option<SortKey>> = values.iter().map(SortKey::of).collect();
        keys.sort_by(|x, y| compare_sort_keys(x.clone(), y.clone(), descending));
        for pair in keys.windows(2) {
            prop_assert!(compare_sort_keys(pair[0].clone(), pair[1].clone(), descending).is_le());
        }
    }

    /// Every field type's parser accepts a value or refuses it with a 400 that names the
    /// value's path; none panics, and what it accepts is a JSON object.
    #[test]
    fn no_parser_panics(raw in any_json()) {
        for field_type in TYPES {
            match parse_value(&field(field_type), &raw, "values.k") {
                Ok(parsed) => prop_assert!(!parsed.fields.is_empty()),
                Err(e) => prop_assert!(e.to_string().contains("values.k"), "{:?}: {}", field_type, e),
            }
        }
    }

    /// Normalising a normalised name changes nothing, so a stored key always matches.
    #[test]
    fn name_normalisation_is_idempotent(name in "\\PC{0,40}") {
        let key = caseless_key(&name);
        prop_assert_eq!(caseless_key(&key), key);
    }
}

#[test]
fn the_sort_order_ranks_kinds() {
    let order = [
        json!(-1.5),
        json!(3),
        json!("a"),
        json!("B"),
        json!(false),
        json!(true),
        json!([1]),
    ];
    for pair in order.windows(2) {
        assert!(
            compare_sort_keys(SortKey::of(&pair[0]), SortKey::of(&pair[1]), false).is_lt(),
            "{} < {}",
            pair[0],
            pair[1]
        );
    }
    assert!(compare_sort_keys(SortKey::of(&json!(1)), SortKey::of(&json!(null)), true).is_lt());
}
