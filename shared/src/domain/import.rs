//! Invent's records import (`POST /orgs/{org_id}/tables/{table_id}/records/import`): a CSV
//! file, given as text in `file`, with an optional `mapping` (a JSON object of CSV header to
//! field key; without one, each header is a field key). Each row becomes one record, or one
//! per-row error; no row is half-written.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::record::StrictMap;
use super::table::{FieldDef, FieldType, Table};
use super::{required, Invalid};

/// The most rows one import takes: each is a record write, and the request must finish
/// well inside API Gateway's 29 seconds.
pub const MAX_ROWS: usize = 500;

/// The JSON body of the import, as Invent's reference shows it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ImportInput {
    /// The CSV file's text: a header row, then one row per record.
    #[schema(required = true, value_type = String)]
    pub file: Option<String>,
    /// A JSON object mapping CSV headers to field keys, at most 8192 characters.
    pub mapping: Option<String>,
}

/// A valid import: for each column, the field it fills (or none: ignored), and the rows.
#[derive(Debug)]
pub struct Import<'t> {
    pub columns: Vec<Option<&'t FieldDef>>,
    pub rows: Vec<Vec<String>>,
}

impl ImportInput {
    pub fn parse(self, table: &Table) -> Result<Import<'_>, Invalid> {
        let text = required("file", self.file)?;
        let mapping = parse_mapping(self.mapping.as_deref())?;
        let mut rows = parse_csv(&text)?;
        if rows.is_empty() {
            return Err(Invalid::value("`file` has no header row"));
        }
        let headers = rows.remove(0);
        if rows.len() > MAX_ROWS {
            return Err(Invalid::value(format!(
                "`file` has {} rows; an import takes at most {MAX_ROWS}",
                rows.len()
            )));
        }
        let columns = headers
            .iter()
            .map(|header| column_field(table, &mapping, header))
            .collect::<Result<Vec<_>, _>>()?;
        check_columns(table, &headers, &columns)?;
        Ok(Import { columns, rows })
    }
}

/// The `mapping` text as header → field key. A header given twice is refused, as a key
/// given twice is in every JSON object this API reads: which one a parser keeps is no
/// answer a client can rely on.
fn parse_mapping(mapping: Option<&str>) -> Result<BTreeMap<String, String>, Invalid> {
    let Some(text) = mapping else {
        return Ok(BTreeMap::new());
    };
    if text.chars().count() > 8192 {
        return Err(Invalid::value("`mapping` must be at most 8192 characters"));
    }
    let form = "`mapping` must be a JSON object of CSV header to field key";
    let StrictMap(entries) = serde_json::from_str(text).map_err(|e| Invalid::value(format!("{form}: {e}")))?;
    entries
        .into_iter()
        .map(|(header, key)| match key {
            Value::String(key) => Ok((header, key)),
            other => Err(Invalid::value(format!(
                "{form}; it maps \"{header}\" to {other}, which is no field key"
            ))),
        })
        .collect()
}

/// The field a column fills: the one its header is mapped to, or else the one it names.
fn column_field<'t>(
    table: &'t Table,
    mapping: &BTreeMap<String, String>,
    header: &str,
) -> Result<Option<&'t FieldDef>, Invalid> {
    let header = header.trim();
    let key = mapping.get(header).map_or(header, String::as_str);
    match table.field_by_key(key) {
        Some(field) => Ok(Some(field)),
        // A mapped header must name a field; an unmapped one that names none is ignored.
        None if mapping.contains_key(header) => Err(Invalid::value(format!(
            "`mapping` maps \"{header}\" to \"{key}\", which is no field of \"{}\"",
            table.api_slug
        ))),
        None => Ok(None),
    }
}

/// Some column must fill a field, and no two the same one: a row would give the field two
/// values, one of which the import would have to drop.
fn check_columns(table: &Table, headers: &[String], columns: &[Option<&FieldDef>]) -> Result<(), Invalid> {
    if columns.iter().all(Option::is_none) {
        return Err(Invalid::value(format!(
            "no column of `file` names a field of \"{}\"; map headers to field keys with `mapping`",
            table.api_slug
        )));
    }
    for (i, field) in columns.iter().enumerate() {
        let Some(field) = field else { continue };
        if let Some(j) = columns[..i].iter().position(|f| f.is_some_and(|f| f.id == field.id)) {
            return Err(Invalid::value(format!(
                "`file` columns \"{}\" and \"{}\" both fill the field \"{}\"; map one of them elsewhere or drop it",
                headers[j].trim(),
                headers[i].trim(),
                field.key
            )));
        }
    }
    Ok(())
}

/// A cell as a record value: the text, or for a record reference the referenced record's
/// id. An empty cell is no value.
pub fn cell_value(field: &FieldDef, cell: &str) -> Option<Value> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    Some(match field.field_type {
        FieldType::RecordReference => serde_json::json!({
            "target_object": field.link_slug.clone().unwrap_or_default(),
            "target_record_id": cell,
        }),
        _ => Value::String(cell.to_string()),
    })
}

/// RFC 4180 CSV, read by the `csv` crate: comma-separated fields, double-quoted fields
/// may hold commas, line breaks and `""` for a quote; rows end with LF, CRLF or CR; blank
/// lines are no rows. A UTF-8 byte order mark (which spreadsheet exports put first) is not
/// part of the first header. Rows may differ in length from the header: the import reports
/// such a row as that row's error.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, Invalid> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let start = reader.position().byte() as usize;
        // The text is a &str, so the reader meets neither I/O errors nor invalid UTF-8.
        let more = reader
            .read_record(&mut record)
            .map_err(|e| Invalid::value(format!("`file`: {e}")))?;
        if !more {
            return Ok(rows);
        }
        let raw = &text[start..reader.position().byte() as usize];
        check_quotes(text, start, raw)?;
        rows.push(record.iter().map(str::to_string).collect());
    }
}

