//! Who holds a claim intent's lease, and whether that holder still runs.
//!
//! An owner is `<pid>:<random>`. An owner of this process is alive while its
//! engine exists. An owner of another process is alive while that process
//! runs (checked through `/proc` on Linux; elsewhere the lease's expiry
//! decides).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

fn live_owners() -> &'static Mutex<HashSet<String>> {
    static OWNERS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    OWNERS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A registered owner id, unregistered on drop.
#[derive(Debug)]
pub struct Owner(String);

impl Owner {
    pub fn register() -> Self {
        let id = format!("{}:{:016x}", std::process::id(), rand::random::<u64>());
        live_owners()
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .insert(id.clone());
        Owner(id)
    }

    pub fn id(&self) -> &str {
        &self.0
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        live_owners()
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&self.0);
    }
}

/// Whether the engine or process that wrote `owner` may still be running.
pub fn is_alive(owner: &str) -> bool {
    let Some((pid, _)) = owner.split_once(':') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if pid == std::process::id() {
        return live_owners()
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .contains(owner);
    }
    process_runs(pid)
}

#[cfg(target_os = "linux")]
fn process_runs(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_runs(_pid: u32) -> bool {
    // Without a cheap portable check, trust the lease's expiry.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_owner_is_dead() {
        let owner = Owner::register();
        let id = owner.id().to_owned();
        assert!(is_alive(&id));
        drop(owner);
        assert!(!is_alive(&id));
    }

    #[test]
    fn malformed_owner_is_dead() {
        assert!(!is_alive("not-an-owner"));
    }
}
