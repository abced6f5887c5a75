// End-to-end: a dealer's order through the whole chain in the real app, at desktop size. The
// distributor pastes lines (a bad line is reported and nothing added), prices them and sends an
// order over the credit line; the business manager releases it and plans the dealer's next month;
// the order center allocates it from what it has and ships it; the store's promoter counts it in on the tablet, which books the store's stock and
// marks the order received; the store sells some. The store's ledger and the order agree, and the
// distributor heard of each change from the OS.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Driver, waitFor } from "./webdriver.mjs";
import { app, fetchTimed, onCleanup, run, serverUrl, startServer } from "./harness.mjs";

const driver = new Driver();
const step = (what) => console.log(`e2e orders: ${what}`);
const SHANGHAI = "01900000-0000-7000-8000-000000000101";
const DEALER_EAST = "01900000-0000-7000-8000-000000000201";
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
const invoke = (command, args = {}) =>
  driver.executeAsync(
    "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ error: e }));",
    [command, args],
  );

async function resize(width, height) {
  await driver.request("POST", driver.s("/window/rect"), { width, height });
  await waitFor(`a ${width}-pixel-wide page`, async () => (await driver.execute("return window.innerWidth")) === width, 10000);
}
/**
 * Signs in and waits for the catalog the role sees (prices differ by role, so each sign-in syncs it
 * anew): the app's window answers every command while it syncs, but a test's clicks are timed.
 */
async function signIn(login) {
  const since = Math.floor(Date.now() / 1000);
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', login);
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="greeting"]');
  await waitFor(`${login}'s catalog`, async () => ((await invoke("catalog_status")).synced_at ?? 0) >= since, 120000);
}
async function signOut() {
  await driver.click('[data-testid="sign-out"]');
  await driver.find('[data-testid="submit"]');
}

const monitor = spawn("dbus-monitor", ["interface='org.freedesktop.Notifications'"], { stdio: ["ignore", "pipe", "ignore"] });
let notifications = "";
monitor.stdout.on("data", (chunk) => (notifications += chunk));
monitor.on("error", (e) => console.error(`dbus-monitor: ${e.message}`));
onCleanup(() => monitor.kill());

