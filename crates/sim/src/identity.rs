//! Entra ID v2.0 endpoints: device code, authorization code with PKCE,
//! refresh token grant, and bearer token validation for the Graph routes.
//!
//! The routes follow the documented v2.0 protocol: JSON error bodies with
//! `error`, an `AADSTS` number in `error_description` and `error_codes`,
//! `expires_in` as a number, and refresh tokens that rotate on every use.
//! All expiry uses `tokio::time::Instant`, so tests that pause the tokio clock
//! control every lifetime here.
//!
//! NOTE: Entra documents the `error` values of the device code grant but not
//! every `AADSTS` number behind them. This module sends 70016 for
//! `authorization_pending` and 70019 for `expired_token`, and 70000 for the
//! remaining device code and `invalid_grant` cases where no specific number
//! is documented.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::time::Instant;
use url::Url;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const VERIFICATION_URI: &str = "https://microsoft.com/devicelogin";
const AUTH_CODE_LIFETIME: Duration = Duration::from_secs(600);
/// Added to the required device code poll interval after each `slow_down`,
/// as RFC 8628 section 3.5 specifies.
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Why a bearer token on a Graph request was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerRejection {
    Missing,
    Invalid,
    Expired,
}

/// The signed-in person the simulated tenant issues tokens for.
#[derive(Debug, Clone)]
pub struct SimAccount {
    pub username: String,
    pub name: String,
    pub tenant_id: String,
    pub object_id: String,
}

impl Default for SimAccount {
    fn default() -> Self {
        Self {
            username: "adele@contoso.example".to_owned(),
            name: "Adele Vance".to_owned(),
            tenant_id: "8c3d6a9e-4f1b-4c2a-9d7e-2b5f0a1c3e4d".to_owned(),
            object_id: "5e2f9b1a-7c4d-4e8f-a1b2-c3d4e5f60718".to_owned(),
        }
    }
}

/// Lifetimes and behaviour of the simulated identity endpoints.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    /// `expires_in` of issued access tokens.
    pub access_token_lifetime: Duration,
    /// `expires_in` of device codes.
    pub device_code_lifetime: Duration,
    /// `interval` sent with device codes, in whole seconds.
    pub poll_interval: Duration,
    /// Approve every device code as soon as it is issued (for the demo).
    pub auto_approve_device_codes: bool,
    pub account: SimAccount,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            access_token_lifetime: Duration::from_secs(3600),
            device_code_lifetime: Duration::from_secs(900),
            poll_interval: Duration::from_secs(5),
            auto_approve_device_codes: false,
            account: SimAccount::default(),
        }
    }
}

/// The `grant_type` of a token request, for the request counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    DeviceCode,
    AuthorizationCode,
    RefreshToken,
    /// A missing or unsupported `grant_type`.
    Other,
}

impl GrantType {
    fn parse(value: Option<&str>) -> Self {
        match value {
            Some(DEVICE_GRANT) => Self::DeviceCode,
            Some("authorization_code") => Self::AuthorizationCode,
            Some("refresh_token") => Self::RefreshToken,
            _ => Self::Other,
        }
    }
}

/// Number of token endpoint requests received, by grant type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenRequestCounts {
    pub device_code: u32,
    pub authorization_code: u32,
    pub refresh_token: u32,
    pub other: u32,
}

impl TokenRequestCounts {
    pub fn get(&self, grant: GrantType) -> u32 {
        match grant {
            GrantType::DeviceCode => self.device_code,
            GrantType::AuthorizationCode => self.authorization_code,
            GrantType::RefreshToken => self.refresh_token,
            GrantType::Other => self.other,
        }
    }

    pub fn total(&self) -> u32 {
        self.device_code + self.authorization_code + self.refresh_token + self.other
    }

    fn increment(&mut self, grant: GrantType) {
        let counter = match grant {
            GrantType::DeviceCode => &mut self.device_code,
            GrantType::AuthorizationCode => &mut self.authorization_code,
            GrantType::RefreshToken => &mut self.refresh_token,
            GrantType::Other => &mut self.other,
        };
        *counter += 1;
    }
}

