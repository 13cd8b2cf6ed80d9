//! The search index of what the Regions share: published practices and visible questions (with
//! their visible answers), in a tantivy index of each instance's own beside the guide index.
//!
//! Every change to something searchable writes a row to `exchange_changes` in the same
//! transaction; each instance applies the rows after the last sequence number it applied, which
//! it keeps in the index's own commit, so a restarted instance catches up without a rebuild and
//! a change made through any instance is found on every other within a poll or two. On
//! PostgreSQL a sequence number can commit after a higher one: the applied mark stops at a gap
//! until it is filled, or until it is older than [`GAP_PATIENCE_MS`] (a rolled-back write);
//! applying an item twice does no harm, since an item is always read afresh from the database.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, INDEXED, STORED, STRING,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::Exchange;
use crate::guides::{Fund, Phase};
use crate::search::{analyzers, SearchRequest};

/// How long a missing sequence number is waited for before it counts as rolled back.
pub const GAP_PATIENCE_MS: i64 = 10_000;
/// Changes read at a time.
const BATCH: i64 = 500;
/// The writer's memory budget (tantivy's minimum).
const WRITER_HEAP: usize = 15_000_000;

/// Records that a question or a practice changed, in the caller's transaction.
pub async fn record_change(conn: &mut AnyConnection, item: &str, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO exchange_changes (item, item_id, created_at) VALUES ($1, $2, $3)")
        .bind(item)
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A found practice or question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeHit)]
pub struct ExchangeHit {
    /// practice or question.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
    pub title: String,
    /// The opening of its text.
    pub snippet: String,
    pub url: String,
    /// The Region of the practice or of whoever asked.
    pub region: Option<String>,
    /// For questions: whether one answer was accepted as the solution.
    pub answered: Option<bool>,
    pub score: f32,
}

/// What to look for among the Regions' content.
#[derive(Debug, Clone, Default)]
pub struct ExchangeQuery<'a> {
    pub q: &'a str,
    /// practice or question; both when `None`.
    pub kind: Option<&'a str>,
    pub fund: Option<Fund>,
    pub phase: Option<Phase>,
    pub topic: Option<&'a str>,
    pub limit: usize,
    pub offset: usize,
}

impl<'a> ExchangeQuery<'a> {
    /// The guide search's words and filters, applied to the Regions' content.
    pub fn for_request(req: &'a SearchRequest, kind: Option<&'a str>, limit: usize, offset: usize) -> Self {
        ExchangeQuery { q: &req.q, kind, fund: req.fund, phase: req.phase, topic: req.topic.as_deref(), limit, offset }
    }
}

/// Found items, and how many of each kind match.
#[derive(Debug, Clone, Default)]
pub struct ExchangeResults {
    pub hits: Vec<ExchangeHit>,
    pub practices: usize,
    pub questions: usize,
}

struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    text_it: Field,
    text_plain: Field,
    snippet: Field,
    region: Field,
    answered: Field,
    tag: Field,
}

pub struct ExchangeIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    applied: AtomicI64,
    /// One applier at a time in this process.
    writing: Mutex<()>,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |name: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(name).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_i64_field("id", INDEXED | STORED),
        title: b.add_text_field("title", text(analyzers::IT_STEM).set_stored()),
        text_it: b.add_text_field("text_it", text(analyzers::IT_STEM)),
        text_plain: b.add_text_field("text_plain", text(analyzers::PLAIN)),
        snippet: b.add_text_field("snippet", STORED),
        region: b.add_text_field("region", STRING | STORED),
        answered: b.add_u64_field("answered", STORED),
        // fund:FSE+, phase:avviso, topic:slug — the filters.
        tag: b.add_text_field("tag", STRING),
    };
    (b.build(), fields)
}

/// A searchable item read from the database.
struct Item {
    kind: &'static str,
    id: i64,
    title: String,
    text: String,
    snippet: String,
    region: Option<String>,
    answered: Option<bool>,
    tags: Vec<String>,
}

