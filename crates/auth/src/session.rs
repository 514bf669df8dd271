//! [`Session`]: the signed-in state behind [`TokenSource`]. It refreshes
//! the access token ahead of expiry, lets concurrent callers share one
//! refresh, stores every rotated refresh token, and signs out for good when
//! Entra reports the refresh token dead.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{watch, Mutex};
use tokio::time::Instant;

use crate::client::Authenticator;
use crate::error::{AuthError, EntraError};
use crate::problem::SignInProblem;
use crate::store::{SecretStore, StoredSignIn};
use crate::tokens::{Account, RefreshToken, TokenSet};
use crate::{AccessToken, TokenError, TokenSource};

/// How long before expiry an access token is refreshed.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Whether someone is signed in, as shown by the tray and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    SignedIn { account: Option<Account> },
    SignedOut { reason: SignOutReason },
}

/// The reason for the signed-out state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutReason {
    /// No sign-in was stored.
    NotSignedIn,
    /// The person chose to sign out.
    SignedOut,
    /// Entra reported the stored sign-in expired or revoked. The stored
    /// tokens were removed.
    Expired,
    /// Entra rejected the refresh in a way that needs a person or an admin
    /// (consent, conditional access, a blocked account). The stored refresh
    /// token is kept, so a restart after the fix tries it again.
    ActionRequired(SignInProblem),
}

#[derive(Debug)]
enum Slot {
    SignedOut,
    Active(ActiveTokens),
}

#[derive(Debug)]
struct ActiveTokens {
    refresh: Option<RefreshToken>,
    /// The access token and its expiry. `None` after a restart, because
    /// access tokens are not stored.
    access: Option<(AccessToken, Instant)>,
    account: Option<Account>,
}

impl ActiveTokens {
    fn valid_access(&self, margin: Duration) -> Option<&AccessToken> {
        let (token, expires_at) = self.access.as_ref()?;
        (Instant::now() + margin < *expires_at).then_some(token)
    }
}

/// A signed-in session that hands out access tokens.
#[derive(Debug)]
pub struct Session {
    auth: Authenticator,
    store: Box<dyn SecretStore>,
    /// Held across a refresh, so concurrent callers wait for that refresh
    /// and then use its result instead of starting their own.
    slot: Mutex<Slot>,
    state: watch::Sender<AuthState>,
    refresh_margin: Duration,
    /// A file locked across load, refresh and save, so that deskcheck
    /// processes sharing one store never spend the same refresh token twice.
    refresh_lock: Option<std::path::PathBuf>,
}

impl Session {
    /// Builds a session from the sign-in in `store`, signed out when none
    /// is stored. The first token request then refreshes.
    pub fn restore(auth: Authenticator, store: Box<dyn SecretStore>) -> Result<Self, AuthError> {
        let stored = store.load()?;
        tracing::info!(
            store = store.kind(),
            found = stored.is_some(),
            "sign-in restored"
        );
        let (slot, state) = match stored {
            Some(stored) => {
                let state = AuthState::SignedIn {
                    account: stored.account.clone(),
                };
                let tokens = ActiveTokens {
                    refresh: Some(stored.refresh_token),
                    access: None,
                    account: stored.account,
                };
                (Slot::Active(tokens), state)
            }
            None => {
                let reason = SignOutReason::NotSignedIn;
                (Slot::SignedOut, AuthState::SignedOut { reason })
            }
        };
        Ok(Self::build(auth, store, slot, state))
    }

    /// Builds a session from the tokens of a sign-in that just finished and
    /// stores them.
    pub fn signed_in(
        auth: Authenticator,
        store: Box<dyn SecretStore>,
        tokens: TokenSet,
    ) -> Result<Self, AuthError> {
        save_sign_in(store.as_ref(), &tokens)?;
        let state = AuthState::SignedIn {
            account: tokens.account.clone(),
        };
        let slot = Slot::Active(active_from(tokens));
        tracing::info!(store = store.kind(), "session signed in");
        Ok(Self::build(auth, store, slot, state))
    }