/// An error the token endpoint returns instead of handling a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedError {
    pub status: u16,
    pub error: String,
    /// The `AADSTS` number, sent in `error_codes` and `error_description`.
    pub code: u32,
    pub description: String,
    /// `suberror`, which Entra sends with some `invalid_grant` errors.
    pub suberror: Option<String>,
    /// `claims`, the conditional access challenge to send back on sign-in.
    pub claims: Option<String>,
}

impl ScriptedError {
    pub fn new(status: u16, error: &str, code: u32, description: &str) -> Self {
        Self {
            status,
            error: error.to_owned(),
            code,
            description: description.to_owned(),
            suberror: None,
            claims: None,
        }
    }

    /// AADSTS65001: no user or admin has consented to the requested scopes.
    pub fn consent_required() -> Self {
        let mut error = Self::new(
            400,
            "invalid_grant",
            65001,
            "The user or administrator has not consented to use the application.",
        );
        error.suberror = Some("consent_required".to_owned());
        error
    }

    /// AADSTS50076: a conditional access policy requires multi-factor sign-in.
    pub fn interaction_required(claims: &str) -> Self {
        let mut error = Self::new(
            400,
            "interaction_required",
            50076,
            "Due to a configuration change made by your administrator, \
             you must use multi-factor authentication to access this resource.",
        );
        error.claims = Some(claims.to_owned());
        error
    }

    /// AADSTS90002: the tenant in the URL does not exist.
    pub fn tenant_not_found(tenant: &str) -> Self {
        let description = format!("Tenant '{tenant}' not found.");
        Self::new(400, "invalid_request", 90002, &description)
    }

    /// AADSTS7000218: the app registration does not allow public client flows.
    pub fn public_client_disabled() -> Self {
        Self::new(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: \
             'client_assertion' or 'client_secret'.",
        )
    }

    /// AADSTS50057: the user account is disabled.
    pub fn account_disabled() -> Self {
        Self::new(400, "invalid_grant", 50057, "The user account is disabled.")
    }

    /// `slow_down`: the client polls the device code grant too often.
    pub fn slow_down() -> Self {
        Self::new(400, "slow_down", 70000, "The client is polling too often.")
    }

    /// A 503 `temporarily_unavailable`, which a client should retry later.
    pub fn temporarily_unavailable() -> Self {
        Self::new(
            503,
            "temporarily_unavailable",
            50196,
            "The server is temporarily too busy to handle the request.",
        )
    }
}

/// The authorize endpoint's response to a valid request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthorizeBehavior {
    /// Approve at once and redirect with `code` and `state`.
    #[default]
    Approve,
    /// Redirect with `error=access_denied`.
    Deny,
    /// Redirect with a code but a `state` other than the one requested.
    WrongState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved,
    Declined,
}

#[derive(Debug)]
struct DeviceGrant {
    user_code: String,
    client_id: String,
    scope: String,
    expires_at: Instant,
    interval: Duration,
    last_poll: Option<Instant>,
    status: DeviceStatus,
}

#[derive(Debug)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    expires_at: Instant,
    redeemed: bool,
}

#[derive(Debug)]
struct RefreshGrant {
    client_id: String,
    scope: String,
}

#[derive(Debug, Default)]
struct IdentityState {
    device_grants: HashMap<String, DeviceGrant>,
    code_grants: HashMap<String, CodeGrant>,
    access_tokens: HashMap<String, Instant>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    revoked_refresh_tokens: Vec<String>,
    scripted_errors: VecDeque<(ScriptedError, u32)>,
    authorize_behavior: AuthorizeBehavior,
    auto_approve: bool,
    /// Every token and code ever issued, so tests can search logs and
    /// files for them.
    issued: Vec<String>,
}

/// Token state shared by the identity routes and the Graph routes.
#[derive(Debug)]
pub struct Identity {
    config: IdentityConfig,
    state: Mutex<IdentityState>,
    counts: watch::Sender<TokenRequestCounts>,
}

