//! Phone numbers in the forms Attio takes: E.164 (`+447234172834`), or a national number
//! with its country (`07234172834` and `GB`). The country of an E.164 number is filled in
//! from its calling code, so every stored number has both.
//!
//! A number's length is checked per country, and a national number's trunk prefix dropped,
//! with a table generated from libphonenumber's metadata (`phone_metadata.rs`; see
//! docs/phone-numbers.md). Lengths and prefixes only: no number-type patterns, so a number
//! of the right length in an unassigned range (`+15558675309`) is accepted.

use std::fmt;

use super::phone_metadata::{CallingCode, Region, CALLING_CODES, REGIONS};

/// E.164's limit: at most 15 digits after the `+` (libphonenumber's lengths go to 17).
const MAX_DIGITS: usize = 15;

/// Why a number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Neither form: a character other than digits and separators, or a national number
    /// without its country.
    Form,
    /// A national number's country is not one with a calling code.
    Country(String),
    /// No country or service has the calling code the number starts with.
    CallingCode,
    /// Its national significant number (the digits after the calling code) has a length not
    /// possible for its country (or, no country said, for its calling code).
    Length {
        region: Option<&'static str>,
        code: u16,
        possible: u32,
        digits: usize,
    },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Self::Form => f.write_str("a phone number in E.164 form, or a national number and its country"),
            Self::Country(country) => write!(f, "no calling code is known for the country_code `{country}`"),
            Self::CallingCode => f.write_str("no country or service has the calling code it starts with"),
            Self::Length {
                region,
                code,
                possible,
                digits,
            } => {
                let which = region.map_or(format!("+{code}"), |r| r.to_string());
                let lengths = spell_lengths(*possible);
                write!(
                    f,
                    "a {which} number has {lengths} digits after the +{code}; this one has {digits}"
                )
            }
        }
    }
}

/// `7, 9 or 10`; `4 to 13`.
fn spell_lengths(mask: u32) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for n in (0..32).filter(|n| mask & (1 << n) != 0) {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    let words: Vec<String> = runs
        .iter()
        .flat_map(|&(start, end)| match end - start {
            0 => vec![start.to_string()],
            1 => vec![start.to_string(), end.to_string()],
            _ => vec![format!("{start} to {end}")],
        })
        .collect();
    match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "no".to_string(),
    }
}

fn possible(mask: u32, digits: usize) -> bool {
    digits < 32 && mask & (1 << digits) != 0
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A region of the metadata by its ISO 3166-1 alpha-2 code (upper case).
fn region(country: &str) -> Option<&'static Region> {
    REGIONS
        .binary_search_by(|r| r.id.as_slice().cmp(country.as_bytes()))
        .ok()
        .map(|i| &REGIONS[i])
}

fn calling_code(code: u16) -> Option<&'static CallingCode> {
    CALLING_CODES
        .binary_search_by_key(&code, |c| c.code)
        .ok()
        .map(|i| &CALLING_CODES[i])
}

/// The calling code digits (after the `+`) start with: calling codes are prefix-free, so at
/// most one of its first 1, 2 and 3 digits is one.
fn calling_code_of(digits: &str) -> Option<&'static CallingCode> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=digits.len().min(3)).find_map(|n| calling_code(digits[..n].parse().ok()?))
}

/// The country an E.164 number (`+` and digits) belongs to by its calling code: for a code
/// several countries share, its main one (`+1`: US, `+44`: GB, `+7`: RU); none for the
/// non-geographic codes (`+800` ...).
pub fn country_of(e164: &str) -> Option<&'static str> {
    let main = calling_code_of(e164.strip_prefix('+')?)?.main_region.as_ref()?;
    std::str::from_utf8(main).ok()
}

/// A national number without its trunk prefix (GB `07700 900123` -> `7700900123`, US
/// `1 555 ...` -> `555 ...`). The longest prefix it starts with is dropped, unless the number
/// has a possible length with it and not without it (libphonenumber's rule, by length).
fn strip_trunk_prefix<'a>(national: &'a str, region: &Region) -> &'a str {
    let Some(prefix) = region.trunk_prefixes.iter().find(|p| national.starts_with(**p)) else {
        return national;
    };
    let rest = &national[prefix.len()..];
    if possible(region.lengths, national.len()) && !possible(region.lengths, rest.len()) {
        national
    } else {
        rest
    }
}

