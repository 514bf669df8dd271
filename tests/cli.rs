//! The `deskcheck` binary end to end: the demo, and a tenant reached
//! through the environment overrides with device-code sign-in.

use chrono::{Duration, Utc};
use deskcheck_sim::identity::IdentityConfig;
use deskcheck_sim::{EventSpec, Identity, RouteKind, Tenant, TenantOptions};
use deskcheck_tests::{deskcheck_binary, Campus};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs the binary with a home of its own, so nothing of the machine's
/// real configuration or data is read or written.
async fn deskcheck(home: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = tokio::process::Command::new(deskcheck_binary());
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("TZ", "Europe/Paris")
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.expect("deskcheck runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn status_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "status failed: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("status --json prints JSON")
}

#[tokio::test]
async fn demo_check_in_survives_restart() {
    let home = tempfile::tempdir().unwrap();
    let status = status_json(&deskcheck(home.path(), &["--demo", "status", "--json"], &[]).await);
    let reservations = status["reservations"].as_array().unwrap();
    assert!(
        reservations.len() >= 4,
        "demo reservations listed: {status}"
    );
    let open: Vec<_> = reservations
        .iter()
        .filter(|r| r["state"] == "open")
        .collect();
    assert_eq!(open.len(), 1, "one demo booking is open now: {status}");
    for field in ["ical_uid", "subject", "start", "end", "state"] {
        assert!(open[0].get(field).is_some(), "field {field} in {}", open[0]);
    }
    for field in ["name", "id", "kind", "building"] {
        assert!(
            open[0]["place"].get(field).is_some(),
            "place.{field} in {}",
            open[0]
        );
    }

    let check_in = deskcheck(home.path(), &["--demo", "check-in"], &[]).await;
    assert!(
        check_in.status.success(),
        "check-in failed: {}",
        text(&check_in.stderr)
    );
    assert!(
        text(&check_in.stdout).contains("Checked in to Desk 4.12"),
        "{}",
        text(&check_in.stdout)
    );

    let after = status_json(&deskcheck(home.path(), &["--demo", "status", "--json"], &[]).await);
    let desk = after["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ical_uid"] == open[0]["ical_uid"])
        .expect("the same booking after a restart")
        .clone();
    assert_eq!(desk["state"], "checked_in", "{desk}");
    assert_eq!(desk["claim"]["method"], "manual", "{desk}");
    assert!(desk["claim"]["at"].is_string(), "{desk}");

    let again = deskcheck(
        home.path(),
        &[
            "--demo",
            "check-in",
            "--event",
            open[0]["ical_uid"].as_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("Already checked in"),
        "{}",
        text(&again.stdout)
    );

    let plain_again = deskcheck(home.path(), &["--demo", "check-in"], &[]).await;
    assert!(
        plain_again.status.success(),
        "{}",
        text(&plain_again.stderr)
    );
    assert!(
        text(&plain_again.stdout).contains("Already checked in to Desk 4.12"),
        "{}",
        text(&plain_again.stdout)
    );

    let human = deskcheck(home.path(), &["--demo", "status"], &[]).await;
    assert!(
        text(&human.stdout).contains("checked in (manual)"),
        "{}",
        text(&human.stdout)
    );
}

#[tokio::test]
async fn malformed_config_is_named() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("bad.toml");
    std::fs::write(&config, "[check_in]\nrelease_minutes = \"ten\"\n").unwrap();
    let output = deskcheck(
        home.path(),
        &["--config", config.to_str().unwrap(), "status"],
        &[],
    )
    .await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("release_minutes"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn remote_http_url_is_rejected() {
    let home = tempfile::tempdir().unwrap();
    let env = [(
        "DESKCHECK_GRAPH_URL",
        "http://graph.example/v1.0".to_owned(),
    )];
    let output = deskcheck(home.path(), &["status"], &env).await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("DESKCHECK_GRAPH_URL"), "{stderr}");
    assert!(stderr.contains("https://"), "{stderr}");
    assert!(
        !stderr.contains("config.toml"),
        "the value came from the environment: {stderr}"
    );
}

#[tokio::test]
async fn device_code_login_then_check_in() {
    let identity = Identity::new(IdentityConfig {
        poll_interval: std::time::Duration::from_secs(1),
        auto_approve_device_codes: true,
        ..IdentityConfig::default()
    });
    let tenant = Tenant::with_identity(TenantOptions::default(), identity);
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = Utc::now() + Duration::minutes(5);
    tenant
        .add_event(
            EventSpec::new("Desk", start, start + Duration::hours(8))
                .at_place("Desk", campus.desk.email_address.as_deref().unwrap()),
        )
        .unwrap();
    let server = tenant
        .serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("DESKCHECK_GRAPH_URL", server.graph_url()),
        ("DESKCHECK_AUTHORITY_URL", server.authority_url()),
        ("DESKCHECK_CLIENT_ID", "deskcheck-demo".to_owned()),
        ("DESKCHECK_TENANT", "contoso.example".to_owned()),
    ];

    let before = deskcheck(home.path(), &["status"], &env).await;
    assert!(!before.status.success(), "not signed in yet");
    assert!(
        text(&before.stdout).contains("Not signed in"),
        "{}",
        text(&before.stdout)
    );

    let login = deskcheck(home.path(), &["login", "--device-code"], &env).await;
    assert!(
        login.status.success(),
        "login failed: {}",
        text(&login.stderr)
    );
    assert!(
        text(&login.stdout).contains("Signed in"),
        "{}",
        text(&login.stdout)
    );

    let status = status_json(&deskcheck(home.path(), &["status", "--json"], &env).await);
    assert_eq!(
        status["reservations"].as_array().unwrap().len(),
        1,
        "{status}"
    );

    // Processes sharing one sign-in each refresh at start; none may spend
    // a refresh token that another one already rotated.
    let parallel = status_in_parallel(home.path(), &env, 4).await;
    for output in &parallel {
        assert!(
            output.status.success(),
            "a parallel status failed: {}",
            text(&output.stderr)
        );
    }

    let check_in = deskcheck(home.path(), &["check-in"], &env).await;
    assert!(
        check_in.status.success(),
        "check-in failed: {}",
        text(&check_in.stderr)
    );
    let posts = tenant.check_in_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].check_in_method.as_deref(), Some("manual"));
    assert!(tenant.request_count(RouteKind::CalendarView) >= 3);

    // Every log line (at trace level) and every file deskcheck leaves
    // behind is free of tokens and codes. The token file, which exists only
    // where there is no keychain, is gone after the logout below.
    let mut traced_env = env.to_vec();
    traced_env.push(("RUST_LOG", "trace".to_owned()));
    let traced = deskcheck(home.path(), &["status"], &traced_env).await;
    let mut logs = [&before, &login, &check_in, &traced]
        .iter()
        .map(|output| text(&output.stderr) + &text(&output.stdout))
        .collect::<Vec<_>>()
        .join("\n");

    let logout = deskcheck(home.path(), &["logout"], &env).await;
    assert!(logout.status.success(), "{}", text(&logout.stderr));
    logs.push_str(&text(&logout.stderr));
    let after = deskcheck(home.path(), &["status"], &env).await;
    assert!(!after.status.success(), "signed out again");

    let secrets = tenant.identity().issued_secrets();
    assert!(
        secrets.len() >= 3,
        "device code, access and refresh tokens were issued"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a token or code appears in the output"
        );
    }
    for file in files_below(home.path()) {
        let content = std::fs::read(&file).unwrap();
        let content = String::from_utf8_lossy(&content);
        for secret in &secrets {
            assert!(
                !content.contains(secret.as_str()),
                "{} contains a token or code",
                file.display()
            );
        }
    }
}

/// Runs `count` `status` processes at once.
async fn status_in_parallel(home: &Path, env: &[(&str, String)], count: usize) -> Vec<Output> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let home = home.to_owned();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        tasks.spawn(async move {
            let env: Vec<(&str, String)> = env
                .iter()
                .map(|(name, value)| (name.as_str(), value.clone()))
                .collect();
            deskcheck(&home, &["status"], &env).await
        });
    }
    tasks.join_all().await
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            files.push(path);
        }
    }
    files
}
