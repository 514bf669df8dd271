//! Reachability probe: an HTTPS GET that must return the expected status.
//!
//! A [`Prober`] runs at most one probe per office per `min_interval`. A
//! repeat request for the same network within that interval reuses the
//! stored outcome. A request for a different network within the interval is
//! deferred, and the outcome reports how long to wait. Redirects are not
//! followed and system proxies are not used, so a captive portal or a proxy
//! outside the office cannot make a probe pass.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::{OfficeName, ProbeSettings};
use crate::error::NetError;

/// Minimum time between two probes of one office, when not configured.
pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(30);

/// Result of one probe request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ProbeResult {
    Passed {
        status: u16,
    },
    WrongStatus {
        status: u16,
        expected: u16,
    },
    TimedOut {
        timeout_ms: u64,
    },
    Failed {
        error: String,
    },
    /// Not run because the office was probed less than the minimum interval ago.
    Deferred {
        retry_after_ms: u64,
    },
}

/// A probe result with the URL and whether it was reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeOutcome {
    pub url: String,
    #[serde(flatten)]
    pub result: ProbeResult,
    /// Whether the result was stored from an earlier probe of the same network.
    pub cached: bool,
}

impl ProbeOutcome {
    /// Whether the probe returned the expected status.
    pub fn passed(&self) -> bool {
        matches!(self.result, ProbeResult::Passed { .. })
    }

    /// One-line description, such as `probe https://… returned 200`.
    pub fn describe(&self) -> String {
        let cached = if self.cached { " (stored result)" } else { "" };
        match &self.result {
            ProbeResult::Passed { status } => {
                format!("probe {} returned {status}{cached}", self.url)
            }
            ProbeResult::WrongStatus { status, expected } => format!(
                "probe {} returned {status}, expected {expected}{cached}",
                self.url
            ),
            ProbeResult::TimedOut { timeout_ms } => {
                format!("probe {} timed out after {timeout_ms} ms{cached}", self.url)
            }
            ProbeResult::Failed { error } => format!("probe {} failed: {error}{cached}", self.url),
            ProbeResult::Deferred { retry_after_ms } => format!(
                "probe {} deferred for {retry_after_ms} ms (rate limit)",
                self.url
            ),
        }
    }
}

struct ProbeRecord {
    at: Instant,
    network_key: String,
    outcome: ProbeOutcome,
}

/// Runs rate-limited probes.
pub struct Prober {
    client: reqwest::Client,
    min_interval: Duration,
    records: Mutex<HashMap<OfficeName, ProbeRecord>>,
}

impl Prober {
    /// Builds a prober that probes each office at most once per `min_interval`.
    pub fn new(min_interval: Duration) -> Result<Self, NetError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| NetError::Http {
                message: e.to_string(),
            })?;
        Ok(Self {
            client,
            min_interval,
            records: Mutex::new(HashMap::new()),
        })
    }

    /// Probes `office` unless the rate limit applies.
    ///
    /// `network_key` identifies the network the rules matched on; an equal key
    /// within the interval reuses the stored outcome.
    pub async fn check(
        &self,
        office: &OfficeName,
        settings: &ProbeSettings,
        network_key: &str,
    ) -> ProbeOutcome {
        if let Some(stored) = self.stored(office, network_key).await {
            return stored;
        }
        let outcome = self.run(settings).await;
        tracing::info!(
            office = %office,
            url = %settings.url,
            outcome = %outcome.describe(),
            "office probe finished"
        );
        let record = ProbeRecord {
            at: Instant::now(),
            network_key: network_key.to_owned(),
            outcome: outcome.clone(),
        };
        self.records.lock().await.insert(office.clone(), record);
        outcome
    }

    async fn stored(&self, office: &OfficeName, network_key: &str) -> Option<ProbeOutcome> {
        let records = self.records.lock().await;
        let record = records.get(office)?;
        let age = record.at.elapsed();
        if age >= self.min_interval {
            return None;
        }
        Some(reuse_or_defer(record, network_key, self.min_interval - age))
    }

    async fn run(&self, settings: &ProbeSettings) -> ProbeOutcome {
        let request = self
            .client
            .get(settings.url.clone())
            .timeout(settings.timeout);
        let result = match tokio::time::timeout(settings.timeout, request.send()).await {
            Err(_) => timed_out(settings),
            Ok(Err(error)) if error.is_timeout() => timed_out(settings),
            Ok(Err(error)) => ProbeResult::Failed {
                error: error_chain(&error),
            },
            Ok(Ok(response)) => status_result(response.status().as_u16(), settings.expect_status),
        };
        ProbeOutcome {
            url: settings.url.to_string(),
            result,
            cached: false,
        }
    }
}

fn reuse_or_defer(record: &ProbeRecord, network_key: &str, remaining: Duration) -> ProbeOutcome {
    if record.network_key == network_key {
        return ProbeOutcome {
            cached: true,
            ..record.outcome.clone()
        };
    }
    ProbeOutcome {
        url: record.outcome.url.clone(),
        result: ProbeResult::Deferred {
            retry_after_ms: u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX),
        },
        cached: false,
    }
}

fn timed_out(settings: &ProbeSettings) -> ProbeResult {
    ProbeResult::TimedOut {
        timeout_ms: u64::try_from(settings.timeout.as_millis()).unwrap_or(u64::MAX),
    }
}

fn status_result(status: u16, expected: u16) -> ProbeResult {
    if status == expected {
        ProbeResult::Passed { status }
    } else {
        ProbeResult::WrongStatus { status, expected }
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