/// A number in E.164 form: as written when it starts with `+`, else the national number
/// of `country` without its trunk prefix. Spaces, dashes, dots and brackets are ignored.
/// The digits after the calling code must have a length possible in `country` (when it has
/// that calling code), or else in the calling code's main country; 15 digits at most.
pub fn e164(text: &str, country: Option<&str>) -> Result<String, Refused> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let (code, national, region) = match compact.strip_prefix('+') {
        Some(digits) => {
            if !is_digits(digits) {
                return Err(Refused::Form);
            }
            let code = calling_code_of(digits).ok_or(Refused::CallingCode)?;
            let national = &digits[code.code.to_string().len()..];
            let region = country.and_then(region).filter(|r| r.calling_code == code.code);
            (code, national, region)
        }
        None => {
            let country = country.ok_or(Refused::Form)?;
            if !is_digits(&compact) {
                return Err(Refused::Form);
            }
            let region = region(country).ok_or_else(|| Refused::Country(country.to_string()))?;
            let code = calling_code(region.calling_code).expect("every region's calling code is in the table");
            (code, strip_trunk_prefix(&compact, region), Some(region))
        }
    };
    let code_digits = code.code.to_string().len();
    let lengths = region.map_or(code.lengths, |r| r.lengths) & ((1 << (MAX_DIGITS - code_digits + 1)) - 1);
    if !possible(lengths, national.len()) {
        return Err(Refused::Length {
            region: region.and_then(|r| std::str::from_utf8(&r.id).ok()),
            code: code.code,
            possible: lengths,
            digits: national.len(),
        });
    }
    Ok(format!("+{}{national}", code.code))
}

#[cfg(test)]
mod tests {
    use super::{country_of, e164, spell_lengths, Refused, CALLING_CODES, REGIONS};

    #[test]
    fn numbers_become_e164_from_either_form() {
        let cases: [(&str, Option<&str>, Option<&str>); 10] = [
            ("+44 20 7946 0958", None, Some("+442079460958")),
            ("07234172834", Some("GB"), Some("+447234172834")),
            ("(555) 867-5309", Some("US"), Some("+15558675309")),
            ("1 555 867 5309", Some("US"), Some("+15558675309")),
            ("06 12 34 56 78", Some("FR"), Some("+33612345678")),
            ("06 1234 5678", Some("IT"), Some("+390612345678")),
            ("07234172834", None, None),
            ("07234172834", Some("ZZ"), None),
            ("+0123456789", None, None),
            ("+12", None, None),
        ];
        for (text, country, expected) in cases {
            assert_eq!(e164(text, country).ok().as_deref(), expected, "{text} {country:?}");
        }
    }