impl ExchangeIndex {
    /// The index in `dir`, created there when missing (it then catches up from the start).
    pub fn open(dir: &Path) -> anyhow::Result<ExchangeIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(i) if i.schema() == schema => i,
            _ => {
                for entry in std::fs::read_dir(dir)? {
                    let path = entry?.path();
                    if path.is_file() {
                        std::fs::remove_file(path)?;
                    }
                }
                Index::create_in_dir(dir, schema)?
            }
        };
        Self::with(index, fields)
    }

    pub fn in_memory() -> anyhow::Result<ExchangeIndex> {
        let (schema, fields) = schema();
        Self::with(Index::create_in_ram(schema), fields)
    }

    fn with(index: Index, fields: Fields) -> anyhow::Result<ExchangeIndex> {
        analyzers::register(&index);
        let applied = index.load_metas()?.payload.and_then(|p| p.parse().ok()).unwrap_or(0);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(ExchangeIndex { index, reader, fields, applied: AtomicI64::new(applied), writing: Mutex::new(()) })
    }

    /// The last change applied.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Applies the changes recorded since the last one applied; answers how many items were
    /// written.
    pub async fn catch_up(&self, ex: &Exchange) -> anyhow::Result<usize> {
        let from = self.applied();
        let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT seq, item, item_id, created_at FROM exchange_changes WHERE seq > $1 ORDER BY seq LIMIT {BATCH}"
        ))
        .bind(from)
        .fetch_all(ex.db.pool())
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let now = ex.now();
        // The new mark: as far as the numbers run on without a gap, or past a gap old enough.
        let mut mark = from;
        for (seq, _, _, at) in &rows {
            if *seq == mark + 1 || now - at > GAP_PATIENCE_MS {
                mark = *seq;
            } else {
                break;
            }
        }
        let mut items: Vec<(String, i64)> = rows.iter().map(|(_, item, id, _)| (item.clone(), *id)).collect();
        items.sort();
        items.dedup();
        let mut docs = Vec::with_capacity(items.len());
        let mut conn = ex.db.pool().acquire().await?;
        for (item, id) in &items {
            docs.push(((item.clone(), *id), read_item(&mut conn, item, *id).await?));
        }
        drop(conn);
        let written = docs.len();
        let _one = self.writing.lock().map_err(|_| anyhow::anyhow!("the exchange index writer is poisoned"))?;
        let mut writer: IndexWriter = self.index.writer_with_num_threads(1, WRITER_HEAP)?;
        for ((item, id), doc) in docs {
            writer.delete_term(Term::from_field_text(self.fields.key, &format!("{item}:{id}")));
            if let Some(it) = doc {
                writer.add_document(self.document(&it))?;
            }
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&mark.to_string());
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.applied.store(mark, Ordering::Release);
        Ok(written)
    }

    fn document(&self, it: &Item) -> TantivyDocument {
        let f = &self.fields;
        let mut d = doc!(
            f.key => format!("{}:{}", it.kind, it.id),
            f.kind => it.kind,
            f.id => it.id,
            f.title => it.title.clone(),
            f.text_it => format!("{}\n{}", it.title, it.text),
            f.text_plain => format!("{}\n{}", it.title, it.text),
            f.snippet => it.snippet.clone(),
            f.answered => u64::from(it.answered.unwrap_or(false)),
        );
        if let Some(r) = &it.region {
            d.add_text(f.region, r);
        }
        for t in &it.tags {
            d.add_text(f.tag, t);
        }
        d
    }

    /// Practices and questions matching the words, best first.
    pub fn search(&self, q: &ExchangeQuery<'_>) -> anyhow::Result<ExchangeResults> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text_it, f.text_plain]);
        parser.set_field_boost(f.title, 2.0);
        let words: String =
            q.q.chars().map(|c| if c.is_alphanumeric() || c == '+' || c == '\'' { c } else { ' ' }).collect();
        let (text, _) = parser.parse_query_lenient(words.trim());
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !words.trim().is_empty() {
            must.push((Occur::Must, text));
        }
        let tag = |t: String| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(TermQuery::new(Term::from_field_text(f.tag, &t), IndexRecordOption::Basic)))
        };
        if let Some(fund) = q.fund {
            must.push(tag(format!("fund:{}", fund.as_str())));
        }
        if let Some(p) = q.phase {
            must.push(tag(format!("phase:{}", p.as_str())));
        }
        if let Some(t) = q.topic {
            must.push(tag(format!("topic:{t}")));
        }
        let of_kind = |kind: &str| -> Box<dyn Query> {
            let mut parts: Vec<(Occur, Box<dyn Query>)> = must.iter().map(|(o, q)| (*o, q.box_clone())).collect();
            parts.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_text(f.kind, kind), IndexRecordOption::Basic)),
            ));
            Box::new(BooleanQuery::new(parts))
        };
        let practices = searcher.search(&*of_kind("practice"), &Count)?;
        let questions = searcher.search(&*of_kind("question"), &Count)?;
        let query: Box<dyn Query> = match q.kind {
            Some(kind) => of_kind(kind),
            None if must.is_empty() => Box::new(tantivy::query::AllQuery),
            None => Box::new(BooleanQuery::new(must)),
        };
        let top =
            searcher.search(&*query, &TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let d: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| d.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let kind = text(f.kind);
            let id = d.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or(0);
            let url = match kind.as_str() {
                "question" => format!("/scambio/domande/{id}"),
                _ => format!("/scambio/esperienze/{id}"),
            };
            let answered = (kind == "question").then(|| d.get_first(f.answered).and_then(|v| v.as_u64()) == Some(1));
            hits.push(ExchangeHit {
                region: Some(text(f.region)).filter(|r| !r.is_empty()),
                title: text(f.title),
                snippet: text(f.snippet),
                kind,
                id,
                url,
                answered,
                score,
            });
        }
        Ok(ExchangeResults { hits, practices, questions })
    }
}

