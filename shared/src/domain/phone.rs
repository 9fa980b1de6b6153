//! Phone numbers in the forms Attio takes: E.164 (`+447234172834`), or a national number
//! with its country (`07234172834` and `GB`). The country of an E.164 number is filled in
//! from its calling code, so every stored number has both.

/// ISO 3166-1 alpha-2 codes and their ITU calling codes. Where several countries share a
/// code (`1`: the NANP; `7`: RU and KZ; `44`: GB, GG, IM, JE ...), the first listed is the
/// one an E.164 number is given when its country is not said.
const CALLING_CODES: &[(&str, &str)] = &[
    ("US", "1"),
    ("CA", "1"),
    ("AG", "1"),
    ("AI", "1"),
    ("AS", "1"),
    ("BB", "1"),
    ("BM", "1"),
    ("BS", "1"),
    ("DM", "1"),
    ("DO", "1"),
    ("GD", "1"),
    ("GU", "1"),
    ("JM", "1"),
    ("KN", "1"),
    ("KY", "1"),
    ("LC", "1"),
    ("MP", "1"),
    ("MS", "1"),
    ("PR", "1"),
    ("SX", "1"),
    ("TC", "1"),
    ("TT", "1"),
    ("VC", "1"),
    ("VG", "1"),
    ("VI", "1"),
    ("RU", "7"),
    ("KZ", "7"),
    ("EG", "20"),
    ("ZA", "27"),
    ("GR", "30"),
    ("NL", "31"),
    ("BE", "32"),
    ("FR", "33"),
    ("ES", "34"),
    ("HU", "36"),
    ("IT", "39"),
    ("VA", "39"),
    ("RO", "40"),
    ("CH", "41"),
    ("AT", "43"),
    ("GB", "44"),
    ("GG", "44"),
    ("IM", "44"),
    ("JE", "44"),
    ("DK", "45"),
    ("SE", "46"),
    ("NO", "47"),
    ("SJ", "47"),
    ("PL", "48"),
    ("DE", "49"),
    ("PE", "51"),
    ("MX", "52"),
    ("CU", "53"),
    ("AR", "54"),
    ("BR", "55"),
    ("CL", "56"),
    ("CO", "57"),
    ("VE", "58"),
    ("MY", "60"),
    ("AU", "61"),
    ("CX", "61"),
    ("CC", "61"),
    ("ID", "62"),
    ("PH", "63"),
    ("NZ", "64"),
    ("SG", "65"),
    ("TH", "66"),
    ("JP", "81"),
    ("KR", "82"),
    ("VN", "84"),
    ("CN", "86"),
    ("TR", "90"),
    ("IN", "91"),
    ("PK", "92"),
    ("AF", "93"),
    ("LK", "94"),
    ("MM", "95"),
    ("IR", "98"),
    ("SS", "211"),
    ("MA", "212"),
    ("EH", "212"),
    ("DZ", "213"),
    ("TN", "216"),
    ("LY", "218"),
    ("GM", "220"),
    ("SN", "221"),
    ("MR", "222"),
    ("ML", "223"),
    ("GN", "224"),
    ("CI", "225"),
    ("BF", "226"),
    ("NE", "227"),
    ("TG", "228"),
    ("BJ", "229"),
    ("MU", "230"),
    ("LR", "231"),
    ("SL", "232"),
    ("GH", "233"),
    ("NG", "234"),
    ("TD", "235"),
    ("CF", "236"),
    ("CM", "237"),
    ("CV", "238"),
    ("ST", "239"),
    ("GQ", "240"),
    ("GA", "241"),
    ("CG", "242"),
    ("CD", "243"),
    ("AO", "244"),
    ("GW", "245"),
    ("IO", "246"),
    ("SC", "248"),
    ("SD", "249"),
    ("RW", "250"),
    ("ET", "251"),
    ("SO", "252"),
    ("DJ", "253"),
    ("KE", "254"),
    ("TZ", "255"),
    ("UG", "256"),
    ("BI", "257"),
    ("MZ", "258"),
    ("ZM", "260"),
    ("MG", "261"),
    ("RE", "262"),
    ("YT", "262"),
    ("ZW", "263"),
    ("NA", "264"),
    ("MW", "265"),
    ("LS", "266"),
    ("BW", "267"),
    ("SZ", "268"),
    ("KM", "269"),
    ("SH", "290"),
    ("ER", "291"),
    ("AW", "297"),
    ("FO", "298"),
    ("GL", "299"),
    ("GI", "350"),
    ("PT", "351"),
    ("LU", "352"),
    ("IE", "353"),
    ("IS", "354"),
    ("AL", "355"),
    ("MT", "356"),
    ("CY", "357"),
    ("FI", "358"),
    ("AX", "358"),
    ("BG", "359"),
    ("LT", "370"),
    ("LV", "371"),
    ("EE", "372"),
    ("MD", "373"),
    ("AM", "374"),
    ("BY", "375"),
    ("AD", "376"),
    ("MC", "377"),
    ("SM", "378"),
    ("UA", "380"),
    ("RS", "381"),
    ("ME", "382"),
    ("XK", "383"),
    ("HR", "385"),
    ("SI", "386"),
    ("BA", "387"),
    ("MK", "389"),
    ("CZ", "420"),
    ("SK", "421"),
    ("LI", "423"),
    ("FK", "500"),
    ("BZ", "501"),
    ("GT", "502"),
    ("SV", "503"),
    ("HN", "504"),
    ("NI", "505"),
    ("CR", "506"),
    ("PA", "507"),
    ("PM", "508"),
    ("HT", "509"),
    ("GP", "590"),
    ("BL", "590"),
    ("MF", "590"),
    ("BO", "591"),
    ("GY", "592"),
    ("EC", "593"),
    ("GF", "594"),
    ("PY", "595"),
    ("MQ", "596"),
    ("SR", "597"),
    ("UY", "598"),
    ("CW", "599"),
    ("BQ", "599"),
    ("TL", "670"),
    ("NF", "672"),
    ("BN", "673"),
    ("NR", "674"),
    ("PG", "675"),
    ("TO", "676"),
    ("SB", "677"),
    ("VU", "678"),
    ("FJ", "679"),
    ("PW", "680"),
    ("WF", "681"),
    ("CK", "682"),
    ("NU", "683"),
    ("WS", "685"),
    ("KI", "686"),
    ("NC", "687"),
    ("TV", "688"),
    ("PF", "689"),
    ("TK", "690"),
    ("FM", "691"),
    ("MH", "692"),
    ("KP", "850"),
    ("HK", "852"),
    ("MO", "853"),
    ("KH", "855"),
    ("LA", "856"),
    ("BD", "880"),
    ("TW", "886"),
    ("MV", "960"),
    ("LB", "961"),
    ("JO", "962"),
    ("SY", "963"),
    ("IQ", "964"),
    ("KW", "965"),
    ("SA", "966"),
    ("YE", "967"),
    ("OM", "968"),
    ("PS", "970"),
    ("AE", "971"),
    ("IL", "972"),
    ("BH", "973"),
    ("QA", "974"),
    ("BT", "975"),
    ("MN", "976"),
    ("NP", "977"),
    ("TJ", "992"),
    ("TM", "993"),
    ("AZ", "994"),
    ("GE", "995"),
    ("KG", "996"),
    ("UZ", "998"),
];

