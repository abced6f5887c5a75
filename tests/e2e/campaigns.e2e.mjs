// End-to-end: a campaign in the real app, at desktop size. The operator writes it (its audience's
// live size shown) and submits it; they cannot approve their own; the administrator approves it in
// the app and starts it; the consumer signed in on the app hears it as an OS notification (seen on
// D-Bus) and finds it in the inbox, then deletes it (gone on the server too); the campaign finishes
// once everyone is reached.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Driver, waitFor } from "./webdriver.mjs";
import { fetchTimed, onCleanup, run, serverUrl, startServer, app } from "./harness.mjs";

// The sender runs every second here (every five by default).
process.env.PORTAL_CAMPAIGN_INTERVAL_SECS = "1";

const driver = new Driver();
const step = (what) => console.log(`e2e campaigns: ${what}`);
const attrOf = (css, name) => driver.execute(`return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null`, [css, name]);

async function api(path, token, init = {}) {
  const res = await fetchTimed(serverUrl + path, {
    ...init,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = res.status === 204 ? null : await res.json();
  assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const token = async (login) =>
  (await api("/v1/auth/sign-in/password", null, { method: "POST", body: JSON.stringify({ login, password: "Portal#2026", device_name: "e2e" }) }))
    .tokens.access_token;

async function signIn(login) {
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', login);
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="greeting"]');
}
async function signOut() {
  await driver.click('[data-testid="sign-out"]');
  await driver.find('[data-testid="submit"]');
}
async function openCampaign(name) {
  await driver.click('[data-testid="nav-campaigns"]');
  await driver.click('[data-testid="campaigns-filter-all"]');
  await waitFor(`${name} listed`, async () =>
    driver.execute(
      `return [...document.querySelectorAll('[data-testid="campaign-open"]')].some((b) => b.textContent === arguments[0])`,
      [name],
    ),
  );
  await driver.execute(
    `[...document.querySelectorAll('[data-testid="campaign-open"]')].find((b) => b.textContent === arguments[0]).click()`,
    [name],
  );
  await driver.find('[data-testid="campaign-view"]');
}

const monitor = spawn("dbus-monitor", ["interface='org.freedesktop.Notifications'"], { stdio: ["ignore", "pipe", "ignore"] });
let notifications = "";
monitor.stdout.on("data", (chunk) => (notifications += chunk));
monitor.on("error", (e) => console.error(`dbus-monitor: ${e.message}`));
onCleanup(() => monitor.kill());

await run("e2e campaigns", driver, async () => {
  await startServer();
  // The consumer wants offers at any hour (the default quiet hours would hold a push at night).
  const consumer = await token("consumer");
  await api("/v1/me/message-preferences", consumer, {
    method: "PUT",
    body: JSON.stringify({ marketing: true, time_zone: "Asia/Shanghai" }),
  });
  await driver.start(app);
  await driver.request("POST", driver.s("/window/rect"), { width: 1440, height: 900 });

  step("the operator writes a campaign, sees its audience's size, and submits it");
  await signIn("operator");
  await driver.click('[data-testid="nav-campaigns"]');
  await driver.click('[data-testid="campaign-new"]');
  const name = `会员日 e2e ${Date.now()}`;
  await driver.fill('[data-testid="campaign-name"]', name);
  await driver.fill('[data-testid="campaign-titleZh"]', "会员日特惠");
  await driver.fill('[data-testid="campaign-titleEn"]', "Members' day");
  await driver.fill('[data-testid="campaign-bodyZh"]', "全场九折，仅限今天");
  await driver.fill('[data-testid="campaign-bodyEn"]', "10% off, today only");
  await driver.fill('[data-testid="campaign-holdout"]', "0");
  await waitFor("the audience's size", async () => Number((await attrOf('[data-testid="campaign-size"]', "data-size")) || 0) >= 1);
  await driver.fill('[data-testid="campaign-bodyEn"]', "");
  await driver.click('[data-testid="campaign-save"]');
  await driver.find('[data-testid="campaign-bad"][data-field="bodyEn"]');
  await driver.fill('[data-testid="campaign-bodyEn"]', "10% off, today only");
  await driver.click('[data-testid="campaign-save"]');
  await driver.find('[data-testid="campaign-view"][data-status="draft"]');
  await driver.click('[data-testid="campaign-submit"]');
  await driver.find('[data-testid="campaign-view"][data-status="submitted"]');
  assert.equal(await driver.execute(`return document.querySelectorAll('[data-testid="campaign-approve"]').length`), 0, "not their own");
  await signOut();

  step("the administrator approves it in the app and starts it");
  await signIn("admin");
  await openCampaign(name);
  await driver.click('[data-testid="campaign-approve"]');
  await driver.find('[data-testid="campaign-view"][data-status="approved"]');
  await driver.click('[data-testid="campaign-start"]');
  await driver.find('[data-testid="campaign-view"][data-status="running"]');
  const steps = await driver.execute(
    `return [...document.querySelectorAll('[data-testid="campaign-steps"] tr[data-action]')].map((r) => r.dataset.action)`,
  );
  assert.deepEqual(steps, ["edit", "submit", "approve", "start"]);
  await signOut();

  step("the consumer's app raises the OS notification and keeps it in the inbox");
  await signIn("consumer");
  await waitFor(
    "an OS notification of the campaign",
    async () => (notifications.includes("Notify") && notifications.includes("会员日特惠")) || notifications.slice(-300),
    60000,
  );
  await driver.click('[data-testid="nav-home"]');
  await driver.find('[data-testid="inbox-message"][data-kind="campaign"]', { timeoutMs: 40000 });

  step("the consumer deletes the message: gone here at once, and on the server for every device");
  await driver.click('[data-testid="inbox-message"][data-kind="campaign"] [data-testid="inbox-delete"]');
  await waitFor("the message gone from the app", async () =>
    (await driver.execute(`return document.querySelectorAll('[data-testid="inbox-message"][data-kind="campaign"]').length`)) === 0,
  );
  const consumerToken = await token("consumer");
  await waitFor("the message gone on the server", async () => {
    const inbox = await api("/v1/me/inbox", consumerToken);
    return inbox.messages.every((m) => m.kind !== "campaign");
  }, 15000);

  step("the campaign finishes once everyone is reached");
  const admin = await token("admin");
  await waitFor("the campaign finished", async () => {
    const list = await api("/v1/campaigns?status=finished", admin);
    return list.campaigns.some((c) => c.name === name);
  }, 30000);
});
