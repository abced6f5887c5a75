// WCAG AA: every text colour the stylesheet puts on a background reaches 4.5:1, in the light
// theme and in the dark one (the colours are read from styles.css, not repeated here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const css = readFileSync(new URL("../src/styles.css", import.meta.url), "utf8");

function variables(block) {
  const six = (hex) => (hex.length === 4 ? "#" + [...hex.slice(1)].map((c) => c + c).join("") : hex);
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\s*;/g)].map((m) => [m[1], six(m[2])]));
}
const light = variables(css.match(/:root\s*{([^}]*)}/)[1]);
const dark = { ...light, ...variables(css.match(/prefers-color-scheme:\s*dark\)\s*{\s*:root\s*{([^}]*)}/)[1]) };

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) =>
    c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
  );
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// [text, background, where]: a name is a variable, a # value a literal from the stylesheet.
const pairs = [
  ["ink", "bg", "body text"],
  ["ink", "surface", "text on cards"],
  ["muted", "bg", "secondary text"],
  ["muted", "surface", "secondary text on cards, inactive tabs"],
  ["blue", "surface", "links"],
  ["blue", "accent-soft", "pills, the active tab"],
  ["bad", "surface", "prices, remove links"],
  ["bad", "bad-soft", "error banners"],
  ["ok", "ok-soft", "info banners"],
  ["warn", "warn-soft", "warnings, the offline badge"],
  ["warn", "surface", "warning text"],
  ["blue", "bg", "links on the page (Back)"],
  ["ink", "warn-soft", "low-stock cart lines"],
  ["ink", "highlight", "differing rows of a comparison"],
  ["blue", "bg", "the active tab on the page background"],
];
const value = (theme, name) => (name.startsWith("#") ? name : theme[name]);

for (const [themeName, theme, buttonText] of [
  ["light", light, "#ffffff"],
  ["dark", dark, "#0b1220"],
]) {
  test(`${themeName} theme: text reaches WCAG AA (4.5:1)`, () => {
    for (const [fg, bg, where] of [...pairs, [buttonText, "blue", "primary buttons, active chips"]]) {
      const ratio = contrast(value(theme, fg), value(theme, bg));
      assert.ok(ratio >= 4.5, `${where}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
    }
  });
}

test("the header's white text on both ends of its gradient", () => {
  const [from, to] = css.match(/\.topbar\s*{[^}]*linear-gradient\(90deg,\s*(#[0-9a-fA-F]{6}),\s*(#[0-9a-fA-F]{6})\)/).slice(1);
  for (const end of [from, to]) assert.ok(contrast("#ffffff", end) >= 4.5, `white on ${end}: ${contrast("#ffffff", end).toFixed(2)}`);
});

test("the dark theme's button text is the one the stylesheet sets", () => {
  assert.match(css, /prefers-color-scheme: dark\)[\s\S]*button\.primary, \.chip\.active \{ color: #0b1220; \}/);
});