/// Countries whose national numbers keep their leading 0 after the calling code.
const KEEPS_TRUNK_ZERO: &[&str] = &["IT", "VA", "SM"];

/// A country's calling code.
pub fn calling_code(country: &str) -> Option<&'static str> {
    CALLING_CODES.iter().find(|(c, _)| *c == country).map(|(_, code)| *code)
}

/// The country an E.164 number (`+` and digits) belongs to by its calling code: the
/// longest code that prefixes it, and for a shared code, its first country.
pub fn country_of(e164: &str) -> Option<&'static str> {
    let digits = e164.strip_prefix('+')?;
    CALLING_CODES
        .iter()
        .filter(|(_, code)| digits.starts_with(code))
        .max_by_key(|(_, code)| code.len())
        .and_then(|(_, code)| CALLING_CODES.iter().find(|(_, c)| c == code))
        .map(|(country, _)| *country)
}

/// A number in E.164 form: as written when it starts with `+`, else the national number
/// of `country` (its trunk 0 dropped where the country does). Spaces, dashes, dots and
/// brackets are ignored; 8 to 15 digits after the `+`.
pub fn e164(text: &str, country: Option<&str>) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = match compact.strip_prefix('+') {
        Some(digits) => digits.to_string(),
        None => {
            let country = country?;
            let code = calling_code(country)?;
            let national = if KEEPS_TRUNK_ZERO.contains(&country) {
                compact.as_str()
            } else {
                compact.trim_start_matches('0')
            };
            // The NANP's national numbers may carry its trunk 1.
            let national = if code == "1" && national.len() == 11 {
                national.strip_prefix('1')?
            } else {
                national
            };
            format!("{code}{national}")
        }
    };
    let ok = (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::{country_of, e164, CALLING_CODES};

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
            assert_eq!(e164(text, country).as_deref(), expected, "{text} {country:?}");
        }
    }

    #[test]
    fn an_e164_number_has_a_country() {
        for (number, country) in [
            ("+15558675309", "US"),
            ("+447234172834", "GB"),
            ("+33612345678", "FR"),
            ("+35312345678", "IE"),
            ("+79161234567", "RU"),
            ("+97112345678", "AE"),
        ] {
            assert_eq!(country_of(number), Some(country), "{number}");
        }
    }

    #[test]
    fn the_table_holds_each_country_once() {
        let mut countries: Vec<&str> = CALLING_CODES.iter().map(|(c, _)| *c).collect();
        countries.sort_unstable();
        let before = countries.len();
        countries.dedup();
        assert_eq!(countries.len(), before);
    }
}
