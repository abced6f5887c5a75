// End-to-end: a campaign in the real app, at desktop size. The operator writes it (its audience's
// live size shown) and submits it; they cannot approve their own; the administrator approves it in
// the app and starts it; the consumer signed in on the app hears it as an OS notification (seen on
// D-Bus) and finds it in the inbox, then deletes it (gone on the server too); the coupon the campaign
// issued is in the wallet with its code, a promoter takes it at the till (checked on the tablet), the
// campaign's desk shows it redeemed, and the campaign finishes once everyone is reached.
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
  // Each person reached gets a ¥10 coupon, valid for 30 days.
  await driver.fill('[data-testid="campaign-coupon"]', "amount");
  await driver.fill('[data-testid="campaign-couponAmount"]', "10");
  const until = new Date(Date.now() + 30 * 86_400_000);
  const pad = (n) => String(n).padStart(2, "0");
  const untilText = `${until.getFullYear()}-${pad(until.getMonth() + 1)}-${pad(until.getDate())}T${pad(until.getHours())}:${pad(until.getMinutes())}`;
  await driver.fill('[data-testid="campaign-couponUntil"]', untilText);
  await driver.click('[data-testid="campaign-save"]');
  await driver.find('[data-testid="campaign-view"][data-status="draft"]');
  await driver.find('[data-testid="campaign-coupon-terms"]');
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

  step("the consumer's wallet holds the coupon, its code shown as a QR symbol");
  await driver.find('[data-testid="wallet-coupon"][data-state="usable"]', { timeoutMs: 20000 });
  await driver.click('[data-testid="wallet-coupon"][data-state="usable"] [data-testid="wallet-show"]');
  await driver.find('[data-testid="wallet-qr"]');
  const code = await attrOf('[data-testid="wallet-coupon"][data-state="usable"]', "data-code");
  assert.ok(code?.startsWith("CP1."), code);
  await signOut();

  step("a promoter takes the coupon at the till, checked on the tablet, and the sale lands");
  const admin = await token("admin");
  const exported = await api("/v1/admin/catalog/export", admin);
  const accessory = exported.products.find((p) => p.lifecycle === "on_sale" && p.category === "accessory").skus[0];
  await signIn("promoter");
  await driver.click('[data-testid="nav-store"]');
  await driver.click('[data-testid="pos-shift"]');
  if (await driver.exists('[data-testid="open-shift"]')) {
    await driver.fill('[data-testid="opening-cash"]', "0");
    await driver.click('[data-testid="open-shift"]');
  }
  await driver.click('[data-testid="pos-sell"]');
  await driver.fill('[data-testid="scan-input"]', accessory.barcode);
  await driver.sendKeys('[data-testid="scan-input"]', "\uE007");
  await driver.find(`[data-testid="cart-line"][data-sku="${accessory.code}"]`);
  await driver.fill('[data-testid="coupon-code"]', "CP1.not-a-coupon");
  await driver.click('[data-testid="coupon-apply"]');
  await driver.find('[data-testid="coupon-refused"][data-reason="malformed"]');
  await driver.fill('[data-testid="coupon-code"]', code);
  await waitFor("the coupon applied", async () => {
    if (!(await driver.exists('[data-testid="coupon-applied"]'))) await driver.click('[data-testid="coupon-apply"]').catch(() => {});
    return (await attrOf('[data-testid="coupon-applied"]', "data-off")) === String(Math.min(1000, accessory.list_price));
  }, 20000);
  await waitFor("the amount owed", async () => Number(await attrOf('[data-testid="amount-owed"]', "data-owed")) > 0);
  const owed = Number(await attrOf('[data-testid="amount-owed"]', "data-owed"));
  await driver.fill('[data-testid="pay-cash"]', String(Math.ceil(owed / 100)));
  await driver.click('[data-testid="checkout"]');
  await driver.find('[data-testid="receipt"]');
  await waitFor("the sale sent", async () => (await attrOf('[data-testid="pos-pending"]', "data-count")) === "0", 30000);
  await signOut();

  step("the campaign's desk shows the coupon redeemed");
  await signIn("operator");
  await openCampaign(name);
  await waitFor("the redemption counted", async () => (await attrOf('[data-testid="campaign-coupons"]', "data-redeemed")) === "1" || (await driver.click('[data-testid="nav-home"]'), await openCampaign(name), false), 30000);
  // The funnel: the people reached, one of them bought at the counter since it started.
  await waitFor("the funnel", async () => Number(await attrOf('[data-testid="campaign-funnel"]', "data-reached")) >= 1);
  await signOut();

  step("the campaign finishes once everyone is reached");
  await waitFor("the campaign finished", async () => {
    const list = await api("/v1/campaigns?status=finished", admin);
    return list.campaigns.some((c) => c.name === name);
  }, 30000);
});
