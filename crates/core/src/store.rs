//! The crash-safe local store (SQLite): claim intents and claims, caches,
//! sent notifications and the why-log.
//!
//! A claim intent is written, and committed with `synchronous=FULL`, before
//! its POST leaves the machine. After a crash the intent is still there, and
//! the engine reads the claim back from Graph before it posts again.

use crate::error::{Error, Result};
use crate::ids::{ICalUid, PlaceObjectId};
use crate::model::{CheckInMethod, ReservationKey};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{de::DeserializeOwned, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// Times are stored as RFC 3339 UTC with milliseconds and a `Z`, so that
// text order is time order.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    ical_uid TEXT NOT NULL,
    place TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('intent', 'claimed', 'failed')),
    lease_owner TEXT,
    lease_until TEXT,
    path_id TEXT,
    claimed_at TEXT,
    error TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
    key TEXT NOT NULL,
    moment TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (key, moment)
);
CREATE TABLE IF NOT EXISTS why_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL
);
";

#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

/// A claim row.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRow {
    pub key: ReservationKey,
    pub ical_uid: ICalUid,
    pub place: PlaceObjectId,
    pub method: CheckInMethod,
    pub status: ClaimStatus,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// The place id the service accepted in the `checkIns` path.
    pub path_id: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimStatus {
    /// Written before the POST; the claim may or may not exist on the server.
    Intent,
    Claimed,
    /// The service rejected the claim for good; a new request may try again.
    Failed,
}

impl ClaimStatus {
    fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Intent => "intent",
            ClaimStatus::Claimed => "claimed",
            ClaimStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "claimed" => ClaimStatus::Claimed,
            "failed" => ClaimStatus::Failed,
            _ => ClaimStatus::Intent,
        }
    }
}

/// The result of asking to start a claim.
#[derive(Debug)]
pub enum Begin {
    /// A new intent was written; the caller owns it and posts.
    Started,
    /// The reservation is claimed already.
    Claimed(ClaimRow),
    /// Another process holds a live lease on an intent.
    Busy(ClaimRow),
    /// An intent left by an earlier run (its lease expired): the caller now
    /// owns it and must read the claim back before posting.
    Resumed(ClaimRow),
}