impl Default for Identity {
    fn default() -> Self {
        Self::new(IdentityConfig::default())
    }
}

impl Identity {
    pub fn new(config: IdentityConfig) -> Self {
        let state = IdentityState {
            auto_approve: config.auto_approve_device_codes,
            ..IdentityState::default()
        };
        Self {
            config,
            state: Mutex::new(state),
            counts: watch::Sender::new(TokenRequestCounts::default()),
        }
    }

    pub fn config(&self) -> &IdentityConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, IdentityState> {
        // A panic while the lock was held leaves plain data behind, so the
        // state is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks the value of an `Authorization` header.
    pub fn check_bearer(&self, header: Option<&str>) -> Result<(), BearerRejection> {
        let header = header.ok_or(BearerRejection::Missing)?;
        let token = bearer_token(header).ok_or(BearerRejection::Invalid)?;
        let state = self.lock();
        let expires_at = state
            .access_tokens
            .get(token)
            .ok_or(BearerRejection::Invalid)?;
        if Instant::now() >= *expires_at {
            return Err(BearerRejection::Expired);
        }
        Ok(())
    }

    /// Approves the pending device code with this `user_code`. Returns false
    /// when no pending device code has it.
    pub fn approve_device_code(&self, user_code: &str) -> bool {
        self.set_device_status(user_code, DeviceStatus::Approved)
    }

    /// Declines the pending device code with this `user_code`, as a person
    /// who chose "No, cancel sign-in" would. Returns false when no pending
    /// device code has it.
    pub fn decline_device_code(&self, user_code: &str) -> bool {
        self.set_device_status(user_code, DeviceStatus::Declined)
    }

    fn set_device_status(&self, user_code: &str, status: DeviceStatus) -> bool {
        let mut state = self.lock();
        let grant = state
            .device_grants
            .values_mut()
            .find(|grant| grant.user_code == user_code && grant.status == DeviceStatus::Pending);
        match grant {
            Some(grant) => {
                grant.status = status;
                true
            }
            None => false,
        }
    }

    /// Sets whether new device codes are approved as soon as they are issued.
    pub fn set_auto_approve(&self, enabled: bool) {
        self.lock().auto_approve = enabled;
    }

    pub fn set_authorize_behavior(&self, behavior: AuthorizeBehavior) {
        self.lock().authorize_behavior = behavior;
    }

    /// Makes every access token issued so far expired.
    pub fn expire_all_access_tokens(&self) {
        let now = Instant::now();
        for expires_at in self.lock().access_tokens.values_mut() {
            *expires_at = now;
        }
    }

    /// Revokes every refresh token issued so far. The next refresh with one
    /// of them fails with `invalid_grant` and AADSTS700082.
    pub fn revoke_refresh_tokens(&self) {
        let mut state = self.lock();
        let revoked: Vec<String> = state
            .refresh_tokens
            .drain()
            .map(|(token, _)| token)
            .collect();
        state.revoked_refresh_tokens.extend(revoked);
    }

    /// Makes the next `times` token endpoint requests fail with `error`.
    pub fn script_token_error(&self, error: ScriptedError, times: u32) {
        if times > 0 {
            self.lock().scripted_errors.push_back((error, times));
        }
    }

    pub fn token_request_counts(&self) -> TokenRequestCounts {
        *self.counts.borrow()
    }

    /// Returns a receiver that changes after every token endpoint request.
    pub fn subscribe_token_requests(&self) -> watch::Receiver<TokenRequestCounts> {
        self.counts.subscribe()
    }

    /// Returns the `user_code` of every device code still pending.
    /// Every access token, refresh token, device code and authorization
    /// code issued so far.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.lock().issued.clone()
    }

    pub fn pending_user_codes(&self) -> Vec<String> {
        self.lock()
            .device_grants
            .values()
            .filter(|grant| grant.status == DeviceStatus::Pending)
            .map(|grant| grant.user_code.clone())
            .collect()
    }

