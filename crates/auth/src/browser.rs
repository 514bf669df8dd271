//! The browser flow: authorization code with PKCE S256. A one-shot listener
//! on 127.0.0.1 with a random port receives the redirect to
//! `http://localhost:PORT`, the `state` is checked, the code is redeemed,
//! and the browser is shown a small page with the result.

use std::borrow::Cow;
use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use async_trait::async_trait;
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use crate::client::Authenticator;
use crate::error::AuthError;
use crate::tokens::TokenSet;

/// Largest request head the listener reads from the browser.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request head.
/// Browsers open speculative connections that never send one.
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The error type a [`BrowserOpener`] returns.
pub type OpenError = Box<dyn std::error::Error + Send + Sync>;

/// Opens the authorize URL in a browser.
#[async_trait]
pub trait BrowserOpener: Send + Sync {
    /// Starts showing `url`. It may return before the sign-in finishes.
    async fn open(&self, url: &Url) -> Result<(), OpenError>;
}

/// Opens URLs in the system's default browser.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

#[async_trait]
impl BrowserOpener for SystemBrowser {
    async fn open(&self, url: &Url) -> Result<(), OpenError> {
        let mut command = system_open_command(url.as_str());
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = tokio::process::Command::from(command).spawn()?;
        tokio::spawn(async move {
            match child.wait().await {
                Ok(status) if status.success() => {}
                Ok(status) => tracing::warn!(%status, "browser launcher exited with an error"),
                Err(error) => tracing::warn!(%error, "could not wait for the browser launcher"),
            }
        });
        Ok(())
    }
}

// NOTE: only the Linux launcher runs in this crate's tests, and only as far
// as the missing-binary error.
fn system_open_command(url: &str) -> std::process::Command {
    if cfg!(target_os = "windows") {
        // rundll32 takes the URL as one argument, so `&` in the query is not
        // read as a shell operator the way `cmd /C start` would read it.
        let mut command = std::process::Command::new("rundll32");
        command.args(["url.dll,FileProtocolHandler", url]);
        command
    } else if cfg!(target_os = "macos") {
        let mut command = std::process::Command::new("open");
        command.arg(url);
        command
    } else {
        let mut command = std::process::Command::new("xdg-open");
        command.arg(url);
        command
    }
}

/// Settings of one browser sign-in.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// How long to wait for the redirect after opening the browser.
    pub timeout: Duration,
    /// A conditional access `claims` challenge from a failed token request.
    pub claims: Option<String>,
    /// The account to preselect, sent as `login_hint`.
    pub login_hint: Option<String>,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(300),
            claims: None,
            login_hint: None,
        }
    }
}

/// The query of the redirect to the loopback listener.
#[derive(Default)]
struct RedirectParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl fmt::Debug for RedirectParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectParams")
            .field("has_code", &self.code.is_some())
            .field("has_state", &self.state.is_some())
            .field("error", &self.error)
            .finish()
    }
}

impl RedirectParams {
    fn from_target(target: &str) -> Option<Self> {
        let url = Url::parse("http://localhost").ok()?.join(target).ok()?;
        let mut params = Self::default();
        for (key, value) in url.query_pairs() {
            let slot = match key.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        (params.code.is_some() || params.error.is_some()).then_some(params)
    }

    /// Checks the `state` and returns the code.
    fn into_code(self, expected_state: &CsrfToken) -> Result<String, AuthError> {
        if self.state.as_deref() != Some(expected_state.secret().as_str()) {
            return Err(AuthError::StateMismatch);
        }
        if let Some(error) = self.error {
            return Err(AuthError::AuthorizationDenied {
                error,
                description: self.error_description.unwrap_or_default(),
            });
        }
        self.code.ok_or_else(|| AuthError::AuthorizationDenied {
            error: "missing_code".to_owned(),
            description: "the redirect carried neither a code nor an error".to_owned(),
        })
    }
}

impl Authenticator {
    /// Signs in through the browser that `opener` starts.
    pub async fn sign_in_with_browser(
        &self,
        opener: &dyn BrowserOpener,
        options: &BrowserOptions,
    ) -> Result<TokenSet, AuthError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(AuthError::Loopback)?;
        let port = listener.local_addr().map_err(AuthError::Loopback)?.port();
        let redirect = RedirectUrl::new(format!("http://localhost:{port}"))
            .expect("a loopback URL with a port is valid");
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .oauth()
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes())
            .set_pkce_challenge(challenge)
            .set_redirect_uri(Cow::Borrowed(&redirect));
        if let Some(claims) = &options.claims {
            request = request.add_extra_param("claims", claims.clone());
        }
        if let Some(hint) = &options.login_hint {
            request = request.add_extra_param("login_hint", hint.clone());
        }
        let (authorize_url, state) = request.url();
        tracing::info!(
            port,
            has_claims = options.claims.is_some(),
            "browser sign-in started"
        );

