//! Invent's records import (`POST /orgs/{org_id}/tables/{table_id}/records/import`): a CSV
//! file, given as text in `file`, with an optional `mapping` (a JSON object of CSV header to
//! field key; without one, each header is a field key). Each row becomes one record, or one
//! per-row error; no row is half-written.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

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
        let mapping: BTreeMap<String, String> = match &self.mapping {
            None => BTreeMap::new(),
            Some(m) if m.chars().count() > 8192 => {
                return Err(Invalid::value("`mapping` must be at most 8192 characters"))
            }
            Some(m) => serde_json::from_str(m)
                .map_err(|_| Invalid::value("`mapping` must be a JSON object of CSV header to field key"))?,
        };
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
            .map(|header| {
                let key = mapping.get(header.trim()).map_or(header.trim(), String::as_str);
                match table.fields.get(key) {
                    Some(field) => Ok(Some(field)),
                    // A mapped header must name a field; an unmapped one that names none is ignored.
                    None if mapping.contains_key(header.trim()) => Err(Invalid::value(format!(
                        "`mapping` maps \"{header}\" to \"{key}\", which is no field of \"{}\"",
                        table.api_slug
                    ))),
                    None => Ok(None),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        if columns.iter().all(Option::is_none) {
            return Err(Invalid::value(format!(
                "no column of `file` names a field of \"{}\"; map headers to field keys with `mapping`",
                table.api_slug
            )));
        }
        Ok(Import { columns, rows })
    }
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

/// RFC 4180 CSV: comma-separated fields, double-quoted fields may hold commas, line breaks
/// and `""` for a quote; rows end with LF or CRLF; an empty last line is no row.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, Invalid> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, '"') => {
                return Err(Invalid::value(format!(
                    "`file` line {line}: a quote inside an unquoted field"
                )))
            }
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(Invalid::value(format!(
            "`file` line {line}: a quoted field is not closed"
        )));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_is_read_as_rfc_4180_writes_it() {
        let s = |rows: &[&[&str]]| -> Vec<Vec<String>> {
            rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
        };
        let cases: [(&str, Vec<Vec<String>>); 6] = [
            ("a,b\n1,2\n", s(&[&["a", "b"], &["1", "2"]])),
            ("a,b\r\n1,2", s(&[&["a", "b"], &["1", "2"]])),
            ("a\n\"x, y\"\n", s(&[&["a"], &["x, y"]])),
            ("a\n\"say \"\"hi\"\"\"\n", s(&[&["a"], &["say \"hi\""]])),
            ("a,b\n\"two\nlines\",\n", s(&[&["a", "b"], &["two\nlines", ""]])),
            ("", s(&[])),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_csv(text).unwrap(), expected, "{text:?}");
        }
        for bad in ["a\n\"open", "a\nx\"y\n"] {
            assert!(parse_csv(bad).is_err(), "{bad:?}");
        }
    }
}
