//! `deskcheck login` and `deskcheck logout`.

use crate::bootstrap::{self, GlobalOptions};
use anyhow::{bail, Context, Result};
use deskcheck_auth::{BrowserOptions, SystemBrowser};

pub async fn login(global: &GlobalOptions, device_code: bool) -> Result<()> {
    if global.demo {
        println!("The demo tenant signs you in by itself; nothing to do.");
        return Ok(());
    }
    let services = bootstrap::start(global).await?;
    let Some(session) = &services.session else {
        bail!(
            "no client id is configured: set `client_id` in {} or DESKCHECK_CLIENT_ID \
             (see the README's app registration steps)",
            services.dirs.config_file().display()
        );
    };
    let auth = session.authenticator();
    let tokens = if device_code {
        let prompt = auth.start_device_code().await?;
        eprintln!("{}", prompt.message);
        auth.wait_for_device_code(&prompt)
            .await
            .context("device code sign-in failed")?
    } else {
        eprintln!("Opening your browser to sign in…");
        auth.sign_in_with_browser(&SystemBrowser, &BrowserOptions::default())
            .await
            .context("browser sign-in failed; `deskcheck login --device-code` works without a local browser")?
    };
    session.complete_sign_in(tokens).await?;
    services
        .engine
        .sync()
        .await
        .context("signed in, but the first sync failed")?;
    let snapshot = services.engine.snapshot();
    println!(
        "Signed in. {} reservation(s) found; run `deskcheck status` to see them.",
        snapshot.reservations.len()
    );
    Ok(())
}

pub async fn logout(global: &GlobalOptions) -> Result<()> {
    let services = bootstrap::start(global).await?;
    if let Some(session) = &services.session {
        session.sign_out().await?;
    }
    services.engine.forget_account_data()?;
    println!("Signed out; stored tokens and cached reservations were deleted.");
    Ok(())
}
