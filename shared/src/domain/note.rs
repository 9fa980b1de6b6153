//! Attio's notes (docs.attio.com, rest-api/endpoint-reference/notes): a title and content
//! on one record. The content is sent in one format (`plaintext` or `markdown`) and shown
//! in both, so it is kept in both, made once here.

use serde::Deserialize;
use serde_json::Value;

use super::{bounded_text, required, Invalid};
use crate::time::Timestamp;

/// The longest title kept, in characters (Attio documents none).
pub const MAX_TITLE_CHARS: usize = 1_000;
/// The longest content kept, in characters (Attio documents none; a note's item holds it
/// twice, plaintext and Markdown, within DynamoDB's 400 KB).
pub const MAX_CONTENT_CHARS: usize = 100_000;

/// The body of `POST /v2/notes`, as sent: parsed by [`NoteInput::parse`].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NoteInput {
    /// The parent object's slug or id.
    #[schema(value_type = String, example = "companies")]
    pub parent_object: Option<Value>,
    #[schema(value_type = String)]
    pub parent_record_id: Option<Value>,
    #[schema(value_type = String)]
    pub title: Option<Value>,
    /// `plaintext` or `markdown`.
    #[schema(value_type = String, example = "plaintext")]
    pub format: Option<Value>,
    #[schema(value_type = String)]
    pub content: Option<Value>,
    /// To backdate the note: an RFC 3339 timestamp, not before 1970 nor in the future.
    #[schema(value_type = Option<String>)]
    pub created_at: Option<Value>,
    /// A meeting to link: none exists here, so only `null` is accepted.
    #[schema(value_type = Option<String>)]
    pub meeting_id: Option<Value>,
}

data_input! {
    /// `{"data": {...}}`.
    NoteData(NoteInput);
}

/// What a note's content was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteFormat {
    Plaintext,
    Markdown,
}

/// A new note, valid by construction; its parent is still a name to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    pub parent_object: String,
    /// The parent record's id, hyphenated lower case.
    pub parent_record_id: String,
    pub title: String,
    pub content: NoteContent,
    /// `None`: now.
    pub created_at: Option<Timestamp>,
}

/// A note's content in both of the forms Attio shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteContent {
    pub plaintext: String,
    pub markdown: String,
}

impl NoteContent {
    /// The content as sent in `format`, in both forms.
    pub fn new(format: NoteFormat, content: &str) -> Self {
        match format {
            NoteFormat::Plaintext => Self {
                plaintext: content.to_string(),
                markdown: escape_markdown(content),
            },
            NoteFormat::Markdown => Self {
                plaintext: markdown_text(content),
                markdown: content.to_string(),
            },
        }
    }
}

fn text(field: &str, value: Option<Value>) -> Result<String, Invalid> {
    match required(field, value)? {
        Value::String(s) => Ok(s),
        _ => Err(Invalid::value(format!("`{field}` must be a string"))),
    }
}

impl NoteInput {
    /// The note, or what is wrong with it; `now` bounds a backdated `created_at`.
    pub fn parse(self, now: Timestamp) -> Result<NewNote, Invalid> {
        let parent_object = bounded_text(
            "data.parent_object",
            &text("data.parent_object", self.parent_object)?,
            1,
            256,
        )?;
        let raw_id = text("data.parent_record_id", self.parent_record_id)?;
        let parent_record_id = uuid::Uuid::try_parse(raw_id.trim())
            .map(|u| u.hyphenated().to_string())
            .map_err(|_| Invalid::not_found(format!("No record with ID \"{raw_id}\"")))?;
        let title = text("data.title", self.title)?;
        let title = bounded_text("data.title", &title, 0, MAX_TITLE_CHARS)?;
        let format = match text("data.format", self.format)?.as_str() {
            "plaintext" => NoteFormat::Plaintext,
            "markdown" => NoteFormat::Markdown,
            other => {
                return Err(Invalid::value(format!(
                    "`data.format` must be \"plaintext\" or \"markdown\", not {other:?}"
                )))
            }
        };
        let content = text("data.content", self.content)?;
        let chars = content.chars().count();
        if chars > MAX_CONTENT_CHARS {
            return Err(Invalid::value(format!(
                "`data.content` must be at most {MAX_CONTENT_CHARS} characters; it has {chars}"
            )));
        }
        if content
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(Invalid::value(
                "`data.content` must not contain control characters but line breaks and tabs",
            ));
        }
        let created_at = match self.created_at {
            None | Some(Value::Null) => None,
            Some(Value::String(raw)) => Some(backdated(&raw, now)?),
            Some(_) => return Err(Invalid::value("`data.created_at` must be a timestamp string")),
        };
        match self.meeting_id {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) => {
                return Err(Invalid::not_found(format!("No meeting with ID \"{id}\"")));
            }
            Some(_) => return Err(Invalid::value("`data.meeting_id` must be a string or null")),
        }
        Ok(NewNote {
            parent_object,
            parent_record_id,
            title,
            content: NoteContent::new(format, &content),
            created_at,
        })
    }
}

