//! `Session` as a `TokenSource`: refresh ahead of expiry, single-flight
//! refresh, 401 handling, sign-out on a dead refresh token, rotation across
//! restarts, and the plain-words mapping of Entra errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use common::SimIdentity;
use deskcheck_auth::{
    AuthState, FileStore, MemoryStore, RefreshToken, SecretStore, Session, SignInProblem,
    SignOutReason, TokenError, TokenSource, DEFAULT_REFRESH_MARGIN,
};
use deskcheck_sim::identity::{Identity, IdentityConfig, ScriptedError};
use tokio::task::JoinSet;

fn refresh_count(sim: &SimIdentity) -> u32 {
    sim.identity.token_request_counts().refresh_token
}

#[tokio::test(start_paused = true)]
async fn refreshes_ahead_of_expiry() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (session, tokens) = sim.session().await;

    let first = session.access_token().await.unwrap();
    assert_eq!(first, tokens.access);
    let lifetime = Duration::from_secs(3600);
    tokio::time::advance(lifetime - DEFAULT_REFRESH_MARGIN - Duration::from_secs(1)).await;
    assert_eq!(session.access_token().await.unwrap(), first);
    assert_eq!(refresh_count(&sim), 0, "no refresh before the margin");

    tokio::time::advance(Duration::from_secs(2)).await;
    let second = session.access_token().await.unwrap();

    assert_ne!(second, first);
    assert_eq!(refresh_count(&sim), 1);
    assert!(sim.accepts(second.secret()));
    assert!(
        sim.accepts(first.secret()),
        "the old token had not expired yet"
    );
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_refresh() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (session, _) = sim.session().await;
    let session = Arc::new(session);
    tokio::time::advance(Duration::from_secs(3600)).await;

    let mut callers = JoinSet::new();
    for _ in 0..8 {
        let session = session.clone();
        callers.spawn(async move { session.access_token().await });
    }
    let tokens: Vec<_> = callers
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    assert_eq!(refresh_count(&sim), 1);
    assert!(tokens.iter().all(|token| *token == tokens[0]));
}