        let (mut stream, params) =
            open_and_wait(listener, opener, &authorize_url, options.timeout).await?;
        let outcome = match params.into_code(&state) {
            Ok(code) => {
                let result = self
                    .oauth()
                    .exchange_code(AuthorizationCode::new(code))
                    .set_pkce_verifier(verifier)
                    .set_redirect_uri(Cow::Borrowed(&redirect))
                    .request_async(self.http())
                    .await;
                self.finish_grant("authorization_code", result)
            }
            Err(error) => {
                tracing::warn!(%error, "browser redirect rejected");
                Err(error)
            }
        };
        respond_with_page(&mut stream, &outcome).await;
        outcome
    }
}

/// Opens the browser and waits for the redirect, whichever fails first.
async fn open_and_wait(
    listener: TcpListener,
    opener: &dyn BrowserOpener,
    authorize_url: &Url,
    timeout: Duration,
) -> Result<(TcpStream, RedirectParams), AuthError> {
    let wait = tokio::time::timeout(timeout, accept_redirect(listener));
    tokio::pin!(wait);
    let received = tokio::select! {
        opened = opener.open(authorize_url) => {
            if let Err(error) = opened {
                tracing::warn!(%error, "could not open the browser");
                return Err(AuthError::BrowserOpen(error.to_string()));
            }
            wait.await
        }
        received = &mut wait => received,
    };
    match received {
        Ok(result) => result,
        Err(_elapsed) => {
            tracing::warn!(timeout_s = timeout.as_secs(), "browser sign-in timed out");
            Err(AuthError::BrowserTimeout {
                seconds: timeout.as_secs(),
            })
        }
    }
}

/// Accepts connections until one carries the redirect. Every connection is
/// read in its own task, so a browser's idle speculative connection does not
/// hold up the real request. Other requests get a 404.
async fn accept_redirect(listener: TcpListener) -> Result<(TcpStream, RedirectParams), AuthError> {
    let (sender, mut receiver) = mpsc::channel(4);
    let mut readers = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = accepted.map_err(AuthError::Loopback)?;
                readers.spawn(read_redirect(stream, sender.clone()));
            }
            Some(redirect) = receiver.recv() => return Ok(redirect),
        }
    }
}

async fn read_redirect(mut stream: TcpStream, sender: mpsc::Sender<(TcpStream, RedirectParams)>) {
    let head = tokio::time::timeout(REQUEST_HEAD_TIMEOUT, read_head(&mut stream)).await;
    let Ok(Ok(head)) = head else {
        return;
    };
    let target = request_target(&head);
    match target.and_then(RedirectParams::from_target) {
        Some(params) => {
            let _ = sender.send((stream, params)).await;
        }
        None => {
            tracing::debug!("loopback listener ignored a request without code or error");
            let response = http_response("404 Not Found", "Not found.");
            let _ = stream.write_all(response.as_bytes()).await;
        }
    }
}

/// Reads until the end of the request head.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        if head.len() >= MAX_REQUEST_HEAD {
            return Err(std::io::Error::other("request head too large"));
        }
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buffer[..read]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// Returns the target of a `GET` request line.
fn request_target(head: &str) -> Option<&str> {
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET").then_some(target)
}

async fn respond_with_page(stream: &mut TcpStream, outcome: &Result<TokenSet, AuthError>) {
    let page = match outcome {
        Ok(_) => result_page(
            "Signed in",
            "deskcheck is signed in. You can close this window.",
        ),
        Err(error) => result_page("Sign-in failed", &error.to_string()),
    };
    let response = http_response("200 OK", &page);
    if let Err(error) = stream.write_all(response.as_bytes()).await {
        tracing::debug!(%error, "could not send the result page to the browser");
    }
    let _ = stream.shutdown().await;
}

fn http_response(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Builds a self-contained page: no scripts, styles or images from
/// anywhere else.
fn result_page(title: &str, message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title></head>\
         <body style=\"font-family: sans-serif; margin: 3em\">\
         <h1>{title}</h1><p>{}</p></body></html>",
        escape_html(message)
    )
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_params_need_code_or_error() {
        assert!(RedirectParams::from_target("/favicon.ico").is_none());
        let params = RedirectParams::from_target("/?code=abc&state=xyz").unwrap();
        assert_eq!(params.code.as_deref(), Some("abc"));
        assert_eq!(params.state.as_deref(), Some("xyz"));
        let params = RedirectParams::from_target("/?error=access_denied&state=s").unwrap();
        assert_eq!(params.error.as_deref(), Some("access_denied"));
    }

    #[test]
    fn state_mismatch_wins_over_error() {
        let expected = CsrfToken::new("right".to_owned());
        let params = RedirectParams::from_target("/?error=access_denied&state=wrong").unwrap();
        assert!(matches!(
            params.into_code(&expected),
            Err(AuthError::StateMismatch)
        ));
    }

    #[test]
    fn result_page_escapes_message() {
        let page = result_page("Sign-in failed", "<script>alert(1)</script>");
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
    }

    #[test]
    fn request_target_reads_get_line() {
        assert_eq!(
            request_target("GET /?code=1 HTTP/1.1\r\n\r\n"),
            Some("/?code=1")
        );
        assert_eq!(request_target("POST / HTTP/1.1\r\n\r\n"), None);
    }
}
