//! The fast paths against the slow, obvious one. Every generated query runs twice through
//! the API, once on indexed (or unique) attributes and once on their unindexed twins that
//! hold the same values, and is evaluated a third time here, over what was written, by an
//! evaluator that knows nothing of plans. The three answers must be equal, whole and walked
//! page by page by cursor, on every plan the planner chooses (the test counts them).
//!
//! The values are the hard ones: -0.0, integers past 2^53 and at the ends of i64,
//! ±1e100, text that differs only in case or past the 400 bytes a sort looks at, multi-value
//! numbers, currencies with codes, and a select option renamed after it was written.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use api_tests::{display_number, display_numbers, join_all, Org, TestApi};
use serde_json::{json, Number, Value};
use shared::domain::filter::{parse_filter, parse_sorts, plan, Plan, SortInput, Tables};
use shared::domain::number::Exact;
use shared::domain::organization::OrgId;
use shared::domain::table::TableRef;

/// A seeded generator (SplitMix64): the same cases on every run, so a failure repeats.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn coin(&mut self) -> bool {
        self.below(2) == 1
    }
}

type TestRng = Gen;

const RECORDS: usize = 90;
const QUERIES: usize = 80;

/// Numbers as JSON text, so that each is sent exactly as written here.
const NUMBERS: &[&str] = &[
    "-1e100",
    "-5",
    "-1",
    "-0.0",
    "0",
    "0.5",
    "1",
    "2.5",
    "7",
    "9007199254740992",
    "9007199254740993",
    "9223372036854775807",
    "-9223372036854775808",
    "1e100",
];

fn texts() -> Vec<String> {
    let long = "x".repeat(398);
    [
        "a",
        "A",
        "alpha",
        "Alpha",
        "ALPHA beta",
        "ß",
        "SS",
        "émigré",
        "Émigré",
        "zeta",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("{long}éa"), format!("{long}éb"), format!("{long}É")])
    .collect()
}

const OPTIONS: &[&str] = &["Open", "Won", "Lost", "Émigré"];
const CODES: &[&str] = &["USD", "EUR"];

fn number(text: &str) -> Number {
    serde_json::from_str(text).expect("a JSON number")
}

fn exact(n: &Number) -> Exact {
    Exact::of(n).expect("finite")
}

/// What one record holds, as written.
#[derive(Debug, Clone, Default)]
struct Row {
    number: u64,
    active_from: String,
    n: Option<Number>,
    t: Option<String>,
    ms: Vec<Number>,
    p: Option<(Number, String)>,
    u: Option<Number>,
    b: Option<bool>,
    s: Option<usize>,
}

/// The attributes queried: each kind has an indexed one and an unindexed twin.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Attr {
    Num,
    Text,
    Multi,
    Cur,
    Uniq,
    Bool,
    Sel,
}

impl Attr {
    fn slug(self, twin: bool) -> &'static str {
        match (self, twin) {
            (Attr::Num, false) => "n",
            (Attr::Num, true) => "m",
            (Attr::Text, false) => "t",
            (Attr::Text, true) => "tt",
            (Attr::Multi, false) => "ms",
            (Attr::Multi, true) => "ms2",
            (Attr::Cur, false) => "p",
            (Attr::Cur, true) => "q",
            (Attr::Uniq, false) => "u",
            (Attr::Uniq, true) => "v",
            (Attr::Bool, false) => "b",
            (Attr::Bool, true) => "bb",
            (Attr::Sel, false) => "s",
            (Attr::Sel, true) => "ss",
        }
    }
}

/// One attribute object's condition.
#[derive(Debug, Clone)]
enum Atom {
    NumEq(Attr, Number, bool),
    NumRange(Attr, Option<(Number, bool)>, Option<(Number, bool)>),
    NumIn(Attr, Vec<Number>),
    NotEmpty(Attr, bool),
    ActiveFrom(Attr, String),
    TextEq(String),
    TextIn(Vec<String>),
    TextStarts(String),
    TextContains(String),
    CurCode(Option<(Number, bool)>, Option<String>),
    BoolEq(bool),
    SelEq(String),
    SelStarts(String),
}

