//! Matcher: applies the office rules, runs the probes and chooses an office.

use std::time::Duration;

use futures::future::join_all;

use crate::config::Office;
use crate::error::NetError;
use crate::evaluation::{describe_evidence, Evaluation, OfficeMatch, OfficeOutcome};
use crate::fingerprint::Fingerprint;
use crate::probe::{ProbeResult, Prober};
use crate::rules::{choose_office, evaluate_rules, Choice};

/// Matches fingerprints against the configured offices.
pub struct Matcher {
    offices: Vec<Office>,
    prober: Prober,
}

impl Matcher {
    /// Builds a matcher whose probes run at most once per `probe_interval` per office.
    pub fn new(offices: Vec<Office>, probe_interval: Duration) -> Result<Self, NetError> {
        Ok(Self {
            offices,
            prober: Prober::new(probe_interval)?,
        })
    }

    /// The configured offices.
    pub fn offices(&self) -> &[Office] {
        &self.offices
    }

    /// Evaluates a fingerprint; call it after every [`crate::Change`].
    pub async fn evaluate(&self, fingerprint: Fingerprint) -> Evaluation {
        let mut outcomes = evaluate_rules(&self.offices, &fingerprint);
        let probes = self
            .offices
            .iter()
            .zip(outcomes.iter_mut())
            .filter(|(office, outcome)| office.probe.is_some() && outcome.rule.is_some())
            .map(|(office, outcome)| {
                let key = network_key(outcome, &fingerprint);
                self.settle_probe(office, outcome, key)
            });
        join_all(probes).await;
        let evaluation = choose(fingerprint, outcomes);
        log_evaluation(&evaluation);
        evaluation
    }

    async fn settle_probe(
        &self,
        office: &Office,
        outcome: &mut OfficeOutcome,
        network_key: String,
    ) {
        let Some(settings) = &office.probe else {
            return;
        };
        let probe = self
            .prober
            .check(&office.name, settings, &network_key)
            .await;
        let evidence = describe_evidence(&outcome.evidence);
        outcome.matched = probe.passed();
        outcome.reason = if outcome.matched {
            format!(
                "matched {} by {evidence}, {}",
                office.name,
                probe.describe()
            )
        } else {
            format!(
                "{} not matched: {evidence}, but {}",
                office.name,
                probe.describe()
            )
        };
        outcome.probe = Some(probe);
    }
}

/// Identifies the network an office matched on, for reusing probe results:
/// the office's hits plus every default gateway.
fn network_key(outcome: &OfficeOutcome, fingerprint: &Fingerprint) -> String {
    let hits = outcome.hits.iter().map(ToString::to_string);
    let gateways = fingerprint.gateways.iter().map(ToString::to_string);
    let parts: Vec<String> = hits.chain(gateways).collect();
    parts.join("|")
}

fn choose(fingerprint: Fingerprint, offices: Vec<OfficeOutcome>) -> Evaluation {
    let retry_after_ms = offices
        .iter()
        .filter_map(|o| match o.probe.as_ref().map(|p| &p.result) {
            Some(ProbeResult::Deferred { retry_after_ms }) => Some(*retry_after_ms),
            _ => None,
        })
        .min();
    let (matched, ambiguous) = match choose_office(&offices) {
        Choice::One(index) => (Some(office_match(&offices[index])), Vec::new()),
        Choice::Ambiguous(tied) => (
            None,
            tied.iter().map(|&i| offices[i].office.clone()).collect(),
        ),
        Choice::None => (None, Vec::new()),
    };
    Evaluation {
        fingerprint,
        offices,
        matched,
        ambiguous,
        retry_after_ms,
    }
}

fn office_match(outcome: &OfficeOutcome) -> OfficeMatch {
    OfficeMatch {
        office: outcome.office.clone(),
        building: outcome.building.clone(),
        rule: outcome.rule.expect("a matched outcome has a rule"),
        evidence: outcome.evidence.clone(),
    }
}

fn log_evaluation(evaluation: &Evaluation) {
    match &evaluation.matched {
        Some(found) => tracing::info!(
            office = %found.office,
            building = %found.building,
            rule = ?found.rule,
            reason = %evaluation,
            "office network matched"
        ),
        None => tracing::debug!(
            ambiguous = evaluation.ambiguous.len(),
            reason = %evaluation,
            "no office network matched"
        ),
    }
}
