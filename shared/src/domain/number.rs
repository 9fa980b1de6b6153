//! Numbers compared exactly. A stored number is a JSON integer (i64 or u64) or a finite
//! f64; comparing them through `f64` rounds integers past 2^53 (9007199254740993 becomes
//! ...992), so filters, sorts and index keys compare them here, as the exact values they
//! are. Negative zero is zero.

use std::cmp::Ordering;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Number;

/// An exact number: an integer, or a finite float that is not a whole number below 2^127
/// (those are integers). So each value has one form and `Eq` is equality of values.
#[derive(Debug, Clone, Copy)]
pub enum Exact {
    Int(i128),
    Float(f64),
}

/// 2^127 as an `f64`: whole floats below it in magnitude are held as `Int`.
const INT_LIMIT: f64 = 1.7014118346046923e38;

impl Exact {
    /// A JSON number exactly; `None` for a non-finite one (serde_json never holds one).
    pub fn of(number: &Number) -> Option<Self> {
        if let Some(i) = number.as_i64() {
            return Some(Self::Int(i.into()));
        }
        if let Some(u) = number.as_u64() {
            return Some(Self::Int(u.into()));
        }
        number.as_f64().and_then(Self::from_f64)
    }

    pub fn from_f64(f: f64) -> Option<Self> {
        if !f.is_finite() {
            return None;
        }
        Some(if f.fract() == 0.0 && f.abs() < INT_LIMIT {
            // Also makes -0.0 the integer 0.
            Self::Int(f as i128)
        } else {
            Self::Float(f)
        })
    }

    /// The nearest `f64` (round to nearest, which never reverses an order).
    pub fn approx(self) -> f64 {
        match self {
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
        }
    }

    /// How far the value is above its nearest `f64`: zero for every float and for every
    /// integer of magnitude up to 2^53; within ±2^11 for integers of 64 bits. `None` past
    /// that (an i128 that no JSON number holds).
    pub fn offset_from_approx(self) -> Option<i32> {
        match self {
            Self::Float(_) => Some(0),
            Self::Int(i) => {
                let approx = i as f64;
                if approx.abs() >= INT_LIMIT {
                    return None;
                }
                i32::try_from(i - approx as i128).ok()
            }
        }
    }
}

/// An integer against a float that is not a whole number below 2^127.
fn int_against_float(i: i128, f: f64) -> Ordering {
    if f >= INT_LIMIT {
        return Ordering::Less;
    }
    if f <= -INT_LIMIT {
        return Ordering::Greater;
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Ordering::Less,
        order => order,
    }
}

impl Ord for Exact {
    fn cmp(&self, other: &Self) -> Ordering {
        match (*self, *other) {
            (Self::Int(a), Self::Int(b)) => a.cmp(&b),
            (Self::Float(a), Self::Float(b)) => a.total_cmp(&b),
            (Self::Int(a), Self::Float(b)) => int_against_float(a, b),
            (Self::Float(a), Self::Int(b)) => int_against_float(b, a).reverse(),
        }
    }
}

impl PartialEq for Exact {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Exact {}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// In a cursor: `i<integer>` or `f<the f64's bits in hex>`, exact both ways.
impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Int(i) => serializer.serialize_str(&format!("i{i}")),
            Self::Float(f) => serializer.serialize_str(&format!("f{:x}", f.to_bits())),
        }
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bad = || serde::de::Error::custom("not an exact number");
        match text.split_at_checked(1) {
            Some(("i", digits)) => digits.parse().map(Self::Int).map_err(|_| bad()),
            Some(("f", bits)) => u64::from_str_radix(bits, 16)
                .ok()
                .and_then(|b| Self::from_f64(f64::from_bits(b)))
                .ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact(text: &str) -> Exact {
        Exact::of(&serde_json::from_str::<Number>(text).unwrap()).unwrap()
    }

    #[test]
    fn integers_past_two_to_the_53_stay_apart() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("9007199254740992", "9007199254740993", Ordering::Less),
            ("9007199254740993", "9007199254740992.0", Ordering::Greater),
            ("9223372036854775807", "9223372036854775808", Ordering::Less),
            ("18446744073709551615", "1.8446744073709552e19", Ordering::Less),
            ("-9223372036854775808", "-9223372036854775807", Ordering::Less),
            ("-0.0", "0", Ordering::Equal),
            ("10.0", "10", Ordering::Equal),
            ("0.5", "1", Ordering::Less),
            ("-0.5", "-1", Ordering::Greater),
            ("1e100", "18446744073709551615", Ordering::Greater),
            ("-1e100", "-9223372036854775808", Ordering::Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(exact(a).cmp(&exact(b)), *expected, "{a} {b}");
            assert_eq!(exact(b).cmp(&exact(a)), expected.reverse(), "{b} {a}");
        }
    }

    fn any_exact() -> impl Strategy<Value = Exact> {
        prop_oneof![
            any::<i64>().prop_map(|i| Exact::Int(i.into())),
            any::<u64>().prop_map(|u| Exact::Int(u.into())),
            (-(1i64 << 54)..(1i64 << 54)).prop_map(|i| Exact::Int(i.into())),
            proptest::num::f64::NORMAL.prop_filter_map("finite", Exact::from_f64),
            (-1e20f64..1e20).prop_filter_map("finite", Exact::from_f64),
        ]
    }

    proptest! {
        /// Rounding to the nearest f64 never reverses an order, and the offset tells apart
        /// what rounds alike: the two together are the exact order (what index keys hold).
        #[test]
        fn approx_and_offset_are_the_exact_order(a in any_exact(), b in any_exact()) {
            let by_parts = a.approx().total_cmp(&b.approx())
                .then(a.offset_from_approx().unwrap().cmp(&b.offset_from_approx().unwrap()));
            prop_assert_eq!(by_parts, a.cmp(&b));
        }

        #[test]
        fn a_cursor_holds_a_number_exactly(a in any_exact()) {
            let text = serde_json::to_string(&a).unwrap();
            prop_assert_eq!(serde_json::from_str::<Exact>(&text).unwrap(), a);
        }
    }
}