#[derive(Debug, Clone)]
enum Query {
    Atom(Atom),
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

fn bound_json(
    op_strict: &str,
    op_inclusive: &str,
    bound: &Option<(Number, bool)>,
    out: &mut serde_json::Map<String, Value>,
) {
    if let Some((n, inclusive)) = bound {
        out.insert(
            (if *inclusive { op_inclusive } else { op_strict }).to_string(),
            Value::Number(n.clone()),
        );
    }
}

impl Atom {
    fn attr(&self) -> Attr {
        match self {
            Atom::NumEq(a, ..) | Atom::NumRange(a, ..) | Atom::NumIn(a, _) | Atom::NotEmpty(a, _) => *a,
            Atom::ActiveFrom(a, _) => *a,
            Atom::TextEq(_) | Atom::TextIn(_) | Atom::TextStarts(_) | Atom::TextContains(_) => Attr::Text,
            Atom::CurCode(..) => Attr::Cur,
            Atom::BoolEq(_) => Attr::Bool,
            Atom::SelEq(_) | Atom::SelStarts(_) => Attr::Sel,
        }
    }

    fn condition(&self) -> Value {
        match self {
            Atom::NumEq(_, n, true) => Value::Number(n.clone()),
            Atom::NumEq(_, n, false) => json!({"$eq": n}),
            Atom::NumRange(_, low, high) => {
                let mut out = serde_json::Map::new();
                bound_json("$gt", "$gte", low, &mut out);
                bound_json("$lt", "$lte", high, &mut out);
                Value::Object(out)
            }
            Atom::NumIn(_, ns) => json!({"$in": ns}),
            Atom::NotEmpty(_, wanted) => json!({"$not_empty": wanted}),
            Atom::ActiveFrom(_, at) => json!({"active_from": {"$gte": at}}),
            Atom::TextEq(t) => json!(t),
            Atom::TextIn(ts) => json!({"$in": ts}),
            Atom::TextStarts(t) => json!({"$starts_with": t}),
            Atom::TextContains(t) => json!({"$contains": t}),
            Atom::CurCode(low, code) => {
                let mut out = serde_json::Map::new();
                bound_json("$gt", "$gte", low, &mut out);
                if let Some(code) = code {
                    out.insert("currency_code".into(), json!(code));
                }
                Value::Object(out)
            }
            Atom::BoolEq(b) => json!(b),
            Atom::SelEq(title) => json!({"$eq": title}),
            Atom::SelStarts(prefix) => json!({"$starts_with": prefix}),
        }
    }

    fn to_json(&self, twin: bool) -> Value {
        json!({ self.attr().slug(twin): self.condition() })
    }
}

impl Query {
    fn to_json(&self, twin: bool) -> Value {
        match self {
            Query::Atom(atom) => atom.to_json(twin),
            Query::And(parts) => json!({"$and": parts.iter().map(|p| p.to_json(twin)).collect::<Vec<_>>()}),
            Query::Or(parts) => json!({"$or": parts.iter().map(|p| p.to_json(twin)).collect::<Vec<_>>()}),
            Query::Not(inner) => json!({"$not": inner.to_json(twin)}),
        }
    }
}

/// What the records hold now, and the select options' current titles.
struct World {
    rows: Vec<Row>,
    titles: Vec<String>,
    option_ids: Vec<String>,
}

fn in_range(value: &Number, low: &Option<(Number, bool)>, high: &Option<(Number, bool)>) -> bool {
    let v = exact(value);
    let above = low.as_ref().is_none_or(|(l, inclusive)| match v.cmp(&exact(l)) {
        Ordering::Greater => true,
        Ordering::Equal => *inclusive,
        Ordering::Less => false,
    });
    let below = high.as_ref().is_none_or(|(h, inclusive)| match v.cmp(&exact(h)) {
        Ordering::Less => true,
        Ordering::Equal => *inclusive,
        Ordering::Greater => false,
    });
    above && below
}

fn numbers_of(row: &Row, attr: Attr) -> Vec<&Number> {
    match attr {
        Attr::Num => row.n.iter().collect(),
        Attr::Multi => row.ms.iter().collect(),
        Attr::Cur => row.p.iter().map(|(n, _)| n).collect(),
        Attr::Uniq => row.u.iter().collect(),
        _ => Vec::new(),
    }
}

fn has_value(row: &Row, attr: Attr) -> bool {
    match attr {
        Attr::Text => row.t.is_some(),
        Attr::Bool => row.b.is_some(),
        Attr::Sel => row.s.is_some(),
        _ => !numbers_of(row, attr).is_empty(),
    }
}

impl World {
    /// The options a select filter names: by id, or by title now, ignoring case.
    fn named(&self, name: &str) -> Vec<usize> {
        (0..self.titles.len())
            .filter(|&i| self.option_ids[i] == name || self.titles[i].to_lowercase() == name.trim().to_lowercase())
            .collect()
    }

