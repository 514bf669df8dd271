//! systemd-logind `PrepareForSleep(false)` signals, reported as wake-ups.

use futures::StreamExt;
use tokio::sync::oneshot;
use zbus::message::Type;
use zbus::{Connection, MatchRule, MessageStream};

use crate::watcher::{ChangeSource, EventSender};

/// Forwards each wake from sleep until the connection or the receiver closes.
pub(super) async fn watch(
    connection: Connection,
    events: EventSender,
    ready: oneshot::Sender<()>,
) -> zbus::Result<()> {
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .path("/org/freedesktop/login1")?
        .interface("org.freedesktop.login1.Manager")?
        .member("PrepareForSleep")?
        .build();
    let mut stream = MessageStream::for_match_rule(rule, &connection, Some(16)).await?;
    tracing::debug!("logind watcher subscribed");
    let _ = ready.send(());
    while let Some(message) = stream.next().await {
        let Ok(message) = message else { continue };
        let Ok(going_to_sleep) = message.body().deserialize::<bool>() else {
            continue;
        };
        tracing::debug!(going_to_sleep, "logind PrepareForSleep");
        if !going_to_sleep && events.send(ChangeSource::Wake).is_err() {
            break;
        }
    }
    Ok(())
}
