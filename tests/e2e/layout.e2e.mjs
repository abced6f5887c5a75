// End-to-end: the app's layout at a phone's, a tablet's and a desktop's size. The real app's window
// is set to 390×844, 1024×768 and 1440×900 in turn; at each, the main screens of a consumer and of a
// promoter are checked from the DOM (no horizontal overflow, navigation labels on one line, touch
// targets of 44 px, the first product on a phone's first screen, the POS pay button without
// scrolling) and photographed (ImageMagick's import of the app's X window) into the output folder.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Driver, sleep, waitFor } from "./webdriver.mjs";
import { app, outputDir, run, serverUrl, startServer } from "./harness.mjs";

const driver = new Driver();
const step = (what) => console.log(`e2e layout: ${what}`);

const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "tablet", width: 1024, height: 768 },
  { name: "desktop", width: 1440, height: 900 },
];

/** Sets the window's size and waits until the page has it. */
async function resize({ width, height }) {
  await driver.request("POST", driver.s("/window/rect"), { width, height });
  await waitFor(`a ${width}-pixel-wide page`, async () => (await driver.execute("return window.innerWidth")) === width, 10000);
  await sleep(300);
}

/** The app's X window, photographed (WebDriver screenshots can hang under Xvfb). */
function photograph(file) {
  try {
    const tree = execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8", timeout: 10000 });
    const line = tree.split("\n").find((l) => l.includes("Brand Portal") && /\d+x\d+\+/.test(l));
    const id = line?.trim().split(/\s+/)[0] ?? "root";
    execFileSync("import", ["-window", id, join(outputDir, file)], { timeout: 20000 });
  } catch (e) {
    console.error(`no screenshot ${file}: ${e.message}`);
  }
}

// What the page's layout is, from the DOM.
const FACTS = `
  const visible = (el) => el && el.offsetParent !== null && getComputedStyle(el).visibility !== "hidden";
  const labels = [...document.querySelectorAll("nav.tabs .tab")].filter(visible).map((tab) => {
    const label = [...tab.querySelectorAll("span")].find((s) => getComputedStyle(s).display !== "none");
    const rect = tab.getBoundingClientRect();
    return { text: label ? label.textContent : "", lines: label ? label.getClientRects().length : 0, height: rect.height, width: rect.width };
  });
  return {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    labels,
  };`;

async function checkPage(size, screen) {
  const facts = await driver.execute(FACTS);
  const where = `${screen} at ${size.width}×${size.height}`;
  assert.ok(facts.scrollWidth <= facts.innerWidth, `${where}: no horizontal overflow (${facts.scrollWidth} > ${facts.innerWidth})`);
  assert.ok(facts.labels.length >= 3, `${where}: the navigation is there: ${JSON.stringify(facts.labels)}`);
  for (const l of facts.labels) {
    assert.equal(l.lines, 1, `${where}: the label "${l.text}" is on one line`);
    assert.ok(l.height >= 44, `${where}: "${l.text}" is at least 44 px high (${l.height})`);
  }
  photograph(`${size.name}-${screen}.png`);
  return facts;
}

/** Clicks an element after scrolling it to the middle of the screen (clear of a phone's tab bar). */
async function clickInView(css) {
  await driver.find(css);
  await driver.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" })`, [css]);
  await driver.click(css);
}

async function signIn(login) {
  await driver.click('[data-testid="mode-password"]');
  await driver.fill('[data-testid="login"]', login);
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
}

async function signOut() {
  // On a phone sign-out is in the profile; elsewhere in the navigation.
  if (await driver.execute(`return document.querySelector('[data-testid="sign-out"]').offsetParent !== null`)) {
    await driver.click('[data-testid="sign-out"]');
  } else {
    await driver.click('[data-testid="nav-profile"]');
    await clickInView('[data-testid="profile-sign-out"]');
  }
  await driver.find('[data-testid="submit"]');
}

await run("e2e layout", driver, async () => {
  await startServer();
  await driver.start(app);
  assert.ok(serverUrl);

  step("a consumer: sign-in, home, catalog, product, profile at each size");
  for (const size of SIZES) {
    await resize(size);
    await driver.find('[data-testid="submit"]');
    photograph(`${size.name}-sign-in.png`);
    const signInOverflow = await driver.execute("return document.documentElement.scrollWidth - window.innerWidth");
    assert.ok(signInOverflow <= 0, `sign-in at ${size.width}: no horizontal overflow`);
    await signIn("consumer");
    await driver.find('[data-testid="greeting"]');
    await checkPage(size, "home");
    await driver.click('[data-testid="nav-products"]');
    await driver.find('[data-testid="catalog-updated"]', { text: "目录更新于", timeoutMs: 60000 });
    await driver.find('[data-testid="product-card"]', { timeoutMs: 60000 });
    await sleep(300);
    await checkPage(size, "catalog");
    const firstCardTop = await driver.execute(`return document.querySelector('[data-testid="product-card"]').getBoundingClientRect().top`);
    if (size.name === "phone") {
      assert.ok(firstCardTop < size.height, `phone: the first product is on the first screen (top at ${firstCardTop})`);
      // The filters beyond the categories wait in a sheet that shows how many products match.
      assert.equal(await driver.execute(`return document.querySelector('[data-testid="filter-panel"]').offsetParent`), null);
      await driver.click('[data-testid="open-filters"]');
      await driver.find('[data-testid="apply-filters"]', { text: (t) => /\d/.test(t) });
      photograph(`${size.name}-filters.png`);
      await clickInView('[data-testid="apply-filters"]');
    }
    await clickInView('[data-testid="open-product"]');
    await driver.find('[data-testid="product-page"]');
    await sleep(300);
    await checkPage(size, "product");
    await driver.click('[data-testid="nav-profile"]');
    await driver.find('[data-testid="profile-name"]');
    await checkPage(size, "profile");
    await signOut();
  }

  step("a promoter: the point of sale at each size, the pay button in view on a tablet");
  for (const size of SIZES) {
    await resize(size);
    await signIn("promoter");
    await driver.find('[data-testid="home-store"]');
    await checkPage(size, "promoter-home");
    await driver.click('[data-testid="nav-store"]');
    await driver.click('[data-testid="pos-sell"]');
    await driver.find('[data-testid="scan-input"]');
    await sleep(300);
    await checkPage(size, "pos-sell");
    if (size.name === "tablet") {
      const pay = await driver.execute(
        `const r = document.querySelector('[data-testid="checkout"]').getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: window.innerHeight };`,
      );
      assert.ok(pay.bottom <= pay.height && pay.top >= 0, `tablet: the pay button is in view without scrolling: ${JSON.stringify(pay)}`);
    }
    await signOut();
  }
});
