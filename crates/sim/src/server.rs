//! Starting and stopping the HTTP server.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Tenant;

/// A tenant whose server is running. Dropping it stops the server at once;
/// [`RunningTenant::shutdown`] stops it gracefully.
#[derive(Debug)]
pub struct RunningTenant {
    tenant: Tenant,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

pub(crate) async fn start(tenant: Tenant, addr: SocketAddr) -> io::Result<RunningTenant> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = crate::routes::app(tenant.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "simulated tenant listening");
    Ok(RunningTenant {
        tenant,
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningTenant {
    /// Returns the server root, e.g. `http://127.0.0.1:41234`, without a trailing
    /// slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns the Graph base URL, `{base}/v1.0`.
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.base_url())
    }

    /// Returns the Entra ID authority base URL: the server root, under which the
    /// endpoints are `/{tenant}/oauth2/v2.0/...`.
    pub fn authority_url(&self) -> String {
        self.base_url()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        let result = task.await.map_err(io::Error::other)?;
        tracing::info!(addr = %self.addr, "simulated tenant stopped");
        result
    }
}

impl Drop for RunningTenant {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            tracing::debug!(addr = %self.addr, "simulated tenant aborted on drop");
        }
    }
}
