// The stylesheet's rules for what floats at the bottom of the screen, read from styles.css: the
// end-to-end layout test (tests/e2e/layout.e2e.mjs) checks the drawn result at each size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const css = readFileSync(new URL("../src/styles.css", import.meta.url), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
// Every rule as [media query or "", selector, body] (media blocks hold plain rules only).
const rules = [];
for (const block of css.matchAll(/@media([^{]+)\{((?:[^{}]*\{[^{}]*\})*)\s*\}|([^{}@]+)\{([^{}]*)\}/g)) {
  if (block[1]) {
    for (const rule of block[2].matchAll(/([^{}]+)\{([^{}]*)\}/g)) rules.push([block[1].trim(), rule[1].trim(), rule[2]]);
  } else rules.push(["", block[3].trim(), block[4]]);
}
const PHONE = "(max-width: 599px)";
const find = (media, selector) => rules.filter(([m, s]) => m === media && s.split(",").map((x) => x.trim()).includes(selector));
const declared = (body, property) => body.match(new RegExp(`(?:^|;|\\s)${property}\\s*:\\s*([^;]+)`))?.[1].trim();

test("the rules were read", () => {
  assert.ok(rules.length > 100, `${rules.length} rules`);
  assert.ok(find(PHONE, ".tabs").length > 0, "the phone's tab bar");
});

test("only the tab bar, the bottom-bars holder, the pay bar and the filter sheet float at the bottom", () => {
  // Bars floating on their own, each placed by a guess at the others' heights, covered one another.
  const allowed = [".tabs", ".bottom-bars", ".pay-bar", ".filter-panel.open", ".sheet-backdrop"];
  for (const [media, selector, body] of rules) {
    const position = declared(body, "position");
    if (!/sticky|fixed/.test(position ?? "") || !(declared(body, "bottom") || declared(body, "inset"))) continue;
    assert.ok(allowed.includes(selector), `${selector} (${media || "all sizes"}) floats at the bottom outside BottomBars`);
  }
});

test("on a phone, what scrolls into view stops clear of the tab bar and the measured bars", () => {
  const [[, , body]] = find(PHONE, "html");
  const padding = declared(body, "scroll-padding-bottom");
  assert.match(padding, /var\(--tabbar-height\)/);
  assert.match(padding, /var\(--bottom-bars\)/);
  const [[, , wide]] = find("", "html").filter(([, , b]) => declared(b, "scroll-padding-bottom"));
  assert.match(declared(wide, "scroll-padding-bottom"), /var\(--bottom-bars\)/);
});

test("on a phone, a page's end clears the tab bar; the sale leaves room for its fixed pay bar", () => {
  const [[, , page]] = find(PHONE, ".page");
  assert.match(declared(page, "padding"), /var\(--tabbar-height\)/);
  const [[, , sell]] = find("(max-width: 899px)", ".pos-sell");
  assert.match(declared(sell, "padding-bottom"), /var\(--pay-bar-height\)/);
});

test("the marketing desk's panels are never narrower than a table can be read at", () => {
  const [[, , desk]] = find("", ".desk");
  const min = declared(desk, "grid-template-columns").match(/minmax\(min\((\d+)px/);
  assert.ok(min && Number(min[1]) >= 480, declared(desk, "grid-template-columns"));
});
