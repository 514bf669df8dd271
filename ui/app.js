// The deskcheck window: renders the engine's snapshot and sends the
// person's actions to the app's commands. All text goes in through
// textContent, never as HTML, so names from the calendar cannot inject markup.
"use strict";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

const state = { snapshot: null, confirmKey: null };

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function zoneOf(snapshot) {
  return snapshot && snapshot.timezone ? snapshot.timezone : "UTC";
}

function clock(iso, zone) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
}

function dayKey(date, zone) {
  return date.toLocaleDateString("en-CA", { timeZone: zone });
}

function stateText(view, zone) {
  if (view.claim) {
    const at = view.claim.at ? ` at ${clock(view.claim.at, zone)}` : "";
    return `Checked in (${view.claim.method})${at}`;
  }
  if (view.pending) return "Checking in…";
  switch (view.state) {
    case "open": return `Check-in open until ${clock(view.release_deadline, zone)}`;
    case "upcoming": return `Check-in opens at ${clock(view.window_opens, zone)}`;
    case "missed": return "Missed: the booking was released";
    case "ended": return "Ended";
    default: return view.state;
  }
}

function showError(message) {
  const node = $("action-error");
  node.textContent = message || "";
  node.hidden = !message;
}

async function act(command, args) {
  showError("");
  try {
    return await invoke(command, args);
  } catch (error) {
    showError(String(error));
    return undefined;
  } finally {
    await refresh();
  }
}

function reservationItem(view, zone) {
  const item = el("li", "reservation " + (view.error ? "failed" : view.state));
  item.dataset.key = view.key;
  item.append(el("span", "place", view.place.name));
  const when = view.is_all_day ? "All day" : `${clock(view.start, zone)}–${clock(view.end, zone)}`;
  const building = view.place.building ? ` · ${view.place.building}` : "";
  item.append(el("span", "muted", `${when}${building} · ${view.subject}`));
  item.append(el("span", "status", stateText(view, zone)));
  if (view.error) item.append(el("span", "error", view.error));

  const buttons = el("div", "buttons");
  if (view.can_check_in) {
    const button = el("button", "primary check-in", "Check in");
    button.type = "button";
    button.addEventListener("click", () => {
      button.disabled = true;
      act("check_in", { key: view.key });
    });
    buttons.append(button);
  }
  if (view.can_release) {
    const button = el("button", "release", "Release…");
    button.type = "button";
    button.addEventListener("click", () => showConfirm(view.key));
    buttons.append(button);
  }
  item.append(buttons);
  return item;
}

function renderAccount(snapshot) {
  const account = snapshot.account;
  let text = account.signed_in ? "Signed in" : "Signed out";
  if (account.demo) text += " to the demo tenant (simulated)";
  if (account.message) text += `: ${account.message}`;
  $("account").textContent = text;
  $("sign-in").hidden = account.signed_in || account.demo;
  $("sign-in-code").hidden = account.signed_in || account.demo;
  $("sign-out").hidden = !account.signed_in || account.demo;
  if (account.signed_in) $("device-code").hidden = true;
}

async function signInWithCode() {
  const code = await act("sign_in_with_code");
  if (!code) return;
  $("device-uri").textContent = code.verification_uri;
  $("device-user-code").textContent = code.user_code;
  $("device-message").textContent = code.message;
  $("device-code").hidden = false;
}

function renderToday(snapshot) {
  const zone = zoneOf(snapshot);
  const today = dayKey(new Date(), zone);
  const views = snapshot.reservations.filter(
    (view) => dayKey(new Date(view.start), zone) <= today && dayKey(new Date(view.end), zone) >= today,
  );
  const list = $("reservations");
  list.replaceChildren(...views.map((view) => reservationItem(view, zone)));

  const empty = $("empty");
  empty.hidden = views.length > 0;
  empty.textContent = snapshot.places_known === 0 && snapshot.last_sync
    ? "This tenant lists no places, so deskcheck cannot match bookings to desks or rooms."
    : "Nothing booked today.";

  $("sync").textContent = snapshot.last_sync
    ? `Last sync at ${clock(snapshot.last_sync, zone)} (${zone})`
    : "Not synced yet";
  const syncError = $("sync-error");
  syncError.hidden = !snapshot.sync_error;
  syncError.textContent = snapshot.sync_error ? `Sync failed: ${snapshot.sync_error}` : "";
}