    /// Issues an access token and a refresh token without any sign-in, as if
    /// the person had signed in before. Returns `(access, refresh,
    /// expires_in)` with `expires_in` in seconds.
    pub fn issue_tokens_for_demo(&self) -> (String, String, u64) {
        let scope = "offline_access Calendars.ReadWrite Place.Read.All openid profile";
        let mut state = self.lock();
        let access = self.issue_access_token(&mut state);
        let refresh = issue_refresh_token(&mut state, "deskcheck-demo", scope);
        (access, refresh, self.config.access_token_lifetime.as_secs())
    }

    fn issue_access_token(&self, state: &mut IdentityState) -> String {
        let token = random_string(64);
        let expires_at = Instant::now() + self.config.access_token_lifetime;
        state.access_tokens.insert(token.clone(), expires_at);
        state.issued.push(token.clone());
        token
    }

    fn count_request(&self, grant: GrantType) {
        self.counts.send_modify(|counts| counts.increment(grant));
    }

    fn take_scripted_error(&self) -> Option<ScriptedError> {
        let mut state = self.lock();
        let (error, remaining) = state.scripted_errors.front_mut()?;
        let error = error.clone();
        *remaining -= 1;
        if *remaining == 0 {
            state.scripted_errors.pop_front();
        }
        Some(error)
    }
}

fn issue_refresh_token(state: &mut IdentityState, client_id: &str, scope: &str) -> String {
    let token = random_string(96);
    let grant = RefreshGrant {
        client_id: client_id.to_owned(),
        scope: scope.to_owned(),
    };
    state.refresh_tokens.insert(token.clone(), grant);
    state.issued.push(token.clone());
    token
}

fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return None;
    }
    Some(token)
}

fn random_string(length: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), length)
}

/// Returns a 9-character user code from letters and digits that are hard to
/// confuse with each other.
fn random_user_code() -> String {
    use rand::seq::IndexedRandom as _;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..9)
        .map(|_| char::from(*ALPHABET.choose(&mut rng).unwrap_or(&b'A')))
        .collect()
}

fn random_guid() -> String {
    let hex: String = (0..32)
        .map(|_| char::from_digit(rand::random_range(0..16u32), 16).unwrap_or('0'))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Builds the routes under `/{tenant}/oauth2/v2.0/`, to be merged at the
/// server root so the server's base URL is the authority.
pub fn router(identity: Arc<Identity>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .with_state(identity)
}

type Params = HashMap<String, String>;

/// An Entra v2.0 error response.
struct EntraError {
    status: StatusCode,
    body: Value,
}

impl EntraError {
    fn new(status: u16, error: &str, code: u32, description: &str) -> Self {
        let trace_id = random_guid();
        let correlation_id = random_guid();
        let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let full_description = format!(
            "AADSTS{code}: {description} Trace ID: {trace_id} \
             Correlation ID: {correlation_id} Timestamp: {timestamp}"
        );
        let body = json!({
            "error": error,
            "error_description": full_description,
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        });
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        Self { status, body }
    }

    fn invalid_grant(code: u32, description: &str) -> Self {
        Self::new(400, "invalid_grant", code, description)
    }

    fn invalid_request(code: u32, description: &str) -> Self {
        Self::new(400, "invalid_request", code, description)
    }

    fn missing_parameter(name: &str) -> Self {
        let description =
            format!("The request body must contain the following parameter: '{name}'.");
        Self::invalid_request(900144, &description)
    }

    fn from_scripted(scripted: &ScriptedError) -> Self {
        let mut error = Self::new(
            scripted.status,
            &scripted.error,
            scripted.code,
            &scripted.description,
        );
        if let Some(suberror) = &scripted.suberror {
            error.body["suberror"] = json!(suberror);
        }
        if let Some(claims) = &scripted.claims {
            error.body["claims"] = json!(claims);
        }
        error
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, EntraError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| EntraError::missing_parameter(name))
}

async fn devicecode(
    State(identity): State<Arc<Identity>>,
    Path(tenant): Path<String>,
    Form(params): Form<Params>,
) -> Result<Json<Value>, EntraError> {
    let client_id = required(&params, "client_id")?;
    let scope = required(&params, "scope")?;
    let user_code = random_user_code();
    let device_code = random_string(80);
    let lifetime = identity.config.device_code_lifetime;
    let interval = identity.config.poll_interval;

    let mut state = identity.lock();
    state.issued.push(device_code.clone());
    let status = if state.auto_approve {
        DeviceStatus::Approved
    } else {
        DeviceStatus::Pending
    };
    let grant = DeviceGrant {
        user_code: user_code.clone(),
        client_id: client_id.to_owned(),
        scope: scope.to_owned(),
        expires_at: Instant::now() + lifetime,
        interval,
        last_poll: None,
        status,
    };
    state.device_grants.insert(device_code.clone(), grant);
    drop(state);
    tracing::debug!(%tenant, %client_id, ?status, "simulated identity issued a device code");

    let message = format!(
        "To sign in, open {VERIFICATION_URI} in a web browser and enter the code \
         {user_code} to authenticate."
    );
    Ok(Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": VERIFICATION_URI,
        "expires_in": lifetime.as_secs(),
        "interval": interval.as_secs(),
        "message": message,
    })))
}