    fn build(
        auth: Authenticator,
        store: Box<dyn SecretStore>,
        slot: Slot,
        state: AuthState,
    ) -> Self {
        Self {
            auth,
            store,
            slot: Mutex::new(slot),
            state: watch::Sender::new(state),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            refresh_lock: None,
        }
    }

    /// Locks `path` around every refresh. Give every process that shares
    /// the store the same path.
    pub fn with_refresh_lock(mut self, path: std::path::PathBuf) -> Self {
        self.refresh_lock = Some(path);
        self
    }

    /// Sets how long before expiry the access token is refreshed.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    pub fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// Returns a receiver that is notified of every state change.
    pub fn subscribe(&self) -> watch::Receiver<AuthState> {
        self.state.subscribe()
    }

    pub fn state(&self) -> AuthState {
        self.state.borrow().clone()
    }

    /// Replaces the tokens with those of a new sign-in and stores them.
    pub async fn complete_sign_in(&self, tokens: TokenSet) -> Result<(), AuthError> {
        let mut slot = self.slot.lock().await;
        save_sign_in(self.store.as_ref(), &tokens)?;
        let account = tokens.account.clone();
        *slot = Slot::Active(active_from(tokens));
        self.state.send_replace(AuthState::SignedIn { account });
        tracing::info!("session signed in again");
        Ok(())
    }

    /// Removes the tokens from memory and from the store.
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        let mut slot = self.slot.lock().await;
        *slot = Slot::SignedOut;
        self.store.clear()?;
        let reason = SignOutReason::SignedOut;
        self.state.send_replace(AuthState::SignedOut { reason });
        tracing::info!("session signed out");
        Ok(())
    }

    /// Refreshes while the caller holds the slot lock. With a refresh lock,
    /// also holds that file lock and first adopts a refresh token that
    /// another process stored since this one last looked.
    async fn refresh_locked(&self, slot: &mut Slot) -> Result<AccessToken, TokenError> {
        let _file_lock = match &self.refresh_lock {
            Some(path) => Some(lock_file(path.clone()).await?),
            None => None,
        };
        if self.refresh_lock.is_some() {
            self.adopt_stored_token(slot);
        }
        let refresh = match slot {
            Slot::SignedOut => return Err(TokenError::SignInRequired),
            Slot::Active(ActiveTokens {
                refresh: Some(refresh),
                ..
            }) => refresh.clone(),
            Slot::Active(_) => {
                tracing::warn!("access token expired and no refresh token was granted");
                self.enter_signed_out(slot, SignOutReason::Expired);
                return Err(TokenError::SignInRequired);
            }
        };
        tracing::debug!("refreshing the access token");
        match self.auth.refresh(&refresh).await {
            Ok(tokens) => Ok(self.accept_refresh(slot, tokens)),
            Err(error) => Err(self.handle_refresh_error(slot, error)),
        }
    }

    /// Replaces the refresh token in `slot` with the stored one when they
    /// differ: another process rotated it.
    fn adopt_stored_token(&self, slot: &mut Slot) {
        let Slot::Active(active) = slot else {
            return;
        };
        match self.store.load() {
            Ok(Some(stored)) if active.refresh.as_ref() != Some(&stored.refresh_token) => {
                tracing::info!("using the refresh token another deskcheck process stored");
                active.refresh = Some(stored.refresh_token);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not read the stored sign-in"),
        }
    }

    fn accept_refresh(&self, slot: &mut Slot, tokens: TokenSet) -> AccessToken {
        let previous_account = match slot {
            Slot::Active(active) => active.account.clone(),
            Slot::SignedOut => None,
        };
        let mut active = active_from(tokens);
        if active.account.is_none() {
            active.account = previous_account.clone();
        }
        if let Some(refresh) = &active.refresh {
            let stored = StoredSignIn {
                refresh_token: refresh.clone(),
                account: active.account.clone(),
            };
            // The old refresh token is already spent, so a failed save is
            // logged and the session goes on with the new one in memory.
            if let Err(error) = self.store.save(&stored) {
                tracing::error!(%error, store = self.store.kind(), "could not store the rotated refresh token");
            }
        }
        if active.account != previous_account {
            let account = active.account.clone();
            self.state.send_replace(AuthState::SignedIn { account });
        }
        let access = active.access.as_ref().map(|(token, _)| token.clone());
        *slot = Slot::Active(active);
        access.expect("a refreshed token set has an access token")
    }

    fn handle_refresh_error(&self, slot: &mut Slot, error: AuthError) -> TokenError {
        match error {
            AuthError::Entra(entra) => self.handle_rejection(slot, *entra),
            other if other.is_transient() || matches!(other, AuthError::Protocol { .. }) => {
                tracing::warn!(error = %other, "token refresh failed, tokens kept");
                TokenError::Transient(other.to_string())
            }
            other => {
                tracing::warn!(error = %other, "token refresh failed");
                TokenError::Rejected(other.to_string())
            }
        }
    }

    fn handle_rejection(&self, slot: &mut Slot, error: EntraError) -> TokenError {
        if error.problem.tokens_are_dead() {
            tracing::warn!(%error, "refresh token rejected, removing the stored sign-in");
            if let Err(store_error) = self.store.clear() {
                tracing::error!(error = %store_error, "could not remove the stored sign-in");
            }
            self.enter_signed_out(slot, SignOutReason::Expired);
            return TokenError::SignInRequired;
        }
        tracing::warn!(%error, "token refresh needs action, signing out until a new sign-in");
        let reason = SignOutReason::ActionRequired(error.problem.clone());
        self.enter_signed_out(slot, reason);
        TokenError::Rejected(error.to_string())
    }

    fn enter_signed_out(&self, slot: &mut Slot, reason: SignOutReason) {
        *slot = Slot::SignedOut;
        self.state.send_replace(AuthState::SignedOut { reason });
    }
}

