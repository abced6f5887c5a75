// End-to-end: the product center in the real app. Sign in, let the catalog sync, browse a category,
// search in Chinese, compare two products; then stop the server, search again and open a product page.
import assert from "node:assert/strict";
import { Driver, sleep, waitFor } from "./webdriver.mjs";
import { app, run, startServer, stopServer } from "./harness.mjs";

const driver = new Driver();
const step = (what) => console.log(`e2e catalog: ${what}`);

async function cards() {
  return driver.request("POST", driver.s("/elements"), { using: "css selector", value: '[data-testid="product-card"]' });
}

await run("e2e catalog", driver, async () => {
  await startServer();
  await driver.start(app);

  step("sign in and open the products");
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', "consumer");
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="greeting"]');
  await driver.click('[data-testid="nav-products"]');
  await driver.find('[data-testid="catalog-updated"]', { text: "目录更新于", timeoutMs: 60000 });

  step("browse a category");
  await driver.click('[data-testid="category-fridge"]');
  await driver.find('[data-testid="product-card"]', { text: "冰箱" });
  const fridgeCount = await driver.text(await driver.find('[data-testid="result-count"]'));
  assert.match(fridgeCount, /共 \d+ 件商品/);
  await driver.click('[data-testid="category-fridge"]');

  step("search in Chinese (two characters inside names)");
  await driver.fill('[data-testid="search"]', "电视");
  await driver.find('[data-testid="result-count"]', { text: (t) => /共 \d+ 件商品/.test(t) && !t.includes("共 2016") });
  await sleep(300);
  const found = await cards();
  assert.ok(found.length > 2, "several TVs found");
  for (const el of found.slice(0, 5)) {
    const id = Object.values(el)[0];
    assert.match(await driver.text(id), /电视/);
  }

  step("compare two products");
  await driver.clickNth('[data-testid="compare-toggle"]', 0);
  await driver.clickNth('[data-testid="compare-toggle"]', 1);
  await driver.click('[data-testid="compare-open"]');
  await driver.find('[data-testid="compare-table"]');
  assert.ok(await driver.exists('[data-testid="compare-table"] th'), "a comparison table");
  assert.ok(await driver.exists('tr[data-differs="true"]'), "differing specs are highlighted");
  await driver.click('[data-testid="back"]');

  step("pull down from the top to update the catalog");
  const before = await driver.attribute('[data-testid="catalog-updated"]', "data-synced-at");
  await sleep(1100); // synced_at is in seconds
  const touch = (type, y) =>
    driver.execute(
      `document.body.dispatchEvent(new PointerEvent("${type}", { bubbles: true, pointerType: "touch", clientY: ${y}, isPrimary: true }))`,
    );
  await driver.execute("window.scrollTo({ top: 0, behavior: 'instant' })");
  for (let i = 0; i < 50 && (await driver.execute("return window.scrollY")) > 0; i++) await sleep(100);
  await touch("pointerdown", 100);
  await touch("pointermove", 140);
  // (Its text is read from the DOM: WebDriver's visible-text rule sees none in a box this short.)
  const indicator = async (want) => {
    let last = null;
    for (let i = 0; i < 50; i++) {
      last = await driver.execute(`return document.querySelector('[data-testid="pull-indicator"]')?.textContent ?? null`);
      if (last === want) return;
      await sleep(100);
    }
    assert.fail(`pull indicator: wanted ${want}, saw ${last}`);
  };
  await indicator("下拉更新");
  await touch("pointermove", 260);
  await indicator("松开即可更新");
  await touch("pointerup", 260);
  await waitFor("the pull to sync", async () => (await driver.attribute('[data-testid="catalog-updated"]', "data-synced-at")) !== before);
  for (let i = 0; i < 100 && (await driver.execute(`return document.querySelector('[data-testid="sync-catalog"]').disabled`)); i++) {
    await sleep(100);
  }

  step("server stopped: search again and open a product page");
  await stopServer();
  await driver.fill('[data-testid="search"]', "变频 冰箱");
  await driver.find('[data-testid="product-card"]', { text: "冰箱" });
  await driver.click('[data-testid="open-product"]');
  await driver.find('[data-testid="product-name"]', { text: "冰箱" });
  await driver.find('[data-testid="spec-table"]', { text: "总容积" });
  await driver.find('[data-testid="stores"]', { text: "公里" });

  step("nearest stores from a typed position (Beijing), offline");
  await driver.fill('[data-testid="position"]', "39.90, 116.40");
  await driver.click('[data-testid="use-position"]');
  await driver.find('[data-testid="stores"]', { text: "北京" });
  const beijingKm = await driver.execute(
    `const li = [...document.querySelectorAll('[data-testid="stores"] li')].find((l) => l.textContent.includes("北京"));
     return li ? parseFloat(li.textContent.match(/([\\d.]+) 公里/)[1]) : null;`,
  );
  assert.ok(beijingKm !== null && beijingKm < 30, `a Beijing store is near the typed position (${beijingKm} km)`);
  await driver.fill('[data-testid="position"]', "north");
  await driver.click('[data-testid="use-position"]');
  await driver.find(".error", { text: "纬度" });

  step("sign out, offline");
  await driver.click('[data-testid="sign-out"]');
  await driver.find('[data-testid="mode-code"]');
});