    fn atom(&self, row: &Row, atom: &Atom) -> bool {
        let same = |a: &Number, b: &Number| exact(a) == exact(b);
        match atom {
            Atom::NumEq(attr, n, _) => numbers_of(row, *attr).iter().any(|v| same(v, n)),
            Atom::NumRange(attr, low, high) => numbers_of(row, *attr).iter().any(|v| in_range(v, low, high)),
            Atom::NumIn(attr, ns) => numbers_of(row, *attr).iter().any(|v| ns.iter().any(|n| same(v, n))),
            Atom::NotEmpty(attr, wanted) => has_value(row, *attr) == *wanted,
            Atom::ActiveFrom(attr, at) => has_value(row, *attr) && row.active_from >= *at,
            Atom::TextEq(t) => row.t.as_ref() == Some(t),
            Atom::TextIn(ts) => row.t.as_ref().is_some_and(|t| ts.contains(t)),
            Atom::TextStarts(p) => row
                .t
                .as_ref()
                .is_some_and(|t| t.to_lowercase().starts_with(&p.to_lowercase())),
            Atom::TextContains(p) => row
                .t
                .as_ref()
                .is_some_and(|t| t.to_lowercase().contains(&p.to_lowercase())),
            Atom::CurCode(low, code) => row
                .p
                .as_ref()
                .is_some_and(|(n, c)| in_range(n, low, &None) && code.as_ref().is_none_or(|code| code == c)),
            Atom::BoolEq(b) => row.b == Some(*b),
            Atom::SelEq(name) => row.s.is_some_and(|s| self.named(name).contains(&s)),
            Atom::SelStarts(p) => row
                .s
                .is_some_and(|s| self.titles[s].to_lowercase().starts_with(&p.to_lowercase())),
        }
    }

    fn matches(&self, row: &Row, query: &Query) -> bool {
        match query {
            Query::Atom(atom) => self.atom(row, atom),
            Query::And(parts) => parts.iter().all(|p| self.matches(row, p)),
            Query::Or(parts) => parts.iter().any(|p| self.matches(row, p)),
            Query::Not(inner) => !self.matches(row, inner),
        }
    }

    /// A record's key under a sort by `attr`: numbers exactly, text lowercased and cut at
    /// 400 bytes, options by their title now; none when it has no value.
    fn sort_key(&self, row: &Row, attr: Attr) -> Option<Key> {
        match attr {
            Attr::Text => row.t.as_ref().map(|t| Key::Text(cut(&t.to_lowercase()))),
            Attr::Bool => row.b.map(Key::Bool),
            Attr::Sel => row.s.map(|s| Key::Text(cut(&self.titles[s].to_lowercase()))),
            Attr::Multi => row.ms.first().map(|n| Key::Number(exact(n))),
            _ => numbers_of(row, attr).first().map(|n| Key::Number(exact(n))),
        }
    }

