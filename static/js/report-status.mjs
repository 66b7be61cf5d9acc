// Progressive enhancement of the board report page: while a report is being produced, fetch the
// page again every few seconds and swap in its list of versions, so the status and the download
// link appear without a reload. Without JavaScript, a <noscript> meta refresh does the same.
// A region with a data-source fetches that page instead (the ICS dashboard's board pack section
// fetches the pack page, whose region is the same partial).
const REGION_ID = "report-versions";
const INTERVAL_MS = 2000;

async function refresh() {
  const source = document.getElementById(REGION_ID)?.dataset.source || window.location.href;
  // A background request (wgll/sessions.py): polling does not keep an idle session alive.
  const headers = { Accept: "text/html", "X-Portal-Background": "1" };
  const response = await fetch(source, { headers, credentials: "same-origin" });
  if (!response.ok) return false;
  const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(REGION_ID);
  const current = document.getElementById(REGION_ID);
  if (!next || !current) return false;
  current.replaceWith(next);
  return next.dataset.pending === "true";
}

async function poll() {
  let pending = true;
  while (pending) {
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    try {
      pending = await refresh();
    } catch {
      pending = true; // a dropped request: try again on the next tick
    }
  }
}

if (document.getElementById(REGION_ID)?.dataset.pending === "true") {
  poll();
}
