// The idle-timeout warning (wgll/sessions.py). Shortly before the session would end, ask the server
// how long it really has left (another tab may have kept it going; this check does not extend it),
// then either wait again or show the dialog with a countdown. "Stay signed in" posts the dialog's
// form in the background; at zero the page goes to the timed-out page, which signs nobody in.
const dialog = document.getElementById("session-timeout");
const BACKGROUND = { "X-Portal-Background": "1", Accept: "application/json" };

function words(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

async function secondsLeft() {
  const response = await fetch(dialog.dataset.statusUrl, { headers: BACKGROUND, credentials: "same-origin" });
  if (!response.ok) return 0;
  return (await response.json()).seconds_left;
}

let countdown = null;
let check = null;

function schedule(seconds) {
  clearTimeout(check);
  const warning = Number(dialog.dataset.warningSeconds);
  check = setTimeout(decide, Math.max(0, seconds - warning) * 1000);
}

async function decide() {
  let left;
  try {
    left = await secondsLeft();
  } catch {
    left = Number(dialog.dataset.warningSeconds); // offline for a moment: warn, and let the server decide
  }
  if (left <= 0) {
    window.location.assign(dialog.dataset.timedOutUrl);
  } else if (left > Number(dialog.dataset.warningSeconds)) {
    schedule(left);
  } else {
    warn(left);
  }
}

function warn(left) {
  const text = dialog.querySelector("[data-countdown]");
  let remaining = left;
  text.textContent = words(remaining);
  if (!dialog.open) dialog.showModal();
  clearInterval(countdown);
  countdown = setInterval(() => {
    remaining -= 1;
    text.textContent = words(Math.max(remaining, 0));
    if (remaining <= 0) {
      clearInterval(countdown);
      decide();
    }
  }, 1000);
}

async function stay(event) {
  event.preventDefault();
  const form = event.target;
  const response = await fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  clearInterval(countdown);
  dialog.close();
  if (!response.ok) {
    window.location.assign(dialog.dataset.timedOutUrl);
    return;
  }
  schedule((await response.json()).seconds_left);
}

if (dialog) {
  dialog.querySelector("form").addEventListener("submit", stay);
  schedule(Number(dialog.dataset.idleSeconds));
}