    #[test]
    fn lengths_are_checked_per_country_and_trunk_prefixes_dropped() {
        let cases: &[(&str, Option<&str>, Result<&str, &str>)] = &[
            // The NANP's numbers have 10 digits after the +1.
            (
                "+1 555 0000",
                None,
                Err("a +1 number has 10 digits after the +1; this one has 7"),
            ),
            ("+15558675309", None, Ok("+15558675309")),
            (
                "867 5309",
                Some("US"),
                Err("a US number has 10 digits after the +1; this one has 7"),
            ),
            ("+44 7700 900123", None, Ok("+447700900123")),
            ("07700 900123", Some("GB"), Ok("+447700900123")),
            (
                "07700 900123",
                Some("gb"),
                Err("no calling code is known for the country_code `gb`"),
            ),
            // Too long for GB; a trunk 0 kept after the calling code makes it so too.
            (
                "+44 7700 9001234",
                None,
                Err("a +44 number has 7, 9 or 10 digits after the +44; this one has 11"),
            ),
            (
                "+44 07700 900123",
                None,
                Err("a +44 number has 7, 9 or 10 digits after the +44; this one has 11"),
            ),
            (
                "+44 07700 900123",
                Some("GB"),
                Err("a GB number has 7, 9 or 10 digits after the +44; this one has 11"),
            ),
            // Italy has no trunk prefix: its 0 is part of the number.
            ("+39 06 1234 5678", None, Ok("+390612345678")),
            ("06 1234 5678", Some("IT"), Ok("+390612345678")),
            // Germany's numbers have 4 to 15 digits; E.164 allows 13 after the +49.
            ("+49 30 1234567", None, Ok("+49301234567")),
            ("030 1234567", Some("DE"), Ok("+49301234567")),
            (
                "+49 30 1234 5678 9012",
                None,
                Err("a +49 number has 4 to 13 digits after the +49; this one has 14"),
            ),
            // Trunk prefixes other than 0: 8 in Russia, 06 in Hungary, 0 or 8 in Lithuania.
            ("8 916 123-45-67", Some("RU"), Ok("+79161234567")),
            ("06 1 234 5678", Some("HU"), Ok("+3612345678")),
            ("8 612 34567", Some("LT"), Ok("+37061234567")),
            // A number with its prefix's digits that is possible only with them keeps them.
            ("1234567890", Some("US"), Ok("+11234567890")),
            // A country with another calling code than the number's: the code's lengths.
            ("+1 555 867 5309", Some("GB"), Ok("+15558675309")),
            (
                "+1 555 0000",
                Some("GB"),
                Err("a +1 number has 10 digits after the +1; this one has 7"),
            ),
            // Non-geographic codes have lengths too; unassigned codes are refused.
            ("+800 1234 5678", None, Ok("+80012345678")),
            (
                "+999 1234 5678",
                None,
                Err("no country or service has the calling code it starts with"),
            ),
            (
                "+15558675309abc",
                None,
                Err("a phone number in E.164 form, or a national number and its country"),
            ),
        ];
        for (text, country, expected) in cases {
            let got = e164(text, *country).map_err(|refused| refused.to_string());
            assert_eq!(got.as_deref().map_err(String::as_str), *expected, "{text} {country:?}");
        }
        assert_eq!(
            e164("+1 555 0000", None).unwrap_err(),
            Refused::Length {
                region: None,
                code: 1,
                possible: 1 << 10,
                digits: 7
            }
        );
    }

    #[test]
    fn lengths_are_spelled_out() {
        let mask = |lengths: &[u32]| lengths.iter().fold(0, |m, n| m | 1 << n);
        assert_eq!(spell_lengths(mask(&[10])), "10");
        assert_eq!(spell_lengths(mask(&[9, 10])), "9 or 10");
        assert_eq!(spell_lengths(mask(&[7, 9, 10])), "7, 9 or 10");
        assert_eq!(spell_lengths(mask(&[4, 5, 6, 7, 11])), "4 to 7 or 11");
    }

    #[test]
    fn an_e164_number_has_a_country() {
        for (number, country) in [
            ("+15558675309", Some("US")),
            ("+447234172834", Some("GB")),
            ("+33612345678", Some("FR")),
            ("+35312345678", Some("IE")),
            ("+79161234567", Some("RU")),
            ("+97112345678", Some("AE")),
            ("+390612345678", Some("IT")),
            ("+80012345678", None),
            ("+99912345678", None),
        ] {
            assert_eq!(country_of(number), country, "{number}");
        }
    }

    #[test]
    fn the_tables_are_sorted_and_agree() {
        assert!(REGIONS.windows(2).all(|w| w[0].id < w[1].id));
        assert!(CALLING_CODES.windows(2).all(|w| w[0].code < w[1].code));
        for region in &REGIONS {
            assert!(CALLING_CODES.iter().any(|c| c.code == region.calling_code));
            assert!(region.trunk_prefixes.windows(2).all(|w| w[0].len() >= w[1].len()));
        }
        for code in &CALLING_CODES {
            if let Some(main) = code.main_region {
                let region = REGIONS
                    .iter()
                    .find(|r| r.id == main)
                    .expect("a main region is a region");
                assert_eq!((region.calling_code, region.lengths), (code.code, code.lengths));
            }
        }
    }

    /// The generated table is what tools/gen_phone_metadata.py makes of the metadata in the
    /// cargo registry. Skipped (and says so) without python3 or without the metadata.
    #[test]
    fn the_generated_table_is_current() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/gen_phone_metadata.py");
        let output = match std::process::Command::new("python3").args([script, "--check"]).output() {
            Ok(output) => output,
            Err(e) => return eprintln!("skipped: no python3 ({e})"),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => {}
            Some(77) => eprintln!("skipped: {stderr}"),
            _ => panic!("{stderr}"),
        }
    }
}
