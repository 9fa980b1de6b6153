//! How two pieces of user text are compared when they must be distinct (team names, select
//! option and status titles): one fold, so every uniqueness rule agrees with the others.

use unicode_normalization::UnicodeNormalization;

/// The form two names are compared in: Unicode's compatibility caseless match (D146: NFKD
/// of the full case folding of NFKD of the full case folding of NFD), composed again (NFC),
/// without the characters that display as nothing. So "Ｓales" and "sales", "Cafe\u{301}"
/// and "café", "STRASSE" and "straße", "ΟΔΟΣ" and "οδοσ", "Émigré" and "émigré", and
/// "O\u{200B}ps" and "Ops" are one name.
pub fn caseless_key(text: &str) -> String {
    let visible: String = text.chars().filter(|c| !is_default_ignorable(*c)).collect();
    let folded = caseless::default_case_fold_str(&visible.nfd().collect::<String>());
    let folded = caseless::default_case_fold_str(&folded.nfkd().collect::<String>());
    folded.nfkd().collect::<String>().nfc().collect()
}

/// Whether `a` and `b` are one name by [`caseless_key`]. Two ASCII texts fold to their
/// ASCII lowercase (nothing in ASCII decomposes or is ignorable), so they skip the
/// normalisation: filters compare every record's option this way.
pub fn caseless_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    caseless_key(a) == caseless_key(b)
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that
/// display as nothing, such as U+200B ZERO WIDTH SPACE or U+FEFF.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caseless_eq_matches_unicode_case_and_compatibility_forms() {
        let cases = [
            ("Sales", "sALES", true),
            ("Émigré", "émigré", true),
            ("ÄRGER", "ärger", true),
            ("STRASSE", "straße", true),
            ("ΟΔΟΣ", "οδος", true),
            ("Ｓales", "sales", true),
            ("Cafe\u{301}", "café", true),
            ("O\u{200B}ps", "Ops", true),
            ("Émigré", "Emigre", false),
            ("Sales", "Sale", false),
            ("ärger", "arger", false),
        ];
        for (a, b, same) in cases {
            assert_eq!(caseless_eq(a, b), same, "{a:?} vs {b:?}");
            assert_eq!(caseless_key(a) == caseless_key(b), same, "{a:?} vs {b:?}");
        }
    }
}
