//! Desktop notifications for the engine's notices, through notify-rust on
//! the freedesktop notification service (its async zbus backend).
//!
//! A prompt ("Check in to Desk 4.12?") carries the actions "Check in",
//! "Remind me in 5 minutes" and "Release" when the server supports
//! actions. Without actions, a click (the default action, where the server
//! has one) opens the window, and the tray item stays the way to check in.
//! Each prompt waits for its answer in its own task with a timeout, so the
//! engine never waits on a notification.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use chrono_tz::Tz;
use deskcheck_core::engine::{CheckInOutcome, Engine, Notice, ReservationView};
use deskcheck_core::model::{CheckInMethod, ReservationKey};
use notify_rust::{Notification, NotificationResponse, Timeout};
use tauri::{AppHandle, Runtime};
use tokio::sync::{broadcast, OnceCell};
use tokio_util::sync::CancellationToken;

use super::menu::{local_time, shorten, time_range};
use super::tray::snapshot_zone;
use super::window::{self, View};

pub const ACTION_CHECK_IN: &str = "check_in";
pub const ACTION_SNOOZE: &str = "snooze";
pub const ACTION_RELEASE: &str = "release";
/// The freedesktop key for a click on the notification itself.
pub const ACTION_DEFAULT: &str = "default";

/// How long "Remind me in 5 minutes" waits.
pub const SNOOZE: Duration = Duration::from_secs(5 * 60);

/// Maximum wait for the answer to one prompt, after which it is closed.
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);
const MIN_WAIT: Duration = Duration::from_secs(60);

const APP_NAME: &str = "deskcheck";

/// Reason a prompt is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Moment {
    WindowOpened,
    ReleaseSoon,
    AtOffice,
}

/// Features of the notification server, from `GetCapabilities`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerCapabilities {
    pub actions: bool,
    pub body_markup: bool,
}

impl ServerCapabilities {
    pub fn from_list(capabilities: &[String]) -> Self {
        Self {
            actions: capabilities.iter().any(|c| c == "actions"),
            body_markup: capabilities.iter().any(|c| c == "body-markup"),
        }
    }
}

/// Summary and body of a notification, before markup escaping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub summary: String,
    pub body: String,
}

/// Escapes text for servers that read the body as markup, so a subject
/// such as `<b>Hi</b> & co` shows as typed.
pub fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Builds the text of a check-in prompt.
pub fn prompt_message(
    view: &ReservationView,
    moment: Moment,
    office: Option<&str>,
    tz: Tz,
) -> Message {
    let place = shorten(&view.place.name, 60);
    let subject = shorten(&view.subject, 80);
    let deadline = local_time(view.release_deadline, tz);
    let when = time_range(view, tz);
    let body = match moment {
        Moment::WindowOpened => format!("{subject}, {when}. Check-in is open until {deadline}."),
        Moment::ReleaseSoon => {
            format!("{place} is released at {deadline} unless you check in ({subject}, {when}).")
        }
        Moment::AtOffice => format!(
            "You are at {}, and automatic check-in is off. {subject}, {when}.",
            shorten(office.unwrap_or("the office"), 60)
        ),
    };
    Message {
        summary: format!("Check in to {place}?"),
        body,
    }
}

/// Builds the text for a notice that needs no answer, or `None` for prompts.
pub fn info_message(notice: &Notice, tz: Tz) -> Option<Message> {
    match notice {
        Notice::CheckedIn {
            reservation,
            automatic,
        } => Some(Message {
            summary: format!("Checked in to {}", shorten(&reservation.place.name, 60)),
            body: if *automatic {
                format!(
                    "{}, automatically at the office.",
                    time_range(reservation, tz)
                )
            } else {
                format!("{}.", time_range(reservation, tz))
            },
        }),
        Notice::CheckInFailed { reservation, error } => Some(Message {
            summary: format!(
                "Check-in to {} failed",
                shorten(&reservation.place.name, 60)
            ),
            body: shorten(error, 200),
        }),
        Notice::SignedOut { message } => Some(Message {
            summary: "deskcheck is signed out".into(),
            body: format!("{} Choose Sign in in the tray menu.", shorten(message, 200)),
        }),
        _ => None,
    }
}