/// The reader takes a stray quote as text and an unclosed one as running to the end of the
/// file, so a mistyped file would import shifted or merged cells. Each well-formed quoted
/// field has an even number of quotes (its two, and two for each quote it holds), so a
/// row's raw text with an odd number has a stray or an unclosed one: refused, naming the
/// line the row starts on.
fn check_quotes(text: &str, start: usize, raw: &str) -> Result<(), Invalid> {
    if raw.bytes().filter(|b| *b == b'"').count() % 2 == 0 {
        return Ok(());
    }
    let blank = raw.len() - raw.trim_start_matches(['\r', '\n']).len();
    let line = 1 + text[..start + blank].matches('\n').count();
    Err(Invalid::value(format!(
        "`file` line {line}: a quoted field is not closed, or a quote stands inside an unquoted field (quote the field and double the quote: \"say \"\"hi\"\"\")"
    )))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::domain::table::FieldType;

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn csv_is_read_as_rfc_4180_writes_it() {
        let cases: Vec<(&str, Vec<Vec<String>>)> = vec![
            ("a,b\n1,2\n", rows(&[&["a", "b"], &["1", "2"]])),
            ("a,b\r\n1,2", rows(&[&["a", "b"], &["1", "2"]])),
            ("a,b\r\n1,2\r\n", rows(&[&["a", "b"], &["1", "2"]])),
            ("a\n\"x, y\"\n", rows(&[&["a"], &["x, y"]])),
            ("a\n\"say \"\"hi\"\"\"\n", rows(&[&["a"], &["say \"hi\""]])),
            ("a,b\n\"two\nlines\",\n", rows(&[&["a", "b"], &["two\nlines", ""]])),
            (
                "a,b\r\n\"two\r\nlines\",x\r\n",
                rows(&[&["a", "b"], &["two\r\nlines", "x"]]),
            ),
            ("", rows(&[])),
            // A byte order mark is no part of the first header.
            (
                "\u{feff}name,code\nAlice,bom1\n",
                rows(&[&["name", "code"], &["Alice", "bom1"]]),
            ),
            // Blank lines, the last one too, are no rows.
            ("a\n1\n\n2\n\n", rows(&[&["a"], &["1"], &["2"]])),
            // Ragged rows are kept as they are: the import reports them row by row.
            ("a,b\n1\n1,2,3\n", rows(&[&["a", "b"], &["1"], &["1", "2", "3"]])),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_csv(text).unwrap(), expected, "{text:?}");
        }
    }

    #[test]
    fn stray_and_unclosed_quotes_name_their_line() {
        let cases = [
            ("a\n\"open", 2),
            ("a\nx\"y\n", 2),
            ("a,b\n1,2\n\n\"open,3\n4,5\n", 4),
            ("a,b\r\n1,2\r\n3,x\"y\r\n", 3),
            ("a,b\n\"two\nlines\",1\n3,\"4\n", 4),
        ];
        for (text, line) in cases {
            let error = parse_csv(text).expect_err(text).to_string();
            assert!(error.starts_with(&format!("`file` line {line}:")), "{text:?}: {error}");
        }
    }

    fn table() -> Table {
        let field = |key: &str| FieldDef {
            id: format!("id-{key}"),
            key: key.to_string(),
            ..FieldDef::for_tests(FieldType::Text)
        };
        Table::for_tests(vec![field("name"), field("code")])
    }

    /// Each file and mapping: the field keys its columns fill (`-` for an ignored column),
    /// or the words of its 400.
    #[test]
    fn columns_and_mappings_table() {
        let cases: [(&str, Option<&str>, Result<&str, &str>); 9] = [
            ("name,code\nA,1\n", None, Ok("name code")),
            ("\u{feff}name,code\nA,1\n", None, Ok("name code")),
            ("Company,x\nA,1\n", Some(r#"{"Company": "name"}"#), Ok("name -")),
            (
                "a,b\nA,1\n",
                Some(r#"{"a": "name", "a": "code"}"#),
                Err("duplicate field `a`"),
            ),
            ("a\nA\n", Some(r#"{"a": 5}"#), Err("no field key")),
            ("a\nA\n", Some("[]"), Err("JSON object")),
            ("name,name\nA,B\n", None, Err("both fill the field \"name\"")),
            (
                "a,name\nA,B\n",
                Some(r#"{"a": "name"}"#),
                Err("both fill the field \"name\""),
            ),
            ("x,y\n1,2\n", None, Err("no column")),
        ];
        let table = table();
        for (file, mapping, expected) in cases {
            let input = ImportInput {
                file: Some(file.to_string()),
                mapping: mapping.map(str::to_string),
            };
            match (input.parse(&table), expected) {
                (Ok(import), Ok(keys)) => {
                    let got: Vec<&str> = import
                        .columns
                        .iter()
                        .map(|c| c.map_or("-", |f| f.key.as_str()))
                        .collect();
                    assert_eq!(got.join(" "), keys, "{file:?} {mapping:?}");
                }
                (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{file:?} {mapping:?}: {e}"),
                (got, want) => panic!("{file:?} {mapping:?}: got {got:?}, expected {want:?}"),
            }
        }
    }
}