    /// The display numbers of the records `query` matches, in the order of `sorts`.
    fn answer(&self, query: Option<&Query>, sorts: &[(Attr, bool)]) -> Vec<u64> {
        let mut rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| query.is_none_or(|q| self.matches(r, q)))
            .collect();
        rows.sort_by(|a, b| {
            for (attr, descending) in sorts {
                let order = match (self.sort_key(a, *attr), self.sort_key(b, *attr)) {
                    (Some(x), Some(y)) if *descending => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            match sorts.last() {
                Some((_, true)) => b.number.cmp(&a.number),
                _ => a.number.cmp(&b.number),
            }
        });
        rows.iter().map(|r| r.number).collect()
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(Exact),
    Text(String),
    Bool(bool),
}

fn cut(text: &str) -> String {
    let mut end = text.len().min(400);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The table: each kind's indexed (or unique) attribute and its plain twin.
async fn setup_table(api: &TestApi, org: &Org) -> Vec<String> {
    api.create_table(&org.key, "Diff", "DF", "diff").await;
    let options: Vec<Value> = OPTIONS.iter().map(|o| json!(o)).collect();
    let fields = [
        json!({"key": "n", "indexed": true, "schema": {"name": "N", "type": "number"}}),
        json!({"key": "m", "schema": {"name": "M", "type": "number"}}),
        json!({"key": "t", "indexed": true, "schema": {"name": "T", "type": "text"}}),
        json!({"key": "tt", "schema": {"name": "TT", "type": "text"}}),
        json!({"key": "ms", "indexed": true, "schema": {"name": "MS", "type": "number", "array": true}}),
        json!({"key": "ms2", "schema": {"name": "MS2", "type": "number", "array": true}}),
        json!({"key": "p", "indexed": true, "schema": {"name": "P", "type": "currency"}}),
        json!({"key": "q", "schema": {"name": "Q", "type": "currency"}}),
        json!({"key": "u", "unique": true, "schema": {"name": "U", "type": "number"}}),
        json!({"key": "v", "schema": {"name": "V", "type": "number"}}),
        json!({"key": "b", "indexed": true, "schema": {"name": "B", "type": "checkbox"}}),
        json!({"key": "bb", "schema": {"name": "BB", "type": "checkbox"}}),
        json!({"key": "s", "schema": {"name": "S", "type": "select", "options": options}}),
        json!({"key": "ss", "schema": {"name": "SS", "type": "select", "options": options}}),
    ];
    for field in &fields {
        api.add_field(&org.key, "diff", field).await;
    }
    let reply = api
        .bearer(&org.key, "GET", "/v2/objects/diff/attributes/s/options", None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let ids: BTreeMap<String, String> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["title"].as_str().unwrap().to_string(),
                o["id"]["option_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    OPTIONS.iter().map(|o| ids[*o].clone()).collect()
}

fn pick<T: Clone>(rng: &mut TestRng, items: &[T]) -> T {
    items[rng.below(items.len())].clone()
}

fn maybe<T>(rng: &mut TestRng, value: impl FnOnce(&mut TestRng) -> T) -> Option<T> {
    (rng.below(5) > 0).then(|| value(rng))
}

fn random_row(rng: &mut TestRng, i: usize) -> Row {
    let texts = texts();
    let mut ms: Vec<Number> = Vec::new();
    for _ in 0..rng.below(4) {
        let n = number(pick(rng, NUMBERS));
        if !ms.iter().any(|m| exact(m) == exact(&n)) {
            ms.push(n);
        }
    }
    // Unique numbers: the pool's (but -0.0, which is 0), then odd integers past 2^53 that
    // no f64 holds, so neighbours round alike.
    let u = match NUMBERS.get(i) {
        Some(n) if *n != "-0.0" => number(n),
        _ => Number::from(9_007_199_254_740_993u64 + 2 * i as u64),
    };
    Row {
        n: maybe(rng, |r| number(pick(r, NUMBERS))),
        t: maybe(rng, |r| pick(r, &texts)),
        ms,
        p: maybe(rng, |r| (number(pick(r, &NUMBERS[..12])), pick(r, CODES).to_string())),
        u: Some(u),
        b: maybe(rng, |r| r.coin()),
        s: maybe(rng, |r| r.below(OPTIONS.len())),
        ..Row::default()
    }
}

/// The record's values, each kind in its attribute and its twin alike.
fn values_of(row: &Row) -> Value {
    let mut values = serde_json::Map::new();
    let mut both = |attr: Attr, value: Value| {
        values.insert(attr.slug(false).into(), value.clone());
        values.insert(attr.slug(true).into(), value);
    };
    if let Some(n) = &row.n {
        both(Attr::Num, json!(n));
    }
    if let Some(t) = &row.t {
        both(Attr::Text, json!(t));
    }
    both(Attr::Multi, json!(row.ms));
    if let Some((n, code)) = &row.p {
        both(Attr::Cur, json!({"currency_value": n, "currency_code": code}));
    }
    if let Some(u) = &row.u {
        both(Attr::Uniq, json!(u));
    }
    if let Some(b) = row.b {
        both(Attr::Bool, json!(b));
    }
    if let Some(s) = row.s {
        both(Attr::Sel, json!(OPTIONS[s]));
    }
    Value::Object(values)
}

async fn create_rows(api: &TestApi, org: &Org, rng: &mut TestRng) -> Vec<Row> {
    let mut rows: Vec<Row> = (0..RECORDS).map(|i| random_row(rng, i)).collect();
    for chunk in rows.chunks_mut(30) {
        let creates = chunk.iter_mut().map(|row| async move {
            let values = values_of(row);
            let reply = api.create_record(&org.key, "diff", &values).await;
            assert_eq!(reply.status, 200, "{values}: {:?}", reply.body);
            let data = &reply.body["data"];
            row.number = display_number(data);
            row.active_from = data["created_at"].as_str().unwrap().to_string();
        });
        join_all(creates).await;
    }
    rows.sort_by_key(|r| r.number);
    rows
}

fn random_number(rng: &mut TestRng) -> Number {
    match rng.below(6) {
        0 => number(&format!("{}", rng.below(20) as i64 - 10)),
        1 => number("9007199254740994"),
        _ => number(pick(rng, NUMBERS)),
    }
}

fn random_bound(rng: &mut TestRng) -> Option<(Number, bool)> {
    maybe(rng, |r| (random_number(r), r.coin()))
}

fn random_atom(rng: &mut TestRng, world: &World) -> Atom {
    let numeric = [Attr::Num, Attr::Multi, Attr::Uniq];
    let texts = texts();
    let stamps: Vec<String> = world.rows.iter().map(|r| r.active_from.clone()).collect();
    match rng.below(16) {
        0 => Atom::NumEq(pick(rng, &numeric), random_number(rng), rng.coin()),
        1 | 2 => Atom::NumRange(pick(rng, &numeric), random_bound(rng), random_bound(rng)),
        3 => Atom::NumIn(pick(rng, &numeric), vec![random_number(rng), random_number(rng)]),
        4 => Atom::NotEmpty(
            pick(
                rng,
                &[Attr::Num, Attr::Text, Attr::Multi, Attr::Cur, Attr::Bool, Attr::Sel],
            ),
            rng.coin(),
        ),
        5 => Atom::ActiveFrom(pick(rng, &[Attr::Num, Attr::Text, Attr::Cur]), pick(rng, &stamps)),
        6 => Atom::TextEq(pick(rng, &texts)),
        7 => Atom::TextIn(vec![pick(rng, &texts), pick(rng, &texts)]),
        8 => Atom::TextStarts(pick(rng, &["al", "AL", "x", "é", "Émi", "s"]).to_string()),
        9 => Atom::TextContains(pick(rng, &["pha", "É", "xé", "b"]).to_string()),
        10 | 11 => Atom::CurCode(random_bound(rng), maybe(rng, |r| pick(r, CODES).to_string())),
        12 => Atom::BoolEq(rng.coin()),
        13 => {
            let mut names: Vec<String> = world.titles.clone();
            names.extend(["Won".to_string(), "gagné".to_string(), "ÉMIGRÉ".to_string()]);
            names.push(world.option_ids[rng.below(OPTIONS.len())].clone());
            Atom::SelEq(pick(rng, &names))
        }
        14 => Atom::SelStarts(pick(rng, &["ga", "Wo", "é", "o"]).to_string()),
        _ => Atom::NumEq(Attr::Uniq, pick(rng, &world.rows).u.unwrap(), true),
    }
}

fn random_query(rng: &mut TestRng, world: &World, depth: u32) -> Query {
    let atom = |rng: &mut TestRng| Query::Atom(random_atom(rng, world));
    if depth == 0 {
        return atom(rng);
    }
    match rng.below(7) {
        0 => Query::And(vec![atom(rng), random_query(rng, world, depth - 1)]),
        1 => Query::Or(vec![atom(rng), atom(rng)]),
        2 => Query::Not(Box::new(random_query(rng, world, depth - 1))),
        _ => atom(rng),
    }
}

fn random_sorts(rng: &mut TestRng) -> Vec<(Attr, bool)> {
    let sortable = [Attr::Num, Attr::Text, Attr::Cur, Attr::Uniq, Attr::Bool, Attr::Sel];
    match rng.below(5) {
        0 | 1 => Vec::new(),
        2 | 3 => vec![(pick(rng, &sortable), rng.coin())],
        _ => vec![(pick(rng, &sortable), rng.coin()), (pick(rng, &sortable), rng.coin())],
    }
}

fn body(query: Option<&Query>, sorts: &[(Attr, bool)], twin: bool) -> Value {
    let sorts: Vec<Value> = sorts
        .iter()
        .map(|(attr, descending)| json!({"attribute": attr.slug(twin), "direction": if *descending { "desc" } else { "asc" }}))
        .collect();
    let mut body = json!({"sorts": sorts});
    if let Some(q) = query {
        body["filter"] = q.to_json(twin);
    }
    body
}

/// The answer's display numbers, naming the body that was refused.
fn answered(reply: &api_tests::Reply, body: &Value) -> Vec<u64> {
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    display_numbers(reply)
}

async fn whole(api: &TestApi, org: &Org, body: &Value) -> Vec<u64> {
    let mut all = body.clone();
    all["limit"] = json!(1000);
    let reply = api
        .bearer(&org.key, "POST", "/v2/objects/diff/records/query", Some(&all))
        .await;
    answered(&reply, &all)
}

/// Every page by cursor, `limit` at a time.
async fn walk(api: &TestApi, org: &Org, body: &Value, limit: usize) -> Vec<u64> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..=RECORDS * 2 {
        let mut page = body.clone();
        page["limit"] = json!(limit);
        if let Some(c) = &cursor {
            page["cursor"] = json!(c);
        }
        let reply = api
            .bearer(&org.key, "POST", "/v2/objects/diff/records/query", Some(&page))
            .await;
        all.extend(answered(&reply, &page));
        match reply.body["pagination"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return all,
        }
    }
    panic!("the cursor never ended: {body}");
}

/// Which read the planner chooses for a body, by name.
async fn plan_of(api: &TestApi, org: &Org, body: &Value) -> &'static str {
    let table = api
        .state
        .store
        .table(OrgId(org.id), &TableRef::parse("diff").unwrap())
        .await
        .unwrap()
        .expect("the table");
    let filter = body
        .get("filter")
        .map(|f| parse_filter(&table, Tables::default(), f, "filter").unwrap());
    let inputs: Vec<SortInput> = serde_json::from_value(body["sorts"].clone()).unwrap();
    let sorts = parse_sorts(&table, Tables::default(), &inputs).unwrap();
    match plan(&table, filter.as_ref(), &sorts) {
        Plan::Numbers if sorts.is_empty() => "display numbers",
        Plan::Numbers => "sort in memory",
        Plan::Index(scan) if scan.in_order => "index in order",
        Plan::Index(_) => "index range",
        Plan::Unique { .. } => "unique sentinel",
    }
}

/// The table, its records, and a rename after the values were written: filters and
/// sorts must see the title an option has now.
async fn setup_world(api: &TestApi, org: &Org, rng: &mut Gen) -> World {
    let option_ids = setup_table(api, org).await;
    let rows = create_rows(api, org, rng).await;
    for slug in ["s", "ss"] {
        let path = format!("/v2/objects/diff/attributes/{slug}/options/Won");
        let reply = api
            .bearer(&org.key, "PATCH", &path, Some(&json!({"data": {"title": "Gagné"}})))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let mut titles: Vec<String> = OPTIONS.iter().map(|s| s.to_string()).collect();
    titles[1] = "Gagné".into();
    World {
        rows,
        titles,
        option_ids,
    }
}

type Case = (Option<Query>, Vec<(Attr, bool)>);

/// Each case on the indexed attributes and on their twins, whole and by cursor, against
/// the brute force: the cases that disagree, each with what was answered and expected.
/// Counts the plans chosen in `plans`.
async fn disagreements(
    api: &TestApi,
    org: &Org,
    world: &World,
    cases: &[Case],
    plans: &mut BTreeMap<&'static str, usize>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    // Every case only reads: they run a few at a time.
    for chunk in cases.chunks(CONCURRENT_CASES) {
        for (case_plans, case_wrong) in join_all(chunk.iter().map(|case| disagreement(api, org, world, case))).await {
            for chosen in case_plans {
                *plans.entry(chosen).or_default() += 1;
            }
            wrong.extend(case_wrong);
        }
    }
    wrong
}

/// How many cases run at once.
const CONCURRENT_CASES: usize = 6;

/// One case, on the attributes and on their indexed twins: the plans chosen, and what was
/// answered wrong.
async fn disagreement(api: &TestApi, org: &Org, world: &World, case: &Case) -> (Vec<&'static str>, Vec<String>) {
    let (query, sorts) = case;
    let (mut plans, mut wrong) = (Vec::new(), Vec::new());
    let expected = world.answer(query.as_ref(), sorts);
    for twin in [false, true] {
        let body = body(query.as_ref(), sorts, twin);
        plans.push(plan_of(api, org, &body).await);
        let answered = whole(api, org, &body).await;
        if answered != expected {
            wrong.push(format!("{body}\n  answered {answered:?}\n  expected {expected:?}"));
            continue;
        }
        let limit = (expected.len() / 4).clamp(2, 30);
        let walked = walk(api, org, &body, limit).await;
        if walked != expected {
            wrong.push(format!(
                "{body} by cursor of {limit}\n  walked {walked:?}\n  expected {expected:?}"
            ));
        }
    }
    (plans, wrong)
}

/// What the red team found (issue #24, 1 to 5), each case its own: all of them fail on the
/// code before the fix, and each is reported.
fn red_team_cases() -> Vec<Case> {
    let n = number;
    let one = |atom: Atom| Some(Query::Atom(atom));
    vec![
        // 1. A condition on another property of an indexed attribute.
        (
            one(Atom::ActiveFrom(Attr::Num, "2020-01-01".into())),
            vec![(Attr::Num, false)],
        ),
        (one(Atom::CurCode(Some((n("1"), true)), Some("EUR".into()))), vec![]),
        // 2. Negative zero is zero.
        (one(Atom::NumEq(Attr::Num, n("0"), true)), vec![]),
        (one(Atom::NumEq(Attr::Num, n("-0.0"), true)), vec![]),
        // 3. Integers past 2^53, on a unique and an indexed attribute.
        (one(Atom::NumEq(Attr::Uniq, n("9007199254740993"), true)), vec![]),
        (one(Atom::NumEq(Attr::Uniq, n("9223372036854775807"), true)), vec![]),
        (
            one(Atom::NumEq(Attr::Num, n("9007199254740993"), false)),
            vec![(Attr::Num, true)],
        ),
        (
            one(Atom::NumRange(Attr::Num, Some((n("9007199254740992"), false)), None)),
            vec![],
        ),
        // 4. Two bounds on a multi-value attribute: one value between them; apart, any two.
        (
            one(Atom::NumRange(
                Attr::Multi,
                Some((n("0.3"), false)),
                Some((n("2.6"), false)),
            )),
            vec![],
        ),
        (
            Some(Query::And(vec![
                Query::Atom(Atom::NumRange(Attr::Multi, Some((n("0.3"), false)), None)),
                Query::Atom(Atom::NumRange(Attr::Multi, None, Some((n("0.6"), false)))),
            ])),
            vec![],
        ),
        // 5. A renamed option, by its new title, its old one, and sorted.
        (one(Atom::SelEq("Gagné".into())), vec![(Attr::Sel, false)]),
        (one(Atom::SelEq("Won".into())), vec![]),
        (one(Atom::SelStarts("ga".into())), vec![(Attr::Sel, true)]),
        (None, vec![(Attr::Sel, false), (Attr::Num, true)]),
    ]
}

#[tokio::test]
async fn the_red_team_queries_answer_as_the_brute_force_does() {
    let api = TestApi::start().await;
    let org = api.create_org("Diff", "owner").await;
    let world = setup_world(&api, &org, &mut Gen(7)).await;
    let mut plans = BTreeMap::new();
    let wrong = disagreements(&api, &org, &world, &red_team_cases(), &mut plans).await;
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn indexed_twin_and_brute_force_answers_are_equal_on_every_plan() {
    let api = TestApi::start().await;
    let org = api.create_org("Diff", "owner").await;
    let mut rng = Gen(24);
    let world = setup_world(&api, &org, &mut rng).await;
    let mut cases: Vec<Case> = vec![
        (Some(Query::Atom(Atom::TextEq("alpha".into()))), vec![]),
        (None, vec![(Attr::Text, true)]),
        (None, vec![]),
    ];
    for _ in 0..QUERIES {
        let query = maybe(&mut rng, |r| random_query(r, &world, 2));
        let sorts = random_sorts(&mut rng);
        cases.push((query, sorts));
    }
    let mut plans = BTreeMap::new();
    let wrong = disagreements(&api, &org, &world, &cases, &mut plans).await;
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    for chosen in [
        "display numbers",
        "sort in memory",
        "index in order",
        "index range",
        "unique sentinel",
    ] {
        assert!(
            plans.get(chosen).is_some_and(|n| *n > 0),
            "no query was planned as {chosen}: {plans:?}"
        );
    }
    api.assert_audit_clean().await;
}