function renderSettings(snapshot) {
  const automatic = snapshot.automatic;
  $("automatic").checked = automatic.enabled === true;
  const paused = $("paused");
  paused.hidden = !automatic.paused_until;
  paused.textContent = automatic.paused_until
    ? `Paused until ${clock(automatic.paused_until, zoneOf(snapshot))}`
    : "";
}

function renderConfirm() {
  const section = $("confirm");
  const view = state.snapshot && state.snapshot.reservations.find((r) => r.key === state.confirmKey);
  section.hidden = !view;
  if (!view) return;
  const zone = zoneOf(state.snapshot);
  $("confirm-text").textContent =
    `${view.place.name}, ${clock(view.start, zone)}–${clock(view.end, zone)} (${view.subject})`;
}

function render() {
  const snapshot = state.snapshot;
  if (!snapshot) return;
  renderAccount(snapshot);
  renderToday(snapshot);
  renderSettings(snapshot);
  renderConfirm();
}

function showConfirm(key) {
  state.confirmKey = key;
  renderConfirm();
  $("confirm").scrollIntoView();
}

function applyView(fragment) {
  const [name, value] = fragment.replace(/^#/, "").split("=");
  state.confirmKey = name === "confirm-release" && value ? decodeURIComponent(value.replace(/\+/g, " ")) : null;
  render();
  if (name === "account") $("account").scrollIntoView();
}

async function refresh() {
  state.snapshot = await invoke("get_snapshot");
  render();
}

async function loadSettings() {
  const settings = await invoke("get_settings");
  const rows = [
    ["Check-in opens", `${settings.window_opens_before_minutes} min before the start`],
    ["Reminder", `${settings.reminder_before_release_minutes} min before release`],
    ["Desks released after", `${settings.release_after_desk_minutes} min`],
    ["Rooms released after", `${settings.release_after_room_minutes} min`],
    ["Desk pools released after", `${settings.release_after_workspace_minutes} min`],
    ["Sync every", `${settings.sync_every_seconds} s`],
    ["Time zone", settings.timezone],
  ];
  $("policy").replaceChildren(...rows.flatMap(([name, value]) => [el("dt", "", name), el("dd", "", value)]));
  try {
    $("autostart").checked = await invoke("get_autostart");
  } catch (error) {
    $("autostart").disabled = true;
    $("autostart").title = String(error);
  }
}

function wire() {
  $("sync-now").addEventListener("click", () => act("sync_now"));
  $("sign-in").addEventListener("click", () => act("sign_in"));
  $("sign-in-code").addEventListener("click", () => signInWithCode());
  $("sign-out").addEventListener("click", () => act("sign_out"));
  $("add-office").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("office-name").value;
    const building = $("office-building").value;
    const office = await act("add_current_network", { name, building });
    if (!office) return;
    const signals = ["gateway_macs", "gateway_ips", "subnets", "bssids", "ssids"]
      .filter((key) => office[key] && office[key].length)
      .map((key) => `${key.replace("_", " ")}: ${office[key].join(", ")}`);
    $("office-result").textContent = `Added ${office.name}: ${signals.join("; ")}.`;
    $("office-result").hidden = false;
  });
  $("copy-code").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("device-user-code").textContent);
      $("copy-code").textContent = "Copied";
    } catch (error) {
      showError(`Copying failed: ${error}; select the code and copy it by hand.`);
    }
  });
  $("automatic").addEventListener("change", (event) => act("set_automatic", { enabled: event.target.checked }));
  $("autostart").addEventListener("change", async (event) => {
    const enabled = await act("set_autostart", { enabled: event.target.checked });
    if (enabled !== undefined) event.target.checked = enabled;
  });
  $("confirm-cancel").addEventListener("click", () => {
    state.confirmKey = null;
    renderConfirm();
  });
  $("confirm-release").addEventListener("click", async () => {
    const key = state.confirmKey;
    state.confirmKey = null;
    await act("release", { key });
  });
}

async function start() {
  wire();
  await listen("snapshot", (event) => {
    state.snapshot = event.payload;
    render();
  });
  await listen("navigate", (event) => applyView(String(event.payload)));
  await refresh();
  applyView(window.location.hash);
  await loadSettings();
}

start().catch((error) => showError(String(error)));