await run("e2e orders", driver, async () => {
  await startServer();
  const admin = await token("admin");
  const catalog = await api("/v1/admin/catalog/export", admin);
  const onSale = catalog.products.filter((p) => p.lifecycle === "on_sale");
  // Sold without a serial number at the counter: an accessory.
  const first = onSale.filter((p) => p.category === "accessory").flatMap((p) => p.skus).find((s) => s.distributor_price);
  const second = onSale.filter((p) => p.category !== "accessory").flatMap((p) => p.skus).find((s) => s.distributor_price);
  // A line the first order goes over: less than 4 of the first and 2 of the second.
  const total = first.distributor_price * 4 + second.distributor_price * 2;
  await api(`/v1/dealers/${DEALER_EAST}/credit`, admin, {
    method: "PUT",
    body: JSON.stringify({ limit: total - 100, reason: "e2e: a line the order passes" }),
  });

  // A monthly rebate on what the dealer's stores sell onward.
  await api("/v1/admin/rebate-rules", admin, {
    method: "POST",
    body: JSON.stringify({ name: "月度实销返利", basis: "sold_onward", period: "month", paid_as: "credit", starts_on: "2026-01-01",
                           tiers: [{ from: 1, basis_points: 300 }] }),
  });

  await driver.start(app);
  await resize(1440, 900);

  step("the distributor pastes lines: a bad line is reported, then the good ones are added");
  await signIn("distributor");
  await driver.click('[data-testid="nav-orders"]');
  await driver.find('[data-testid="dealer-desk"]');
  await driver.click('[data-testid="new-order"]');
  // To the store whose promoter counts it in below.
  await driver.click(`[data-testid="order-ship-to"] option[value="${SHANGHAI}"]`);
  await waitFor("the store chosen", async () => (await driver.execute(`return document.querySelector('[data-testid="order-ship-to"]').value`)) === SHANGHAI);
  await driver.fill('[data-testid="quick-order-text"]', `${first.code} 4\n${second.code} two\n`);
  await driver.click('[data-testid="quick-order-read"]');
  await driver.find('[data-testid="quick-order-bad"]', { text: "第 2 行" });
  assert.equal(await driver.execute(`return document.querySelectorAll('[data-testid="order-cart"] tbody tr').length`), 0, "nothing added");
  await driver.fill('[data-testid="quick-order-text"]', `sku,qty\n${first.code},4\n${second.code.toLowerCase()};2\n`);
  await driver.click('[data-testid="quick-order-read"]');
  await driver.find(`[data-testid="order-cart"] tr[data-sku="${second.code}"]`);

  step("prices from the server: over the line, the order will wait for a review; send it");
  await driver.click('[data-testid="order-price"]');
  await waitFor("the quote", async () => (await attrOf('[data-testid="order-quote"]', "data-goes-to")) === "credit_review");
  await driver.click('[data-testid="order-send"]');
  await driver.find('[data-testid="dealer-desk"]');
  await waitFor("the order on the desk", async () => (await attrOf('[data-testid="dealer-orders"] tr[data-order]', "data-status")) === "credit_review", 30000);
  const orderId = await attrOf('[data-testid="dealer-orders"] tr[data-order]', "data-order");
  await signOut();

  step("the business manager releases it");
  await signIn("sales");
  await driver.click('[data-testid="nav-orders"]');
  await driver.click(`[data-testid="order-queue"] tr[data-order="${orderId}"] td`);
  await driver.find('[data-testid="order-view"][data-status="credit_review"]');
  await driver.click('[data-testid="order-release_credit"]');
  await driver.find('[data-testid="order-view"][data-status="confirmed"]');

  step("the business manager plans the dealer's next month (需求计划)");
  await driver.click('[data-testid="order-back"]');
  await driver.click('[data-testid="manager-dealers"] tr[data-dealer="D-EAST"] [data-testid="plan-open"]');
  await driver.find('[data-testid="demand-plan"]');
  await driver.fill('[data-testid="plan-add-sku"]', first.code);
  await driver.click('[data-testid="plan-add"]');
  const months = await driver.execute(`return [...document.querySelectorAll('[data-testid="plan-rows"] thead th')].map((th) => th.textContent)`);
  const nextMonth = months.at(-2).match(/\d{4}-\d{2}/)[0];
  await driver.fill(`[data-testid="plan-${first.code}-${nextMonth}"]`, "12");
  await driver.click('[data-testid="plan-save"]');
  await driver.find('[data-testid="plan-saved"]');
  const plan = await api(`/v1/dealers/${DEALER_EAST}/demand-plan`, admin);
  assert.equal(plan.rows.find((r) => r.sku === first.code).cells.find((c) => c.month === nextMonth).planned, 12, "kept by the server");

  step("a line above the manager's authority is asked of the order center");
  await driver.click('[data-testid="manager-dealers"] tr[data-dealer="D-EAST"] [data-testid="credit-edit"]');
  await driver.fill('[data-testid="credit-limit"]', "8000000");
  await driver.fill('[data-testid="credit-reason"]', "e2e: peak season");
  await driver.click('[data-testid="credit-save"]');
  await driver.click('[data-testid="credit-ask"]');
  await driver.find('[data-testid="credit-asked"]');
  await signOut();

  step("the order center allocates the first SKU from what it has (货源分配), then ships");
  await signIn("admin");
  await driver.click('[data-testid="nav-orders"]');
  await driver.find('[data-testid="approvals-rows"] tr[data-kind="credit_limit"]');
  await driver.fill('[data-testid="approval-reason"]', "e2e: approved for the season");
  await driver.click('[data-testid="approval-approve"]');
  await waitFor("the line approved", async () => (await api(`/v1/dealers/${DEALER_EAST}/credit`, admin)).limit === 800000000, 15000);
  await driver.fill('[data-testid="allocation-sku"]', first.code);
  await driver.click('[data-testid="allocation-look"]');
  await waitFor("what waits for the SKU", async () => (await attrOf('[data-testid="allocation-demand"]', "data-wanted")) === "4");
  await driver.fill('[data-testid="allocation-available"]', "4");
  await driver.click('[data-testid="allocation-run"]');
  await driver.find(`[data-testid="allocation-grants"] tr[data-order="${orderId}"]`);
  await driver.click('[data-testid="queue-to_ship"]');
  await driver.click(`[data-testid="order-queue"] tr[data-order="${orderId}"] td`);
  await driver.find('[data-testid="order-view"][data-status="allocated"]');
  assert.equal(await attrOf(`[data-testid="allocation-${first.code}"]`, "data-allocated"), "4", "the line shows its allocation");
  await driver.click('[data-testid="order-ship"]');
  await driver.find('[data-testid="order-view"][data-status="shipped"]');
  await signOut();

  step("the promoter counts it in on the tablet");
  await resize(1024, 768);
  await signIn("promoter");
  await driver.click('[data-testid="nav-store"]');
  await driver.click('[data-testid="pos-goods_in"]');
  await driver.click('[data-testid="goods-in-start"]');
  await driver.fill(`[data-testid="goods-in-received-${second.code}"]`, "3");
  await waitFor("a count beyond the shipment to be refused here", async () =>
    driver.execute(`return document.querySelector('[data-testid="goods-in-submit"]').disabled`),
  );
  await driver.fill(`[data-testid="goods-in-received-${second.code}"]`, "2");
  await driver.click('[data-testid="goods-in-submit"]');
  await driver.find('[data-testid="goods-in-done"]');
  const promoter = await token("promoter");
  await waitFor("the order received", async () => (await api(`/v1/orders/${orderId}`, admin)).status === "received", 30000);
  const onHand = async (sku) => (await api(`/v1/stores/${SHANGHAI}/stock`, promoter)).levels.find((l) => l.sku === sku)?.on_hand ?? 0;
  assert.equal(await onHand(first.code), 4, "booked once into the store's stock");
  assert.equal(await onHand(second.code), 2);

  step("the store sells some, from the app's outbox");
  const shift = crypto.randomUUID();
  const open = await invoke("record_store_op", { storeId: SHANGHAI, action: { type: "open_shift", shift_id: shift, opening_cash: 0 } });
  assert.ok(!open?.error, JSON.stringify(open));
  const price = catalog.products.flatMap((p) => p.skus).find((s) => s.code === first.code).list_price;
  const sale = await invoke("record_store_op", {
    storeId: SHANGHAI,
    action: {
      type: "sale", sale_id: crypto.randomUUID(), shift_id: shift, receipt_no: `E2E-${Date.now()}`,
      lines: [{ sku: first.code, quantity: 1, unit_price: price, discount: 0 }],
      payments: [{ method: "card", amount: price }],
    },
  });
  assert.ok(!sale?.error, JSON.stringify(sale));
  await waitFor("the sale booked", async () => (await onHand(first.code)) === 3, 30000);
  const order = await api(`/v1/orders/${orderId}`, admin);
  assert.deepEqual(
    order.lines.map((l) => [l.sku, l.received]),
    [[first.code, 4], [second.code, 2]],
    "the order and the store's ledger agree",
  );

  step("the distributor hears of the order's changes from the OS");
  await signOut();
  await resize(1440, 900);
  await signIn("distributor");
  await waitFor("an OS notification of the order", async () => notifications.includes("已收货") || notifications.slice(-300), 90000);
  await driver.click('[data-testid="nav-orders"]');
  await driver.find(`[data-testid="dealer-orders"] tr[data-order="${orderId}"][data-status="received"]`);

  step("the month's rebate counts what the store sold, not what it was sent");
  const rebate = '[data-testid="rebates-pending"] tr[data-rule="月度实销返利"]';
  await driver.find(rebate);
  assert.equal(Number(await attrOf(rebate, "data-sell-through")), first.distributor_price, "one sold, at the dealer's price");
  assert.equal(Number(await attrOf(rebate, "data-amount")), Math.floor((first.distributor_price * 300) / 10000));

  step("the month's statement shows the credit the order holds, and is saved as CSV");
  await driver.click('[data-testid="statement-show"]');
  await driver.find('[data-testid="statement-lines"] tr[data-kind="reserve"]');
  await driver.click('[data-testid="statement-csv"]');
  await driver.find('[data-testid="statement-saved"]');
  const saved = await attrOf('[data-testid="statement-saved"]', "data-path");
  assert.ok(saved.startsWith(process.env.PORTAL_APP_DOWNLOADS_DIR), saved);
  const csv = readFileSync(saved, "utf8");
  assert.ok(csv.startsWith("\ufefftime,kind,amount,order,reason,receivables,reserved,credit_line\n"), csv.slice(0, 120));
  assert.ok(csv.includes(",reserve,"), "the order's reservation is in the file");
  assert.equal(await attrOf('[data-testid="statement-closing"]', "data-receivables"), "0", "received, not yet invoiced");
});