/// Starts a Graph-like route that accepts only valid bearer tokens and
/// returns its URL.
async fn start_graph(identity: Arc<Identity>) -> url::Url {
    let app = axum::Router::new().route(
        "/me",
        get(move |headers: HeaderMap| {
            let identity = identity.clone();
            async move {
                let header = headers.get("authorization").and_then(|v| v.to_str().ok());
                match identity.check_bearer(header) {
                    Ok(()) => StatusCode::OK,
                    Err(_) => StatusCode::UNAUTHORIZED,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url::Url::parse(&format!("http://{address}/me")).unwrap()
}

/// Sends one request, and after a 401 refreshes once and retries once.
async fn get_with_retry(source: &dyn TokenSource, url: &url::Url) -> StatusCode {
    let client = reqwest::Client::new();
    let token = source.access_token().await.unwrap();
    let response = client
        .get(url.clone())
        .bearer_auth(token.secret())
        .send()
        .await
        .unwrap();
    if response.status() != StatusCode::UNAUTHORIZED {
        return response.status();
    }
    let token = source.refresh_after_unauthorized(&token).await.unwrap();
    let response = client
        .get(url.clone())
        .bearer_auth(token.secret())
        .send()
        .await
        .unwrap();
    response.status()
}

#[tokio::test(start_paused = true)]
async fn unauthorized_refreshes_once_and_retries() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let graph = start_graph(sim.identity.clone()).await;
    let (session, tokens) = sim.session().await;
    sim.identity.expire_all_access_tokens();

    let status = get_with_retry(&session, &graph).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(refresh_count(&sim), 1);
    // A second caller that still has the rejected token gets the new one
    // without another refresh.
    let again = session
        .refresh_after_unauthorized(&tokens.access)
        .await
        .unwrap();
    assert_ne!(again, tokens.access);
    assert_eq!(refresh_count(&sim), 1);
}

#[tokio::test(start_paused = true)]
async fn invalid_grant_signs_out_once() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (auth, tokens) = sim.sign_in().await;
    let store = Arc::new(MemoryStore::default());
    let session =
        Session::signed_in(auth, Box::new(SharedStore(store.clone())), tokens.clone()).unwrap();
    let mut states = session.subscribe();
    assert!(store.load().unwrap().is_some());
    sim.identity.revoke_refresh_tokens();
    tokio::time::advance(Duration::from_secs(3600)).await;

    let first = session.access_token().await;

    assert!(
        matches!(first, Err(TokenError::SignInRequired)),
        "{first:?}"
    );
    assert!(states.has_changed().unwrap());
    assert_eq!(
        *states.borrow_and_update(),
        AuthState::SignedOut {
            reason: SignOutReason::Expired
        }
    );
    assert!(store.load().unwrap().is_none(), "dead tokens are removed");
    for _ in 0..3 {
        let again = session.access_token().await;
        assert!(
            matches!(again, Err(TokenError::SignInRequired)),
            "{again:?}"
        );
        let after_401 = session.refresh_after_unauthorized(&tokens.access).await;
        assert!(
            matches!(after_401, Err(TokenError::SignInRequired)),
            "{after_401:?}"
        );
    }
    assert!(
        !states.has_changed().unwrap(),
        "exactly one signed-out event"
    );
    assert_eq!(refresh_count(&sim), 1, "no token request after sign-out");
}

#[tokio::test(start_paused = true)]
async fn new_sign_in_after_sign_out_resumes() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (session, _) = sim.session().await;
    session.sign_out().await.unwrap();
    assert!(matches!(
        session.access_token().await,
        Err(TokenError::SignInRequired)
    ));
    assert_eq!(
        session.state(),
        AuthState::SignedOut {
            reason: SignOutReason::SignedOut
        }
    );

    let (_, tokens) = sim.sign_in().await;
    session.complete_sign_in(tokens.clone()).await.unwrap();

    assert_eq!(session.access_token().await.unwrap(), tokens.access);
    assert!(matches!(
        session.state(),
        AuthState::SignedIn { account: Some(_) }
    ));
}

#[tokio::test(start_paused = true)]
async fn rotation_persists_across_restart() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sign-in.json");
    let (auth, tokens) = sim.sign_in().await;
    let first_refresh = tokens.refresh.clone().unwrap();
    let session =
        Session::signed_in(auth.clone(), Box::new(FileStore::new(path.clone())), tokens).unwrap();
    tokio::time::advance(Duration::from_secs(3600)).await;
    session.access_token().await.unwrap();
    drop(session);

    let stored = FileStore::new(path.clone())
        .load()
        .unwrap()
        .expect("stored sign-in");
    assert_ne!(
        stored.refresh_token, first_refresh,
        "the rotated token is stored"
    );
    let restarted = Session::restore(auth, Box::new(FileStore::new(path))).unwrap();
    assert!(matches!(
        restarted.state(),
        AuthState::SignedIn { account: Some(_) }
    ));

    let token = restarted
        .access_token()
        .await
        .expect("refresh with the stored token");

    assert!(sim.accepts(token.secret()));
    assert_eq!(refresh_count(&sim), 2);
}

#[tokio::test(start_paused = true)]
async fn restore_without_sign_in_is_signed_out() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let session = Session::restore(sim.authenticator(), Box::new(MemoryStore::default())).unwrap();

    assert_eq!(
        session.state(),
        AuthState::SignedOut {
            reason: SignOutReason::NotSignedIn
        }
    );
    assert!(matches!(
        session.access_token().await,
        Err(TokenError::SignInRequired)
    ));
    assert_eq!(sim.identity.token_request_counts().total(), 0);
}

#[tokio::test(start_paused = true)]
async fn transient_refresh_failure_keeps_tokens() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (session, _) = sim.session().await;
    tokio::time::advance(Duration::from_secs(3600)).await;
    sim.identity
        .script_token_error(ScriptedError::temporarily_unavailable(), 1);

    let failed = session.access_token().await;
    assert!(
        matches!(failed, Err(TokenError::Transient(_))),
        "{failed:?}"
    );
    assert!(matches!(session.state(), AuthState::SignedIn { .. }));

    let token = session
        .access_token()
        .await
        .expect("second refresh succeeds");
    assert!(sim.accepts(token.secret()));
}

#[tokio::test(start_paused = true)]
async fn consent_required_signs_out_and_keeps_store() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (auth, tokens) = sim.sign_in().await;
    let store = Arc::new(MemoryStore::default());
    let session = Session::signed_in(auth, Box::new(SharedStore(store.clone())), tokens).unwrap();
    tokio::time::advance(Duration::from_secs(3600)).await;
    sim.identity
        .script_token_error(ScriptedError::consent_required(), 1);

    let result = session.access_token().await;

    match result {
        Err(TokenError::Rejected(message)) => {
            assert!(message.contains("grant consent"), "{message}");
            assert!(message.contains("AADSTS65001"), "{message}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert!(matches!(
        session.state(),
        AuthState::SignedOut {
            reason: SignOutReason::ActionRequired(SignInProblem::ConsentRequired { .. })
        }
    ));
    assert!(
        store.load().unwrap().is_some(),
        "consent does not kill the tokens"
    );
    let _ = session.access_token().await;
    assert_eq!(
        refresh_count(&sim),
        1,
        "no token request until a new sign-in"
    );
}