/// Opens and exclusively locks `path`, waiting for another process to let
/// go. The lock is released when the returned file is dropped.
async fn lock_file(path: std::path::PathBuf) -> Result<std::fs::File, TokenError> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|error| TokenError::Transient(format!("locking {shown} failed: {error}")))?
    .map_err(|error| TokenError::Transient(format!("locking {shown} failed: {error}")))
}

fn active_from(tokens: TokenSet) -> ActiveTokens {
    ActiveTokens {
        refresh: tokens.refresh,
        access: Some((tokens.access, tokens.expires_at)),
        account: tokens.account,
    }
}

fn save_sign_in(store: &dyn SecretStore, tokens: &TokenSet) -> Result<(), AuthError> {
    match &tokens.refresh {
        Some(refresh) => {
            let stored = StoredSignIn {
                refresh_token: refresh.clone(),
                account: tokens.account.clone(),
            };
            store.save(&stored)?;
        }
        None => {
            tracing::warn!(
                "no refresh token was granted; the sign-in lasts until the access token expires"
            );
            store.clear()?;
        }
    }
    Ok(())
}

#[async_trait]
impl TokenSource for Session {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        let mut slot = self.slot.lock().await;
        match &*slot {
            Slot::SignedOut => return Err(TokenError::SignInRequired),
            Slot::Active(active) => {
                if let Some(token) = active.valid_access(self.refresh_margin) {
                    return Ok(token.clone());
                }
            }
        }
        self.refresh_locked(&mut slot).await
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokenError> {
        let mut slot = self.slot.lock().await;
        if let Slot::Active(active) = &*slot {
            // Another caller already replaced the rejected token.
            if let Some(token) = active.valid_access(Duration::ZERO) {
                if token != rejected {
                    return Ok(token.clone());
                }
            }
        }
        tracing::info!("Graph rejected the access token, refreshing once");
        self.refresh_locked(&mut slot).await
    }
}
