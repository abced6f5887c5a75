// End-to-end: the point of sale in the real app, with the server stopped. A promoter opens a shift,
// sells two products (one by a barcode typed by a keyboard-wedge scanner onto the page, one
// serialised with its serial number) to a customer found by phone, with a gift; the sale waits in
// the outbox. The server starts again: the sale lands once, in the store's day report and in the
// customer's purchases. Then the store manager sets the promoter's discount limit from the app, and
// takes back part of the promoter's sale at their own tablet, finding the receipt by its number.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Driver, Keys, waitFor } from "./webdriver.mjs";
import { app, fetchTimed, onCleanup, run, serverUrl, startServer, stopServer } from "./harness.mjs";

const driver = new Driver();
const step = (what) => console.log(`e2e pos: ${what}`);
const SHANGHAI = "01900000-0000-7000-8000-000000000101";
const CUSTOMER_PHONE = "13900000005"; // the demo consumer
const textOf = (css) => driver.execute(`return document.querySelector(arguments[0])?.textContent ?? null`, [css]);
const attrOf = (css, name) => driver.execute(`return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null`, [css, name]);

async function api(path, token, init = {}) {
  const res = await fetchTimed(serverUrl + path, {
    ...init,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = await res.json();
  assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const signIn = async (login) =>
  (await api("/v1/auth/sign-in/password", null, { method: "POST", body: JSON.stringify({ login, password: "Portal#2026", device_name: "e2e" }) }))
    .tokens.access_token;

/** Calls one of the app's own commands from its page. */
const invoke = (command, args = {}) =>
  driver.executeAsync(
    "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ error: e }));",
    [command, args],
  );

/**
 * Types keys the way a keyboard-wedge scanner does: into whatever has the focus, then Enter. Key
 * events on purpose (the page listens for them); to enter text in a field, tests use `fill`.
 */
async function wedgeScan(code) {
  await driver.execute("document.activeElement && document.activeElement !== document.body && document.activeElement.blur()");
  const keys = [...code].flatMap((k) => [{ type: "keyDown", value: k }, { type: "keyUp", value: k }]);
  keys.push({ type: "keyDown", value: Keys.ENTER }, { type: "keyUp", value: Keys.ENTER });
  await driver.request("POST", driver.s("/actions"), { actions: [{ type: "key", id: "scanner", actions: keys }] });
}

// OS notifications are D-Bus calls to org.freedesktop.Notifications in this session: watch them.
const monitor = spawn("dbus-monitor", ["interface='org.freedesktop.Notifications'"], { stdio: ["ignore", "pipe", "ignore"] });
let notifications = "";
monitor.stdout.on("data", (chunk) => (notifications += chunk));
monitor.on("error", (e) => console.error(`dbus-monitor: ${e.message}`)); // the waits for notifications then fail
onCleanup(() => monitor.kill());

await run("e2e pos", driver, async () => {
  await startServer();
  // What to sell: an accessory by barcode, a TV (serialised), another accessory as the gift.
  const admin = await signIn("admin");
  const catalog = await api("/v1/admin/catalog/export", admin);
  const onSale = catalog.products.filter((p) => p.lifecycle === "on_sale");
  const accessories = onSale.filter((p) => p.category === "accessory");
  const item = accessories[0].skus[0];
  const gift = accessories[1].skus[0];
  const tv = onSale.find((p) => p.category.startsWith("tv")).skus[0];
  const serial = `SN-E2E-${Date.now()}`;

  await driver.start(app);
  step("sign in as the promoter and let the catalog sync");
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', "promoter");
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="home-store"]');
  await driver.click('[data-testid="nav-products"]');
  await driver.find('[data-testid="catalog-updated"]', { text: "目录更新于", timeoutMs: 60000 });
  // The whole catalog, not just its first pages, before the network goes.
  await waitFor("the whole catalog", async () => (await invoke("catalog_status")).products >= catalog.products.length, 60000);

  step("the server goes down; open a shift offline");
  await stopServer();
  await driver.click('[data-testid="nav-store"]');
  await driver.click('[data-testid="pos-shift"]');
  await driver.fill('[data-testid="opening-cash"]', "500");
  await driver.click('[data-testid="open-shift"]');
  await waitFor("the shift to open", async () => (await textOf('[data-testid="pos-shift-status"]'))?.includes("开班") && !(await textOf('[data-testid="pos-shift-status"]')).includes("未开班"));

  step("scan: an unknown barcode is refused, a real one added, from anywhere on the screen");
  await driver.click('[data-testid="pos-sell"]');
  await driver.find('[data-testid="scan-input"]');
  await wedgeScan("0000000000000");
  await waitFor("the unknown-barcode error", async () => (await attrOf('[data-testid="error"]', "data-code")) === "unknown_barcode");
  await wedgeScan(item.barcode);
  await waitFor("the scanned line", async () =>
    (await attrOf('[data-testid="cart-line"]', "data-sku")) === item.code ||
    [item.barcode, await attrOf('[data-testid="error"]', "title"), await textOf('[data-testid="last-scan"]'), await driver.execute("return document.activeElement?.outerHTML?.slice(0, 120)")],
  );

  step("a serialised TV with its serial number");
  // Enter as a key press: the scan box submits its form on it.
  await driver.fill('[data-testid="scan-input"]', tv.barcode);
  await driver.sendKeys('[data-testid="scan-input"]', Keys.ENTER);
  await driver.find(`[data-testid="cart-line"][data-sku="${tv.code}"] [data-testid="serial-input"]`);
  await driver.fill(`[data-testid="cart-line"][data-sku="${tv.code}"] [data-testid="serial-input"]`, serial);

  step("a gift from the gift stock, scanned in gift mode");
  await driver.click('[data-testid="gift-mode"]');
  await wedgeScan(gift.barcode);
  await driver.find('[data-testid="gifts"]');
  await driver.click('[data-testid="gift-mode"]');

  step("the customer by phone, and cash with change");
  await driver.fill('[data-testid="customer-phone"]', CUSTOMER_PHONE);
  await driver.click('[data-testid="customer-consent"]');
  await waitFor("the amount owed", async () => Number(await attrOf('[data-testid="amount-owed"]', "data-owed")) > 0);
  const owed = Number(await attrOf('[data-testid="amount-owed"]', "data-owed"));
  const cash = Math.ceil((owed + 1) / 10000) * 100; // yuan, a round sum above what is owed
  await driver.fill('[data-testid="pay-cash"]', String(cash));
  await waitFor("the change", async () => Number(await attrOf('[data-testid="change"]', "data-change")) === cash * 100 - owed);

  step("checkout offline: the receipt is there, waiting to be sent");
  await driver.click('[data-testid="checkout"]');
  await driver.find('[data-testid="receipt"]');
  const receiptNo = await textOf('[data-testid="receipt-no"]');
  assert.ok(receiptNo, "a receipt number");
  assert.equal(await textOf('[data-testid="receipt-state"]'), "待同步");
  assert.ok(Number(await attrOf('[data-testid="pos-pending"]', "data-count")) >= 2, "shift and sale wait in the outbox");

  step("the server is back: send, and the sale lands once");
  await startServer();
  await driver.click('[data-testid="send-now"]');
  await waitFor("the outbox to empty", async () => (await attrOf('[data-testid="pos-pending"]', "data-count")) === "0", 30000);
  // Sending again changes nothing (the server applies each operation once).
  assert.equal(await invoke("send_now"), 0);
  const promoter = await signIn("promoter");
  const day = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const report = await api(`/v1/stores/${SHANGHAI}/report?day=${day}`, promoter);
  assert.equal(report.sales, 1, JSON.stringify(report));
  assert.equal(report.sales_amount, owed);
  const sold = Object.fromEntries(report.by_product.map((p) => [p.key, p.quantity]));
  assert.equal(sold[item.code], 1);
  assert.equal(sold[tv.code], 1);
  const consumer = await signIn("consumer");
  const purchases = (await api("/v1/me/purchases", consumer)).purchases.filter((p) => p.receipt_no === receiptNo);
  assert.equal(purchases.length, 1, "in the customer's purchases once");
  assert.equal(purchases[0].lines.find((l) => l.sku === tv.code)?.serial, serial);
  // The server flagged the stock that went below zero; the promoter hears of it from the OS.
  await waitFor("an OS notification of the flag", async () => (notifications.includes("Notify") && notifications.includes("库存为负")) || notifications.slice(-300));
  const stock = await api(`/v1/stores/${SHANGHAI}/stock`, promoter);
  const onHand = Object.fromEntries(stock.levels.map((l) => [l.sku, l.on_hand]));
  assert.equal(onHand[gift.code], -1, "the gift left the gift stock (flagged below zero: none was booked in)");

  step("the app's own day report shows it, and the receipt is sent");
  await driver.click('[data-testid="pos-report"]');
  await waitFor("the report", async () => (await attrOf('[data-testid="report-sales"]', "data-count")) === "1");
  await waitFor("the TV's stock at the day's close", async () => (await attrOf(`[data-testid="report-stock"] [data-sku="${tv.code}"]`, "data-closing")) === "-1");
  await driver.click('[data-testid="pos-receipts"]');
  await driver.click('[data-testid="receipt-item"]');
  await waitFor("the receipt to show as sent", async () => (await textOf('[data-testid="receipt-state"]')) === "已同步");

  step("the promoter's home shows the day: the shift open, today's sale, nothing waiting");
  await driver.click('[data-testid="nav-home"]');
  await waitFor("the home's open shift", async () => (await attrOf('[data-testid="home-shift"]', "data-open")) === "true");
  await waitFor("the home's sales today", async () => (await attrOf('[data-testid="home-sales"]', "data-count")) === "1");
  await waitFor("the home's waiting operations", async () => (await attrOf('[data-testid="home-pending"]', "data-count")) === "0");
  await driver.click('[data-testid="nav-store"]');

  step("goods in from the stock screen, then the catalog's store filter finds what is in stock");
  await driver.click('[data-testid="pos-stock"]');
  await driver.click('[data-testid="stock-form-receipt"]');
  await driver.fill('[data-testid="receipt-source"]', "品牌华东仓");
  await driver.fill('[data-testid="lines-scan"]', item.barcode);
  await driver.sendKeys('[data-testid="lines-scan"]', Keys.ENTER);
  await driver.find('[data-testid="movement-line"]');
  await driver.fill('[data-testid="movement-line"] input', "3");
  await driver.click('[data-testid="movement-submit"]');
  await driver.find('[data-testid="stock-note"]');
  await waitFor("the stock line", async () => (await attrOf(`[data-testid="stock-line"][data-sku="${item.code}"]`, "data-on-hand")) === "2");
  await driver.click('[data-testid="nav-products"]');
  await driver.click('[data-testid="sync-catalog"]');
  await driver.fill('[data-testid="store-filter"]', "SH-001");
  await driver.find('[data-testid="result-count"]', { text: "共 1 件商品" });
  assert.match(await driver.text(await driver.find('[data-testid="product-card"]')), new RegExp(accessories[0].name_zh.slice(0, 4)));

  step("the store manager signs in on the same tablet");
  await driver.click('[data-testid="sign-out"]');
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', "manager");
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="home-managed-store"]');

  step("the manager's tablet hears, as an OS notification, what is flagged at their stores");
  await waitFor("the manager's device to start watching", async () => (await invoke("watch_store_flags")) === 0);
  const resold = {
    id: crypto.randomUUID(),
    store_id: SHANGHAI,
    device_at: Math.floor(Date.now() / 1000),
    action: {
      type: "sale", sale_id: crypto.randomUUID(), shift_id: crypto.randomUUID(), receipt_no: `E2E-${Date.now()}`,
      lines: [{ sku: tv.code, quantity: 1, unit_price: 100000, discount: 0, serial }],
      payments: [{ method: "cash", amount: 100000 }],
    },
  };
  const resoldOutcome = (await api("/v1/store-ops", promoter, { method: "POST", body: JSON.stringify({ ops: [resold] }) })).outcomes[0];
  assert.ok(resoldOutcome.flags.some((f) => f.type === "serial_sold_twice"), JSON.stringify(resoldOutcome));
  // Where it happened is in the notification (the promoter's own notifications do not name their one store).
  await waitFor("the manager's notification of the serial sold twice, with its store", async () => (notifications.includes(serial) && notifications.includes("上海南京东路旗舰店")) || notifications.slice(-400), 30000);
  step("the store manager picks a store and lowers the promoter's discount limit");
  await driver.click('[data-testid="nav-store"]');
  assert.equal(await driver.execute(`return document.querySelectorAll('[data-testid="pos-store"] option').length`), 2, "runs two stores");
  await driver.click('[data-testid="pos-team"]');
  await driver.find('[data-testid="team-limit"]');
  await driver.fill('[data-testid="team-limit"]', "5");
  await driver.click('[data-testid="team-save"]');
  await driver.find('[data-testid="team-saved"]');
  const me = await api("/v1/me", promoter);
  assert.equal(me.discount_limit_percent, 5, "the promoter's limit, set from the manager's screen");

  step("the customer brings the accessory back to the manager's tablet: the receipt is found at the store");
  await driver.click('[data-testid="pos-shift"]');
  await driver.fill('[data-testid="opening-cash"]', "200");
  await driver.click('[data-testid="open-shift"]');
  await waitFor("the manager's shift to open", async () => (await invoke("pos_shift", { storeId: SHANGHAI }))?.opening_cash === 20000);
  await driver.click('[data-testid="pos-receipts"]');
  await driver.fill('[data-testid="receipt-filter"]', receiptNo);
  await driver.click('[data-testid="receipt-find-store"]');
  await driver.find('[data-testid="receipt-found-list"] [data-testid="receipt-item"]');
  await driver.find('[data-testid="return-form"]');
  await driver.fill('[data-testid="return-qty"]', "1");
  await waitFor("the refund preview", async () => Number((await textOf('[data-testid="refund"]'))?.replace(/[^0-9.]/g, "")) > 0);
  await driver.click('[data-testid="return-submit"]');
  await waitFor("the return to be taken", async () =>
    (await textOf('[data-testid="return-done"]')) !== null || [await attrOf('[data-testid="error"]', "data-code"), await textOf('[data-testid="return-form"]')],
  );
  await waitFor("the return to be sent", async () => (await invoke("pending_ops")) === 0, 30000);
  const found = (await api(`/v1/stores/${SHANGHAI}/sales?receipt_no=${encodeURIComponent(receiptNo)}`, promoter)).sales;
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].returned, [1, 0], "the accessory came back, the TV did not");
  assert.ok(found[0].refunded > 0);
  const till = await invoke("pos_shift", { storeId: SHANGHAI });
  const cashExpected = till.expected.find((p) => p.method === "cash").amount;
  assert.equal(cashExpected, 20000 - found[0].refunded, "the refund came out of the manager's till");

  step("sign out");
  await driver.click('[data-testid="sign-out"]');
  await driver.find('[data-testid="mode-password"]');
});