/// Checks one scripted error against the problem it must map to and words
/// its advice must contain.
async fn check_mapping(
    scripted: ScriptedError,
    expected: fn(&SignInProblem) -> bool,
    advice: &[&str],
) {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    sim.identity.script_token_error(scripted.clone(), 1);

    let error = auth
        .refresh(&RefreshToken::new("unused"))
        .await
        .expect_err("scripted error");

    let entra = error
        .entra()
        .unwrap_or_else(|| panic!("not an Entra error: {error:?}"));
    assert!(
        expected(&entra.problem),
        "{} mapped to {:?}",
        scripted.code,
        entra.problem
    );
    assert_eq!(entra.codes, vec![scripted.code]);
    assert_eq!(entra.error, scripted.error);
    assert!(entra.trace_id.is_some());
    let message = error.to_string();
    for words in advice {
        assert!(
            message.contains(words),
            "{}: {message:?} lacks {words:?}",
            scripted.code
        );
    }
}

#[tokio::test]
async fn aadsts_consent_required() {
    check_mapping(
        ScriptedError::consent_required(),
        |p| matches!(p, SignInProblem::ConsentRequired { scopes } if scopes.contains(&"Place.Read.All".to_owned())),
        &["administrator must grant consent", "Calendars.ReadWrite", "Place.Read.All"],
    )
    .await;
}

#[tokio::test]
async fn aadsts_interaction_required_keeps_claims() {
    let claims = r#"{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}"#;
    check_mapping(
        ScriptedError::interaction_required(claims),
        |p| {
            p.claims()
                == Some(r#"{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}"#)
        },
        &["sign in again in the browser"],
    )
    .await;
}

#[tokio::test]
async fn aadsts_tenant_not_found() {
    check_mapping(
        ScriptedError::tenant_not_found("contoso.example"),
        |p| matches!(p, SignInProblem::WrongTenant { tenant } if tenant == "contoso.example"),
        &["contoso.example", "check the tenant setting"],
    )
    .await;
}

#[tokio::test]
async fn aadsts_public_client_disabled() {
    check_mapping(
        ScriptedError::public_client_disabled(),
        |p| matches!(p, SignInProblem::PublicClientFlowsDisabled { .. }),
        &[common::CLIENT_ID, "Allow public client flows"],
    )
    .await;
}

#[tokio::test]
async fn aadsts_account_disabled() {
    check_mapping(
        ScriptedError::account_disabled(),
        |p| matches!(p, SignInProblem::AccountBlocked),
        &["contact your administrator"],
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn aadsts_revoked_refresh_token() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (auth, tokens) = sim.sign_in().await;
    sim.identity.revoke_refresh_tokens();

    let error = auth
        .refresh(tokens.refresh.as_ref().unwrap())
        .await
        .unwrap_err();

    let entra = error.entra().expect("Entra error");
    assert_eq!(entra.problem, SignInProblem::SignInExpired);
    assert_eq!(entra.codes, vec![700082]);
    assert!(error.to_string().contains("sign in again"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn reused_refresh_token_is_rejected() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let (auth, tokens) = sim.sign_in().await;
    let original = tokens.refresh.unwrap();
    let rotated = auth.refresh(&original).await.unwrap().refresh.unwrap();
    assert_ne!(rotated, original);

    let error = auth.refresh(&original).await.unwrap_err();

    assert_eq!(error.entra().unwrap().error, "invalid_grant");
    assert_eq!(error.entra().unwrap().problem, SignInProblem::SignInExpired);
    assert!(auth.refresh(&rotated).await.is_ok());
}

#[tokio::test]
async fn server_error_is_transient() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    sim.identity
        .script_token_error(ScriptedError::temporarily_unavailable(), 1);

    let error = sim
        .authenticator()
        .refresh(&RefreshToken::new("unused"))
        .await
        .unwrap_err();

    assert!(error.is_transient(), "{error:?}");
    assert!(error.to_string().contains("HTTP 503"), "{error}");
}

/// A store shared with the test, so the test can inspect what the session
/// saved.
#[derive(Debug)]
struct SharedStore(Arc<MemoryStore>);

impl SecretStore for SharedStore {
    fn load(&self) -> Result<Option<deskcheck_auth::StoredSignIn>, deskcheck_auth::StoreError> {
        self.0.load()
    }

    fn save(
        &self,
        sign_in: &deskcheck_auth::StoredSignIn,
    ) -> Result<(), deskcheck_auth::StoreError> {
        self.0.save(sign_in)
    }

    fn clear(&self) -> Result<(), deskcheck_auth::StoreError> {
        self.0.clear()
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}