async fn token(
    State(identity): State<Arc<Identity>>,
    Path(tenant): Path<String>,
    Form(params): Form<Params>,
) -> Result<Json<Value>, EntraError> {
    let grant = GrantType::parse(params.get("grant_type").map(String::as_str));
    identity.count_request(grant);
    if let Some(scripted) = identity.take_scripted_error() {
        tracing::debug!(%tenant, ?grant, error = %scripted.error, "simulated identity returned a scripted error");
        return Err(EntraError::from_scripted(&scripted));
    }
    let client_id = required(&params, "client_id")?;
    match grant {
        GrantType::DeviceCode => redeem_device_code(&identity, client_id, &params),
        GrantType::AuthorizationCode => redeem_code(&identity, client_id, &params),
        GrantType::RefreshToken => redeem_refresh_token(&identity, client_id, &params),
        GrantType::Other => Err(EntraError::new(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        )),
    }
}

fn redeem_device_code(
    identity: &Identity,
    client_id: &str,
    params: &Params,
) -> Result<Json<Value>, EntraError> {
    let device_code = required(params, "device_code")?;
    let now = Instant::now();
    let mut state = identity.lock();
    let Some(grant) = state.device_grants.get_mut(device_code) else {
        return Err(EntraError::new(
            400,
            "bad_verification_code",
            70000,
            "The device code is not valid.",
        ));
    };
    if grant.client_id != client_id {
        return Err(EntraError::invalid_grant(
            70000,
            "The device code was issued to another client.",
        ));
    }
    if now >= grant.expires_at {
        state.device_grants.remove(device_code);
        return Err(EntraError::new(
            400,
            "expired_token",
            70019,
            "Verification code expired.",
        ));
    }
    if let Some(last_poll) = grant.last_poll {
        if now < last_poll + grant.interval {
            grant.interval += SLOW_DOWN_STEP;
            grant.last_poll = Some(now);
            return Err(EntraError::new(
                400,
                "slow_down",
                70000,
                "The client is polling too often.",
            ));
        }
    }
    grant.last_poll = Some(now);
    match grant.status {
        DeviceStatus::Pending => Err(EntraError::new(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )),
        DeviceStatus::Declined => {
            state.device_grants.remove(device_code);
            Err(EntraError::new(
                400,
                "authorization_declined",
                70000,
                "The user declined the sign-in request.",
            ))
        }
        DeviceStatus::Approved => {
            let scope = grant.scope.clone();
            state.device_grants.remove(device_code);
            Ok(Json(token_body(identity, &mut state, client_id, &scope)))
        }
    }
}