/// The item as it is searchable now, or `None` when it is not (hidden, not published, gone).
async fn read_item(conn: &mut AnyConnection, item: &str, id: i64) -> Result<Option<Item>, sqlx::Error> {
    let lead = |s: &str| crate::search::lead(s, 220);
    let json_list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
    if item == "question" {
        #[derive(FromRow)]
        struct Row {
            title: String,
            body: String,
            fund: Option<String>,
            topics: String,
            accepted_answer_id: Option<i64>,
            region_code: Option<String>,
        }
        let Some(r) = sqlx::query_as::<_, Row>(
            "SELECT q.title, q.body, q.fund, q.topics, q.accepted_answer_id, u.region_code FROM exchange_questions q \
             JOIN users u ON u.id = q.author_id WHERE q.id = $1 AND q.state = 'visible'",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let answers: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM exchange_answers WHERE question_id = $1 AND state = 'visible' ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut tags: Vec<String> = json_list(&r.topics).into_iter().map(|t| format!("topic:{t}")).collect();
        tags.extend(r.fund.iter().map(|f| format!("fund:{f}")));
        return Ok(Some(Item {
            kind: "question",
            id,
            snippet: lead(&r.body),
            text: format!("{}\n{}", r.body, answers.join("\n")),
            title: r.title,
            region: r.region_code,
            answered: Some(r.accepted_answer_id.is_some()),
            tags,
        }));
    }
    #[derive(FromRow)]
    struct Row {
        region_code: String,
        title: String,
        summary: String,
        what_done: String,
        results: String,
        lessons: String,
        act_reference: String,
        funds: String,
        phases: String,
        topics: String,
    }
    let Some(r) = sqlx::query_as::<_, Row>(
        "SELECT p.region_code, v.title, v.summary, v.what_done, v.results, v.lessons, v.act_reference, v.funds, \
         v.phases, v.topics FROM exchange_practices p JOIN exchange_practice_versions v ON v.id = p.published_version_id \
         WHERE p.id = $1 AND p.hidden_reason IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut tags: Vec<String> = json_list(&r.funds).into_iter().map(|f| format!("fund:{f}")).collect();
    tags.extend(json_list(&r.phases).into_iter().map(|p| format!("phase:{p}")));
    tags.extend(json_list(&r.topics).into_iter().map(|t| format!("topic:{t}")));
    Ok(Some(Item {
        kind: "practice",
        id,
        snippet: lead(&r.summary),
        text: [r.summary, r.what_done, r.results, r.lessons, r.act_reference].join("\n"),
        title: r.title,
        region: Some(r.region_code),
        answered: None,
        tags,
    }))
}