/// Shows notifications for notices until `shutdown`. Take `notices` from
/// the engine before its loop starts, so that no early notice is missed.
pub async fn run<R: Runtime>(
    app: AppHandle<R>,
    engine: Engine,
    mut notices: broadcast::Receiver<Notice>,
    shutdown: CancellationToken,
) {
    let notifier = Arc::new(Notifier {
        app,
        engine,
        capabilities: OnceCell::new(),
        shown: Mutex::new(HashSet::new()),
    });
    loop {
        let notice = tokio::select! {
            _ = shutdown.cancelled() => break,
            notice = notices.recv() => notice,
        };
        match notice {
            Ok(notice) => notifier.clone().dispatch(notice),
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "notices dropped because notifications fell behind");
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    tracing::debug!("notification loop stopped");
}

/// Asks once, at the first start with offices configured, whether to turn
/// on automatic check-in. Any outcome but "Turn on" stores "off", so the
/// question is not repeated; the window's checkbox changes it later.
pub async fn ask_about_automatic(engine: Engine) {
    let snapshot = engine.snapshot();
    if snapshot.automatic.enabled.is_some() || engine.settings().offices.is_empty() {
        return;
    }
    let Ok(Ok(list)) = tokio::task::spawn_blocking(platform::capabilities).await else {
        tracing::info!("no notification server; the window's setting turns on automatic check-in");
        return;
    };
    let capabilities = ServerCapabilities::from_list(&list);
    let message = Message {
        summary: "Check in automatically at the office?".to_owned(),
        body: "When this laptop joins the network of an office you set up, deskcheck can check \
               you in to your booking in that building. Detection stays on this device, and \
               `deskcheck why` shows each decision. You can change this in the deskcheck window."
            .to_owned(),
    };
    let actions = [("turn_on", "Turn on"), ("not_now", "Not now")];
    let notification = build(&message, &capabilities, &actions);
    let answer = platform::show_and_wait(&notification, MAX_WAIT).await;
    let enabled =
        matches!(&answer, Ok(Some(NotificationResponse::Action(action))) if action == "turn_on");
    tracing::info!(enabled, "answer to the automatic check-in question");
    if let Err(error) = engine.set_automatic(enabled).await {
        tracing::warn!(%error, "could not store the automatic check-in choice");
    }
}

struct Notifier<R: Runtime> {
    app: AppHandle<R>,
    engine: Engine,
    capabilities: OnceCell<Option<ServerCapabilities>>,
    /// Prompts already shown, so a repeated notice shows nothing new.
    shown: Mutex<HashSet<(ReservationKey, Moment)>>,
}

impl<R: Runtime> Notifier<R> {
    fn dispatch(self: Arc<Self>, notice: Notice) {
        let prompt = match &notice {
            Notice::WindowOpened(view) => Some((view.clone(), Moment::WindowOpened, None)),
            Notice::ReleaseSoon(view) => Some((view.clone(), Moment::ReleaseSoon, None)),
            Notice::AtOffice {
                office,
                reservation,
            } => Some((reservation.clone(), Moment::AtOffice, Some(office.clone()))),
            _ => None,
        };
        tauri::async_runtime::spawn(async move {
            match prompt {
                Some((view, moment, office)) => self.prompt(view, moment, office).await,
                None => self.inform(&notice).await,
            }
        });
    }

    async fn capabilities(&self) -> Option<ServerCapabilities> {
        self.capabilities
            .get_or_init(|| async {
                let listed = tokio::task::spawn_blocking(platform::capabilities).await;
                match listed {
                    Ok(Ok(list)) => {
                        let capabilities = ServerCapabilities::from_list(&list);
                        tracing::info!(?list, ?capabilities, "notification server capabilities");
                        Some(capabilities)
                    }
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "no notification server; notifications are off");
                        None
                    }
                    Err(error) => {
                        tracing::warn!(%error, "asking the notification server failed");
                        None
                    }
                }
            })
            .await
            .clone()
    }

    fn timezone(&self) -> Tz {
        snapshot_zone(&self.engine.snapshot())
    }

    /// Looks up the current view of `key`. Returns `None` when nothing is left
    /// to prompt for because it is claimed, being claimed or no longer open.
    fn still_open(&self, key: &ReservationKey) -> Option<ReservationView> {
        self.engine
            .snapshot()
            .reservations
            .iter()
            .find(|view| &view.key == key)
            .filter(|view| view.can_check_in)
            .cloned()
    }

    async fn inform(&self, notice: &Notice) {
        let Some(message) = info_message(notice, self.timezone()) else {
            return;
        };
        let Some(capabilities) = self.capabilities().await else {
            return;
        };
        let notification = build(&message, &capabilities, &[]);
        if let Err(error) = platform::show(&notification).await {
            tracing::warn!(%error, summary = %message.summary, "showing a notification failed");
        }
    }

    async fn prompt(
        self: Arc<Self>,
        view: ReservationView,
        moment: Moment,
        office: Option<String>,
    ) {
        let first_time = self
            .shown
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .insert((view.key.clone(), moment));
        if !first_time {
            tracing::debug!(key = %view.key, ?moment, "prompt already shown");
            return;
        }
        let Some(capabilities) = self.capabilities().await else {
            return;
        };
        let mut key = view.key;
        loop {
            let Some(current) = self.still_open(&key) else {
                tracing::debug!(%key, ?moment, "no prompt: the reservation is claimed or closed");
                return;
            };
            let answer = self
                .ask(&current, moment, office.as_deref(), &capabilities)
                .await;
            match self.act(&current, answer).await {
                Next::Done => return,
                Next::AskAgainLater => {
                    tracing::info!(%key, ?moment, "prompt snoozed for 5 minutes");
                    tokio::time::sleep(SNOOZE).await;
                    key = current.key;
                }
            }
        }
    }

    /// Shows one prompt and waits for its answer; `None` when it was
    /// closed or timed out.
    async fn ask(
        &self,
        view: &ReservationView,
        moment: Moment,
        office: Option<&str>,
        capabilities: &ServerCapabilities,
    ) -> Option<NotificationResponse> {
        let message = prompt_message(view, moment, office, self.timezone());
        let mut actions = vec![
            (ACTION_DEFAULT, "Open deskcheck"),
            (ACTION_CHECK_IN, "Check in"),
            (ACTION_SNOOZE, "Remind me in 5 minutes"),
        ];
        if view.can_release {
            actions.push((ACTION_RELEASE, "Release"));
        }
        let notification = build(&message, capabilities, &actions);
        match platform::show_and_wait(&notification, wait_limit(view)).await {
            Ok(answer) => {
                tracing::info!(key = %view.key, ?moment, answered = answer.is_some(), "check-in prompt done");
                answer
            }
            Err(error) => {
                tracing::warn!(key = %view.key, %error, "showing the check-in prompt failed");
                None
            }
        }
    }

    async fn act(&self, view: &ReservationView, answer: Option<NotificationResponse>) -> Next {
        let action = match answer {
            Some(NotificationResponse::Action(action)) => action,
            Some(NotificationResponse::Default) => ACTION_DEFAULT.to_owned(),
            _ => return Next::Done,
        };
        tracing::info!(key = %view.key, action = %action, "notification action");
        match action.as_str() {
            ACTION_CHECK_IN => self.check_in(view).await,
            ACTION_SNOOZE => return Next::AskAgainLater,
            ACTION_RELEASE => window::open(&self.app, View::ConfirmRelease(view.key.clone())),
            _ => window::open(&self.app, View::Main),
        }
        Next::Done
    }

    /// Posts a `manual` claim. The engine's `CheckedIn` or `CheckInFailed`
    /// notice brings the confirmation; only errors the engine does not
    /// announce get a notification here.
    async fn check_in(&self, view: &ReservationView) {
        let place = shorten(&view.place.name, 60);
        let message = match self.engine.check_in(&view.key, CheckInMethod::Manual).await {
            Ok(CheckInOutcome::Claimed { .. }) => return,
            Ok(CheckInOutcome::Pending { error, .. }) => Message {
                summary: format!("Check-in to {place} not confirmed yet"),
                body: format!("deskcheck keeps trying. {}", shorten(&error, 200)),
            },
            Err(error @ deskcheck_core::Error::Graph(_)) => {
                tracing::warn!(key = %view.key, %error, "check-in from the notification failed");
                return;
            }
            Err(error) => Message {
                summary: format!("Could not check in to {place}"),
                body: shorten(&error.to_string(), 200),
            },
        };
        if let Some(capabilities) = self.capabilities().await {
            if let Err(error) = platform::show(&build(&message, &capabilities, &[])).await {
                tracing::warn!(%error, "showing a notification failed");
            }
        }
    }
}