fn redeem_code(
    identity: &Identity,
    client_id: &str,
    params: &Params,
) -> Result<Json<Value>, EntraError> {
    let code = required(params, "code")?;
    let redirect_uri = required(params, "redirect_uri")?;
    let verifier = required(params, "code_verifier")?;

    let mut state = identity.lock();
    let Some(grant) = state.code_grants.get_mut(code) else {
        return Err(EntraError::invalid_grant(
            70000,
            "The provided authorization code is invalid.",
        ));
    };
    if grant.redeemed {
        return Err(EntraError::invalid_grant(
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code.",
        ));
    }
    grant.redeemed = true;

    if Instant::now() >= grant.expires_at {
        return Err(EntraError::invalid_grant(
            70008,
            "The provided authorization code has expired.",
        ));
    }
    if grant.client_id != client_id {
        return Err(EntraError::invalid_grant(
            70000,
            "The authorization code was issued to another client.",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(EntraError::invalid_grant(
            70000,
            "The redirect_uri does not match the one in the authorization request.",
        ));
    }
    if pkce_challenge(verifier) != grant.code_challenge {
        return Err(EntraError::invalid_grant(
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }

    let scope = grant.scope.clone();
    Ok(Json(token_body(identity, &mut state, client_id, &scope)))
}

fn redeem_refresh_token(
    identity: &Identity,
    client_id: &str,
    params: &Params,
) -> Result<Json<Value>, EntraError> {
    let refresh_token = required(params, "refresh_token")?;
    let mut state = identity.lock();
    if state
        .revoked_refresh_tokens
        .iter()
        .any(|revoked| revoked == refresh_token)
    {
        return Err(EntraError::invalid_grant(
            700082,
            "The refresh token has expired due to inactivity.",
        ));
    }
    // Removing the token on use is the rotation: a second use finds nothing.
    let Some(grant) = state.refresh_tokens.remove(refresh_token) else {
        return Err(EntraError::invalid_grant(
            70000,
            "The provided refresh token is invalid or was already used.",
        ));
    };
    if grant.client_id != client_id {
        return Err(EntraError::invalid_grant(
            70000,
            "The refresh token was issued to another client.",
        ));
    }
    Ok(Json(token_body(
        identity,
        &mut state,
        client_id,
        &grant.scope,
    )))
}

/// Builds a successful token response. A refresh token is included when
/// `offline_access` was granted, an ID token when `openid` was.
fn token_body(
    identity: &Identity,
    state: &mut IdentityState,
    client_id: &str,
    scope: &str,
) -> Value {
    let access_token = identity.issue_access_token(state);
    let lifetime = identity.config.access_token_lifetime.as_secs();
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.contains(&"offline_access") {
        body["refresh_token"] = json!(issue_refresh_token(state, client_id, scope));
    }
    if scopes.contains(&"openid") {
        body["id_token"] = json!(id_token(&identity.config, client_id));
    }
    body
}

/// Builds an ID token shaped like a JWT. The signature part is a fixed
/// placeholder because no client verifies it against the simulated tenant.
fn id_token(config: &IdentityConfig, client_id: &str) -> String {
    let account = &config.account;
    let now = chrono::Utc::now().timestamp();
    let header = json!({"typ": "JWT", "alg": "none"});
    let claims = json!({
        "aud": client_id,
        "iss": format!("https://login.microsoftonline.com/{}/v2.0", account.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": account.name,
        "oid": account.object_id,
        "preferred_username": account.username,
        "tid": account.tenant_id,
        "ver": "2.0",
    });
    format!(
        "{}.{}.unsigned",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Accepts `http://localhost:PORT...` and `http://127.0.0.1:PORT...`, the
/// loopback redirect URIs Entra allows for public desktop clients.
fn loopback_redirect(value: &str) -> Option<Url> {
    let url = Url::parse(value).ok()?;
    let host_ok = matches!(url.host_str(), Some("localhost") | Some("127.0.0.1"));
    (url.scheme() == "http" && host_ok && url.port().is_some()).then_some(url)
}

fn redirect_to(mut target: Url, pairs: &[(&str, &str)]) -> Response {
    target.query_pairs_mut().extend_pairs(pairs);
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn redirect_error(target: Url, error: &str, description: &str, state: &str) -> Response {
    let pairs = [
        ("error", error),
        ("error_description", description),
        ("state", state),
    ];
    redirect_to(target, &pairs)
}

async fn authorize(
    State(identity): State<Arc<Identity>>,
    Path(tenant): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let redirect_value = params.get("redirect_uri").map(String::as_str).unwrap_or("");
    let Some(redirect) = loopback_redirect(redirect_value) else {
        let text = format!(
            "AADSTS50011: The redirect URI '{redirect_value}' is not a loopback URI \
             (http://localhost:PORT or http://127.0.0.1:PORT)."
        );
        return (StatusCode::BAD_REQUEST, text).into_response();
    };
    let state_param = params.get("state").cloned().unwrap_or_default();
    if let Err(problem) = check_authorize_params(&params) {
        return redirect_error(redirect, "invalid_request", &problem, &state_param);
    }
    let behavior = identity.lock().authorize_behavior;
    tracing::debug!(%tenant, ?behavior, "simulated identity handled an authorize request");
    match behavior {
        AuthorizeBehavior::Deny => redirect_error(
            redirect,
            "access_denied",
            "AADSTS65004: User declined to consent to access the app.",
            &state_param,
        ),
        AuthorizeBehavior::Approve => {
            let code = issue_code(&identity, &params, redirect_value);
            redirect_to(redirect, &[("code", &code), ("state", &state_param)])
        }
        AuthorizeBehavior::WrongState => {
            let code = issue_code(&identity, &params, redirect_value);
            let wrong_state = format!("{state_param}-altered");
            redirect_to(redirect, &[("code", &code), ("state", &wrong_state)])
        }
    }
}

fn check_authorize_params(params: &Params) -> Result<(), String> {
    for name in ["client_id", "scope", "code_challenge"] {
        if params.get(name).is_none_or(|value| value.is_empty()) {
            return Err(format!("AADSTS900144: The request must contain '{name}'."));
        }
    }
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err("AADSTS700054: response_type must be 'code'.".to_owned());
    }
    if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err("AADSTS501491: code_challenge_method must be 'S256'.".to_owned());
    }
    Ok(())
}

fn issue_code(identity: &Identity, params: &Params, redirect_uri: &str) -> String {
    let code = random_string(120);
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let grant = CodeGrant {
        client_id: param("client_id"),
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: param("code_challenge"),
        scope: param("scope"),
        expires_at: Instant::now() + AUTH_CODE_LIFETIME,
        redeemed: false,
    };
    let mut state = identity.lock();
    state.code_grants.insert(code.clone(), grant);
    state.issued.push(code.clone());
    drop(state);
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            pkce_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn loopback_redirect_accepts_localhost_ports() {
        assert!(loopback_redirect("http://localhost:4711").is_some());
        assert!(loopback_redirect("http://127.0.0.1:4711/cb").is_some());
        assert!(loopback_redirect("http://localhost").is_none());
        assert!(loopback_redirect("https://localhost:4711").is_none());
        assert!(loopback_redirect("http://192.0.2.10:4711").is_none());
    }

    #[test]
    fn bearer_token_parses_scheme() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }

    #[tokio::test(start_paused = true)]
    async fn check_bearer_reports_expiry() {
        let identity = Identity::default();
        let (access, _, expires_in) = identity.issue_tokens_for_demo();
        let header = format!("Bearer {access}");
        assert_eq!(identity.check_bearer(Some(&header)), Ok(()));
        tokio::time::advance(Duration::from_secs(expires_in)).await;
        assert_eq!(
            identity.check_bearer(Some(&header)),
            Err(BearerRejection::Expired)
        );
        assert_eq!(identity.check_bearer(None), Err(BearerRejection::Missing));
        assert_eq!(
            identity.check_bearer(Some("Bearer unknown")),
            Err(BearerRejection::Invalid)
        );
    }
}