/// A backdated creation time: RFC 3339, from 1970 up to `now`.
fn backdated(raw: &str, now: Timestamp) -> Result<Timestamp, Invalid> {
    let at = Timestamp::parse_rfc3339(raw.trim())
        .ok_or_else(|| Invalid::value(format!("`data.created_at` is not an RFC 3339 timestamp: {raw:?}")))?;
    let epoch = Timestamp::from_unix_seconds(0).expect("the epoch is a timestamp");
    if at < epoch || at > now {
        return Err(Invalid::value(
            "`data.created_at` may not be before 1970 or in the future",
        ));
    }
    Ok(at)
}

/// Plain text as Markdown that shows it as it is: every character Markdown would read as
/// syntax is escaped with a backslash.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '~'
                | '='
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The text a Markdown note shows, without its syntax: blocks (paragraphs, headings, list
/// items, quotes) on lines of their own, a list item after `- ` or its number, a link as its
/// text, and Attio's `==highlight==` as its text.
pub fn markdown_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut out = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let new_line = |out: &mut String| {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
    };
    let options = Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::List(first)) => {
                new_line(&mut out);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                new_line(&mut out);
                out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::BlockQuote(_) | Tag::CodeBlock(_)) => {
                new_line(&mut out);
            }
            Event::Text(text) | Event::Code(text) => out.push_str(&text.replace("==", "")),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => new_line(&mut out),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markdown_shows_its_text_without_its_syntax() {
        let cases = [
            ("plain words", "plain words"),
            (
                "# Title\n\nSome **bold** and _italic_ text.",
                "Title\nSome bold and italic text.",
            ),
            (
                "- one\n- two\n\n1. first\n2. second",
                "- one\n- two\n1. first\n2. second",
            ),
            (
                "A [link](https://example.com) and ~~struck~~ ==marked==",
                "A link and struck marked",
            ),
            ("line one\nline two", "line one\nline two"),
            ("", ""),
        ];
        for (markdown, text) in cases {
            assert_eq!(markdown_text(markdown), text, "{markdown:?}");
        }
    }

    #[test]
    fn plain_text_escaped_as_markdown_reads_back_as_itself() {
        for text in [
            "plain",
            "2 * 3 = 6, a_b, [x](y)",
            "# not a heading",
            "- not a list",
            "1. not a list either",
            "back\\slash and `code`",
            "==not marked==",
        ] {
            assert_eq!(markdown_text(&escape_markdown(text)), text, "{text:?}");
        }
    }

    fn input(data: Value) -> NoteInput {
        serde_json::from_value::<NoteData>(json!({"data": data}))
            .unwrap()
            .data()
            .unwrap()
    }

    #[test]
    fn a_note_needs_its_parts_in_their_types() {
        let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let good = json!({"parent_object": "companies", "parent_record_id": "6b6e3ee1-5c5b-4a2e-9f5a-2d2e3a1b0c9d",
            "title": "Call", "format": "plaintext", "content": "Said yes"});
        let note = input(good.clone()).parse(now).unwrap();
        assert_eq!(note.content.plaintext, "Said yes");
        assert_eq!(note.created_at, None);
        let refused = [
            ("parent_object", json!(null)),
            ("parent_object", json!(7)),
            ("title", json!(null)),
            ("title", json!("x".repeat(MAX_TITLE_CHARS + 1))),
            ("format", json!("html")),
            ("content", json!(["a"])),
            ("content", json!("bell \u{7}")),
            ("created_at", json!("yesterday")),
            ("created_at", json!("1969-12-31T23:59:59Z")),
            ("created_at", json!("2026-01-02T00:00:00Z")),
            ("meeting_id", json!(5)),
        ];
        for (field, value) in refused {
            let mut body = good.clone();
            body[field] = value.clone();
            assert!(
                matches!(input(body).parse(now), Err(Invalid::Value(_))),
                "{field}: {value}"
            );
        }
        for (field, value) in [("parent_record_id", json!("nope")), ("meeting_id", json!("m1"))] {
            let mut body = good.clone();
            body[field] = value.clone();
            assert!(
                matches!(input(body).parse(now), Err(Invalid::NotFound(_))),
                "{field}: {value}"
            );
        }
        let mut backdated = good;
        backdated["created_at"] = json!("2020-05-01T10:00:00+02:00");
        let note = input(backdated).parse(now).unwrap();
        assert_eq!(note.created_at.unwrap().nanos(), "2020-05-01T08:00:00.000000000Z");
    }
}