/// The reservation, method and owner of a new intent.
pub struct IntentRequest<'a> {
    pub key: &'a ReservationKey,
    pub ical_uid: &'a ICalUid,
    pub place: &'a PlaceObjectId,
    pub method: &'a CheckInMethod,
    pub owner: &'a str,
    pub now: DateTime<Utc>,
    pub lease: Duration,
    /// Tells whether the process that wrote a lease is still running, so an
    /// intent left by a crashed run is resumed at once.
    pub owner_alive: &'a dyn Fn(&str) -> bool,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let store_error = |source| Error::Store {
            path: path.to_owned(),
            source,
        };
        let connection = Connection::open(path).map_err(|source| Error::StoreOpen {
            path: path.to_owned(),
            reason: source.to_string(),
        })?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(store_error)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(store_error)?;
        connection.execute_batch(SCHEMA).map_err(store_error)?;
        Ok(Self {
            path: path.to_owned(),
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        work(&mut connection).map_err(|source| Error::Store {
            path: self.path.clone(),
            source,
        })
    }

    /// Starts a claim in one transaction, so that of two concurrent
    /// requests for one reservation exactly one gets `Started` or `Resumed`.
    pub fn begin_claim(&self, request: &IntentRequest<'_>) -> Result<Begin> {
        self.with(|connection| {
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing = select_claim(&transaction, request.key)?;
            let lease_until = request.now
                + chrono::Duration::from_std(request.lease).unwrap_or(chrono::Duration::MAX);
            let outcome = match existing {
                Some(row) if row.status == ClaimStatus::Claimed => Begin::Claimed(row),
                Some(row) if row.status == ClaimStatus::Intent => {
                    let live = match row.lease_owner.as_deref() {
                        Some(owner) if owner != request.owner => {
                            row.lease_until.is_some_and(|until| until > request.now)
                                && (request.owner_alive)(owner)
                        }
                        _ => false,
                    };
                    if live {
                        Begin::Busy(row)
                    } else {
                        transaction.execute(
                            "UPDATE claims SET lease_owner = ?2, lease_until = ?3, updated_at = ?4
                             WHERE key = ?1",
                            params![
                                request.key.as_str(),
                                request.owner,
                                lease_until.to_rfc3339_opts(SecondsFormat::Millis, true),
                                request.now.to_rfc3339_opts(SecondsFormat::Millis, true)
                            ],
                        )?;
                        Begin::Resumed(row)
                    }
                }
                _ => {
                    transaction.execute(
                        "INSERT OR REPLACE INTO claims
                         (key, ical_uid, place, method, status, lease_owner, lease_until, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 'intent', ?5, ?6, ?7)",
                        params![
                            request.key.as_str(),
                            request.ical_uid.as_str(),
                            request.place.as_str(),
                            request.method.as_str(),
                            request.owner,
                            lease_until.to_rfc3339_opts(SecondsFormat::Millis, true),
                            request.now.to_rfc3339_opts(SecondsFormat::Millis, true)
                        ],
                    )?;
                    Begin::Started
                }
            };
            transaction.commit()?;
            Ok(outcome)
        })
    }

    /// Extends the lease of an intent the caller owns.
    pub fn renew_lease(&self, key: &ReservationKey, until: DateTime<Utc>) -> Result<()> {
        self.with(|connection| {
            connection.execute(
                "UPDATE claims SET lease_until = ?2 WHERE key = ?1 AND status = 'intent'",
                params![
                    key.as_str(),
                    until.to_rfc3339_opts(SecondsFormat::Millis, true)
                ],
            )?;
            Ok(())
        })
    }

    pub fn mark_claimed(
        &self,
        key: &ReservationKey,
        method: &CheckInMethod,
        claimed_at: Option<DateTime<Utc>>,
        path_id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.with(|connection| {
            connection.execute(
                "UPDATE claims SET status = 'claimed', method = ?2, claimed_at = ?3, path_id = ?4,
                 lease_owner = NULL, lease_until = NULL, error = NULL, updated_at = ?5
                 WHERE key = ?1",
                params![
                    key.as_str(),
                    method.as_str(),
                    claimed_at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
                    path_id,
                    now.to_rfc3339_opts(SecondsFormat::Millis, true)
                ],
            )?;
            Ok(())
        })
    }

    pub fn mark_failed(&self, key: &ReservationKey, error: &str, now: DateTime<Utc>) -> Result<()> {
        self.with(|connection| {
            connection.execute(
                "UPDATE claims SET status = 'failed', error = ?2, lease_owner = NULL,
                 lease_until = NULL, updated_at = ?3 WHERE key = ?1",
                params![
                    key.as_str(),
                    error,
                    now.to_rfc3339_opts(SecondsFormat::Millis, true)
                ],
            )?;
            Ok(())
        })
    }

    /// Records the last transient error on an intent that stays live.
    pub fn note_intent_error(&self, key: &ReservationKey, error: &str) -> Result<()> {
        self.with(|connection| {
            connection.execute(
                "UPDATE claims SET error = ?2 WHERE key = ?1 AND status = 'intent'",
                params![key.as_str(), error],
            )?;
            Ok(())
        })
    }

    /// Removes an intent whose claim will not be sent (the window closed).
    pub fn drop_intent(&self, key: &ReservationKey) -> Result<()> {
        self.with(|connection| {
            connection.execute(
                "DELETE FROM claims WHERE key = ?1 AND status = 'intent'",
                params![key.as_str()],
            )?;
            Ok(())
        })
    }

    pub fn claim(&self, key: &ReservationKey) -> Result<Option<ClaimRow>> {
        self.with(|connection| select_claim(connection, key))
    }

    pub fn all_claims(&self) -> Result<Vec<ClaimRow>> {
        self.with(|connection| {
            let mut statement = connection.prepare(&format!("{SELECT_CLAIM} ORDER BY key"))?;
            let rows = statement.query_map([], row_to_claim)?;
            rows.collect()
        })
    }

    /// Reads a JSON value stored under `name`. A value that no longer
    /// parses (written by another version) counts as absent.
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let text: Option<String> = self.with(|connection| {
            connection
                .query_row("SELECT value FROM kv WHERE name = ?1", [name], |row| {
                    row.get(0)
                })
                .optional()
        })?;
        Ok(text.and_then(|text| match serde_json::from_str(&text) {
            Ok(value) => Some(value),
            Err(err) => {
                tracing::warn!(name, %err, "ignoring an unreadable cached value");
                None
            }
        }))
    }

    pub fn put<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string(value).expect("cached values serialize");
        self.with(|connection| {
            connection.execute(
                "INSERT OR REPLACE INTO kv (name, value) VALUES (?1, ?2)",
                params![name, text],
            )?;
            Ok(())
        })
    }

    pub fn delete(&self, name: &str) -> Result<()> {
        self.with(|connection| {
            connection.execute("DELETE FROM kv WHERE name = ?1", [name])?;
            Ok(())
        })
    }

    /// Marks a notification as sent; returns false when it was sent before.
    pub fn mark_notified(
        &self,
        key: &ReservationKey,
        moment: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.with(|connection| {
            let inserted = connection.execute(
                "INSERT OR IGNORE INTO notifications (key, moment, sent_at) VALUES (?1, ?2, ?3)",
                params![
                    key.as_str(),
                    moment,
                    now.to_rfc3339_opts(SecondsFormat::Millis, true)
                ],
            )?;
            Ok(inserted == 1)
        })
    }

    pub fn append_why(
        &self,
        at: DateTime<Utc>,
        summary: &str,
        detail: &serde_json::Value,
    ) -> Result<()> {
        self.with(|connection| {
            connection.execute(
                "INSERT INTO why_log (at, summary, detail) VALUES (?1, ?2, ?3)",
                params![
                    at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    summary,
                    detail.to_string()
                ],
            )?;
            Ok(())
        })
    }

    /// The newest why-log entries, newest first.
    pub fn why_entries(&self, limit: usize) -> Result<Vec<WhyEntry>> {
        self.with(|connection| {
            let mut statement = connection
                .prepare("SELECT at, summary, detail FROM why_log ORDER BY id DESC LIMIT ?1")?;
            let rows = statement.query_map([limit as i64], |row| {
                let at: String = row.get(0)?;
                let detail: String = row.get(2)?;
                Ok(WhyEntry {
                    at: parse_time(&at).unwrap_or_default(),
                    summary: row.get(1)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            })?;
            rows.collect()
        })
    }

    /// Deletes why-log entries and sent-notification marks older than `before`.
    pub fn prune(&self, before: DateTime<Utc>) -> Result<usize> {
        self.with(|connection| {
            let cutoff = before.to_rfc3339_opts(SecondsFormat::Millis, true);
            let why = connection.execute("DELETE FROM why_log WHERE at < ?1", [&cutoff])?;
            connection.execute("DELETE FROM notifications WHERE sent_at < ?1", [&cutoff])?;
            Ok(why)
        })
    }

    /// Deletes cached reservations and claims, for sign-out.
    pub fn forget_account_data(&self) -> Result<()> {
        self.with(|connection| {
            connection.execute_batch(
                "DELETE FROM claims; DELETE FROM kv; DELETE FROM notifications; DELETE FROM why_log;",
            )
        })
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct WhyEntry {
    pub at: DateTime<Utc>,
    pub summary: String,
    pub detail: serde_json::Value,
}

const SELECT_CLAIM: &str = "SELECT key, ical_uid, place, method, status, lease_owner, lease_until,
    path_id, claimed_at, error FROM claims";

fn select_claim(
    connection: &Connection,
    key: &ReservationKey,
) -> rusqlite::Result<Option<ClaimRow>> {
    connection
        .query_row(
            &format!("{SELECT_CLAIM} WHERE key = ?1"),
            [key.as_str()],
            row_to_claim,
        )
        .optional()
}

fn row_to_claim(row: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRow> {
    let method: String = row.get(3)?;
    let status: String = row.get(4)?;
    let lease_until: Option<String> = row.get(6)?;
    let claimed_at: Option<String> = row.get(8)?;
    Ok(ClaimRow {
        key: ReservationKey::from_stored(row.get(0)?),
        ical_uid: ICalUid::new(row.get::<_, String>(1)?),
        place: PlaceObjectId::new(row.get::<_, String>(2)?),
        method: CheckInMethod::parse(&method),
        status: ClaimStatus::parse(&status),
        lease_owner: row.get(5)?,
        lease_until: lease_until.as_deref().and_then(parse_time),
        path_id: row.get(7)?,
        claimed_at: claimed_at.as_deref().and_then(parse_time),
        error: row.get(9)?,
    })
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

impl ClaimStatus {
    pub fn name(self) -> &'static str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn request<'a>(
        key: &'a ReservationKey,
        owner: &'a str,
        now: DateTime<Utc>,
        alive: &'a dyn Fn(&str) -> bool,
    ) -> IntentRequest<'a> {
        static UID: std::sync::OnceLock<ICalUid> = std::sync::OnceLock::new();
        static PLACE: std::sync::OnceLock<PlaceObjectId> = std::sync::OnceLock::new();
        IntentRequest {
            key,
            ical_uid: UID.get_or_init(|| ICalUid::new("uid")),
            place: PLACE.get_or_init(|| PlaceObjectId::new("desk")),
            method: &CheckInMethod::Manual,
            owner,
            now,
            lease: Duration::from_secs(180),
            owner_alive: alive,
        }
    }

    #[test]
    fn second_owner_sees_live_intent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let key = ReservationKey::from_stored("k".into());
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let alive = |_: &str| true;
        assert!(matches!(
            store
                .begin_claim(&request(&key, "1:a", now, &alive))
                .unwrap(),
            Begin::Started
        ));
        assert!(matches!(
            store
                .begin_claim(&request(&key, "2:b", now, &alive))
                .unwrap(),
            Begin::Busy(_)
        ));
        let dead = |_: &str| false;
        assert!(matches!(
            store
                .begin_claim(&request(&key, "2:b", now, &dead))
                .unwrap(),
            Begin::Resumed(_)
        ));
        let later = now + chrono::Duration::minutes(10);
        assert!(
            matches!(
                store
                    .begin_claim(&request(&key, "3:c", later, &alive))
                    .unwrap(),
                Begin::Resumed(_)
            ),
            "expired lease"
        );
    }

    #[test]
    fn claimed_stays_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let key = ReservationKey::from_stored("k".into());
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let alive = |_: &str| true;
        store
            .begin_claim(&request(&key, "1:a", now, &alive))
            .unwrap();
        store
            .mark_claimed(&key, &CheckInMethod::Inferred, Some(now), "place", now)
            .unwrap();
        let row = match store
            .begin_claim(&request(&key, "2:b", now, &alive))
            .unwrap()
        {
            Begin::Claimed(row) => row,
            other => panic!("expected Claimed, got {other:?}"),
        };
        assert_eq!(row.method, CheckInMethod::Inferred);
        assert_eq!(row.path_id.as_deref(), Some("place"));
    }

    #[test]
    fn prune_keeps_recent_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let old = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let recent = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        store
            .append_why(old, "old", &serde_json::json!({}))
            .unwrap();
        store
            .append_why(recent, "recent", &serde_json::json!({}))
            .unwrap();
        let removed = store
            .prune(Utc.with_ymd_and_hms(2026, 11, 19, 0, 0, 0).unwrap())
            .unwrap();
        assert_eq!(removed, 1);
        let left: Vec<_> = store
            .why_entries(10)
            .unwrap()
            .into_iter()
            .map(|e| e.summary)
            .collect();
        assert_eq!(left, vec!["recent".to_owned()]);
    }
}