enum Next {
    Done,
    AskAgainLater,
}

/// Waits until the release deadline, within [`MIN_WAIT`] and [`MAX_WAIT`].
fn wait_limit(view: &ReservationView) -> Duration {
    let left = (view.release_deadline - Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO);
    left.clamp(MIN_WAIT, MAX_WAIT)
}

fn build(
    message: &Message,
    capabilities: &ServerCapabilities,
    actions: &[(&str, &str)],
) -> Notification {
    let body = if capabilities.body_markup {
        escape_markup(&message.body)
    } else {
        message.body.clone()
    };
    let mut notification = Notification::new();
    notification
        .appname(APP_NAME)
        .summary(&message.summary)
        .body(&body)
        .icon("deskcheck");
    if capabilities.actions {
        for (id, label) in actions {
            notification.action(id, label);
        }
        if !actions.is_empty() {
            notification.timeout(Timeout::Never);
        }
    }
    notification
}

/// The notification server, on freedesktop desktops (Linux, BSD): the
/// D-Bus notification service with capabilities and actions.
#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use notify_rust::{Notification, NotificationResponse};
    use std::time::Duration;

    pub fn capabilities() -> Result<Vec<String>, String> {
        notify_rust::get_capabilities().map_err(|error| error.to_string())
    }

    pub async fn show(notification: &Notification) -> Result<(), String> {
        notification
            .show_async()
            .await
            .map(drop)
            .map_err(|error| error.to_string())
    }

    /// Shows a prompt and waits up to `wait` for an action; closes it after.
    pub async fn show_and_wait(
        notification: &Notification,
        wait: Duration,
    ) -> Result<Option<NotificationResponse>, String> {
        let handle = notification
            .show_async()
            .await
            .map_err(|error| error.to_string())?;
        tracing::debug!(id = handle.id(), "notification shown");
        let mut answer = None;
        let waited = tokio::time::timeout(
            wait,
            handle.wait_for_action_async(|response| answer = Some(response.clone())),
        )
        .await;
        if waited.is_err() {
            tracing::debug!(?wait, "no answer to the prompt; closing it");
            handle.close_async().await;
        }
        Ok(answer)
    }
}

/// Windows toasts and macOS notifications through notify-rust offer no
/// freedesktop actions, so prompts are shown without buttons and the tray
/// item stays the way to check in.
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod platform {
    use notify_rust::{Notification, NotificationResponse};
    use std::time::Duration;

    pub fn capabilities() -> Result<Vec<String>, String> {
        Ok(vec!["body".to_owned()])
    }

    pub async fn show(notification: &Notification) -> Result<(), String> {
        let notification = notification.clone();
        tokio::task::spawn_blocking(move || {
            notification
                .show()
                .map(drop)
                .map_err(|error| error.to_string())
        })
        .await
        .map_err(|error| error.to_string())?
    }

    pub async fn show_and_wait(
        notification: &Notification,
        _wait: Duration,
    ) -> Result<Option<NotificationResponse>, String> {
        show(notification).await.map(|()| None)
    }
}

#[cfg(test)]
mod tests;
