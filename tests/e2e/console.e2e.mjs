// End-to-end: the administrator's console in the real app, at desktop size. The administrator
// finds the promoter by phone, locks the account with a reason (the promoter's session stops
// working at once), sees the lock in the audit log, unlocks it; adds a store; saves the catalog as
// CSV, edits a product's price (a save over someone else's change is refused and reopens with
// it), withdraws it; and reads the system's health.
import assert from "node:assert/strict";
import { Driver, waitFor } from "./webdriver.mjs";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { app, fetchTimed, outputDir, run, serverUrl, startServer } from "./harness.mjs";

const driver = new Driver();
const step = (what) => console.log(`e2e console: ${what}`);
const invoke = (command, args = {}) =>
  driver.executeAsync(
    "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ error: e }));",
    [command, args],
  );
const countOf = (css) => driver.execute(`return document.querySelectorAll(arguments[0]).length`, [css]);

async function api(path, token, init = {}) {
  const res = await fetchTimed(serverUrl + path, {
    ...init,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) };
}
const token = async (login) =>
  (await api("/v1/auth/sign-in/password", null, { method: "POST", body: JSON.stringify({ login, password: "Portal#2026", device_name: "e2e" }) }))
    .body.tokens.access_token;

await run("e2e console", driver, async () => {
  await startServer();
  const promoter = await token("promoter");
  await driver.start(app);
  await driver.request("POST", driver.s("/window/rect"), { width: 1440, height: 900 });

  step("the administrator signs in and finds the promoter by phone");
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', "admin");
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="greeting"]');
  await driver.click('[data-testid="nav-console"]');
  await driver.fill('[data-testid="people-q"]', "13900000003");
  await driver.click('[data-testid="people-search"]');
  await driver.find('[data-testid="people-rows"] tr[data-user]');
  await driver.click('[data-testid="person-open"]');
  await driver.find('[data-testid="person-sessions"] li[data-session]');

  step("locks the account: the promoter's session stops at once");
  await driver.fill('[data-testid="person-lock-reason"]', "e2e: tablet lost");
  await driver.click('[data-testid="person-lock"]');
  await driver.find('[data-testid="people-rows"] tr[data-locked="true"]');
  await waitFor("the sessions gone", async () => (await countOf('[data-testid="person-sessions"] li')) === 0);
  assert.equal((await api("/v1/me", promoter)).status, 401, "signed out everywhere");
  const signIn = await api("/v1/auth/sign-in/password", null, {
    method: "POST",
    body: JSON.stringify({ login: "promoter", password: "Portal#2026", device_name: "e2e" }),
  });
  assert.equal(signIn.body.code, "account_suspended");

  step("the audit log names the lock; unlock");
  await driver.click('[data-testid="console-tab-audit"]');
  await driver.find('[data-testid="audit-rows"] tr[data-path$="/lock"]');
  await driver.click('[data-testid="console-tab-people"]');
  await driver.fill('[data-testid="people-q"]', "13900000003");
  await driver.click('[data-testid="people-search"]');
  await driver.click('[data-testid="person-open"]');
  await driver.click('[data-testid="person-unlock"]');
  await driver.find('[data-testid="people-rows"] tr[data-locked="false"]');
  assert.ok(await token("promoter"), "the promoter signs in again");

  step("adds a store");
  await driver.click('[data-testid="console-tab-directory"]');
  await driver.click('[data-testid="store-new"]');
  await driver.fill('[data-testid="directory-code"]', "GZ-E2E");
  await driver.fill('[data-testid="directory-name"]', "广州测试店");
  await driver.fill('[data-testid="directory-city"]', "广州");
  await driver.click('[data-testid="directory-save"]');
  await driver.find('[data-testid="directory-stores"] tr[data-code="GZ-E2E"]');

  step("a catalog CSV with a bad row is refused whole, each problem shown by its row");
  const header = "model,category,series,name_zh,name_en,description_zh,description_en,lifecycle,tags,specs,released_at,images,channels,sku,variant_zh,variant_en,barcode,list_price,promotion_price,promotion_start,promotion_end,distributor_price";
  const csvPath = join(outputDir, "bad-catalog.csv");
  writeFileSync(csvPath, `${header}\n,tv,,名称,Name,,,on_sale,,,2026-01-01,,,X-1,,,,abc,,,,\n`);
  await driver.click('[data-testid="console-tab-catalog"]');
  const input = await driver.request("POST", driver.s("/element"), { using: "css selector", value: '[data-testid="catalog-file"]' });
  await driver.request("POST", driver.s(`/element/${Object.values(input)[0]}/value`), { text: csvPath });
  await driver.find('[data-testid="catalog-result"][data-applied="false"]');
  await driver.find('[data-testid="catalog-problems"] tr[data-row]');

  step("saves the whole catalog as CSV, in the import's own format");
  const admin = await token("admin");
  await driver.click('[data-testid="catalog-export"]');
  await driver.find('[data-testid="catalog-exported"]');
  const exported = await driver.execute(`return document.querySelector('[data-testid="catalog-exported"]').dataset.path`);
  assert.ok(exported.startsWith(process.env.PORTAL_APP_DOWNLOADS_DIR), exported);
  assert.ok(readFileSync(exported, "utf8").replace(/^\ufeff/, "").startsWith(`${header}\n`), "the import's header");

  step("edits a SKU's list price: the server and the app's own catalog have it");
  const product = (await api("/v1/admin/catalog/export", admin)).body.products.find((p) => p.skus.length > 0);
  const sku = product.skus[0];
  const row = `[data-testid="product-skus"] tr[data-sku="${sku.code}"]`;
  await driver.fill('[data-testid="product-q"]', product.model);
  await driver.click('[data-testid="product-find"]');
  await driver.click(`[data-testid="product-rows"] tr[data-model="${product.model}"] [data-testid="product-open"]`);
  await driver.find(`[data-testid="product-editor"][data-model="${product.model}"]`);
  await driver.fill(`${row} [data-testid="sku-list_price"]`, "-5");
  await driver.click('[data-testid="product-save"]');
  await driver.find(`[data-testid="product-bad"][data-field="skus.0.list_price"]`);
  const newPrice = sku.list_price + 10000;
  await driver.fill(`${row} [data-testid="sku-list_price"]`, String(newPrice / 100));
  await driver.click('[data-testid="product-save"]');
  await driver.find('[data-testid="product-saved"]');
  const onServer = (await api(`/v1/catalog/products/${encodeURIComponent(product.model)}`, admin)).body;
  assert.equal(onServer.skus[0].list_price, newPrice, "the server has the new price");
  assert.equal(onServer.name_en, product.name_en, "nothing else changed");
  const onDevice = await invoke("product_view", { model: product.model });
  assert.equal(onDevice.product.skus[0].list_price, newPrice, "the app's own catalog synced it");

  step("a save over a change made meanwhile is refused and reopens with that change");
  const current = (await api(`/v1/admin/catalog/products/${encodeURIComponent(product.model)}`, admin)).body;
  await waitFor("the editor reopened at the saved revision", async () =>
    (await driver.execute(`return document.querySelector('[data-testid="product-editor"]')?.dataset.revision`)) === current.revision);
  const theirs = { ...current.product, name_en: `${current.product.name_en} (revised)` };
  const put = await api(`/v1/admin/catalog/products/${encodeURIComponent(product.model)}?revision=${current.revision}`, admin, {
    method: "PUT",
    body: JSON.stringify(theirs),
  });
  assert.equal(put.status, 200);
  await driver.fill('[data-testid="product-name_zh"]', `${product.name_zh}（改）`);
  await driver.click('[data-testid="product-save"]');
  await driver.find('[data-testid="error"][data-code="stale_state"]');
  await driver.click('[data-testid="product-reopen"]');
  await waitFor("their change shown", async () =>
    (await driver.execute(`return document.querySelector('[data-testid="product-name_en"]')?.value`)) === theirs.name_en);

  step("withdraws it, after a confirmation: the server no longer has it");
  await driver.click('[data-testid="product-withdraw"]');
  await driver.click('[data-testid="product-withdraw-confirm"]');
  await waitFor("the editor closed", async () => (await countOf('[data-testid="product-editor"]')) === 0);
  assert.equal((await api(`/v1/catalog/products/${encodeURIComponent(product.model)}`, admin)).status, 404);
  assert.equal((await invoke("product_view", { model: product.model }))?.withdrawn ?? true, true, "withdrawn on the device too");

  step("reads the system's health");
  await driver.click('[data-testid="console-tab-health"]');
  await driver.find('[data-testid="health-database"]');
  const database = await driver.execute(`return document.querySelector('[data-testid="health-database"]').textContent`);
  assert.ok(database.length > 0, "the database answers");
  await waitFor("an instance beating", async () => (await countOf('[data-testid="health-instances"] tr')) >= 1, 10000);
});
