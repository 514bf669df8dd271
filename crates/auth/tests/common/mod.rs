//! Test support: the simulated identity endpoints on 127.0.0.1 and a fake
//! browser that follows the authorize redirect like a real one.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use deskcheck_auth::{
    AuthConfig, Authenticator, BrowserOpener, MemoryStore, OpenError, Session, TokenSet,
};
use deskcheck_sim::identity::{self, Identity, IdentityConfig};
use tokio::task::JoinHandle;
use url::Url;

pub const TENANT: &str = "contoso.example";
pub const CLIENT_ID: &str = "3f1c9a2e-5b7d-4e8f-9a01-2b3c4d5e6f70";

/// The simulated identity endpoints, served until dropped.
pub struct SimIdentity {
    pub identity: Arc<Identity>,
    pub base: Url,
    server: JoinHandle<()>,
}

impl Drop for SimIdentity {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SimIdentity {
    pub async fn start(config: IdentityConfig) -> Self {
        Self::start_with(config, |router| router).await
    }

    /// Starts the endpoints with `wrap` applied to the router, for tests
    /// that observe the traffic.
    pub async fn start_with(
        config: IdentityConfig,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> Self {
        let identity = Arc::new(Identity::new(config));
        let app = wrap(identity::router(identity.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the simulated identity endpoints");
        let address = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("serve the simulated identity");
        });
        let base = Url::parse(&format!("http://{address}/")).expect("base URL");
        Self {
            identity,
            base,
            server,
        }
    }

    pub fn config(&self) -> AuthConfig {
        AuthConfig::new(self.base.clone(), TENANT, CLIENT_ID)
    }

    pub fn authenticator(&self) -> Authenticator {
        Authenticator::new(self.config()).expect("valid configuration")
    }

    /// Signs in through the device code flow with auto-approval.
    pub async fn sign_in(&self) -> (Authenticator, TokenSet) {
        self.identity.set_auto_approve(true);
        let auth = self.authenticator();
        let prompt = auth.start_device_code().await.expect("device code");
        let tokens = auth.wait_for_device_code(&prompt).await.expect("approved");
        self.identity.set_auto_approve(false);
        (auth, tokens)
    }

    /// Signs in and builds a session on an in-memory store.
    pub async fn session(&self) -> (Session, TokenSet) {
        let (auth, tokens) = self.sign_in().await;
        let store = Box::new(MemoryStore::default());
        let session = Session::signed_in(auth, store, tokens.clone()).expect("session");
        (session, tokens)
    }

    pub fn accepts(&self, token: &str) -> bool {
        let header = format!("Bearer {token}");
        self.identity.check_bearer(Some(&header)).is_ok()
    }
}

/// What the fake browser saw.
#[derive(Debug, Clone, Default)]
pub struct BrowserVisit {
    pub authorize_url: Option<Url>,
    /// The loopback URL the authorize endpoint redirected to.
    pub redirect_url: Option<Url>,
    pub page: Option<String>,
}

/// Opens the authorize URL with reqwest in a background task, following
/// the 302 to the loopback listener, as a browser would.
#[derive(Clone, Default)]
pub struct FakeBrowser {
    visit: Arc<Mutex<BrowserVisit>>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl FakeBrowser {
    /// Waits for the page to arrive and returns what the browser saw.
    pub async fn visit(&self) -> BrowserVisit {
        let task = self.task.lock().unwrap().take();
        if let Some(task) = task {
            task.await.expect("fake browser task");
        }
        self.visit.lock().unwrap().clone()
    }
}

#[async_trait]
impl BrowserOpener for FakeBrowser {
    async fn open(&self, url: &Url) -> Result<(), OpenError> {
        self.visit.lock().unwrap().authorize_url = Some(url.clone());
        let url = url.clone();
        let visit = self.visit.clone();
        let task = tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            let response = client.get(url).send().await.expect("authorize request");
            assert_eq!(response.status(), 302, "authorize must redirect");
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let redirect = Url::parse(&location).expect("redirect URL");
            visit.lock().unwrap().redirect_url = Some(redirect.clone());
            let page = client.get(redirect).send().await.expect("redirect request");
            let page = page.text().await.expect("page");
            visit.lock().unwrap().page = Some(page);
        });
        *self.task.lock().unwrap() = Some(task);
        Ok(())
    }
}
