// The campaign editor's form (src/screens/campaigns/campaignForm.ts), run as it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "campaign-form-test-"));
const load = (path, name) => {
  const source = readFileSync(new URL(path, import.meta.url), "utf8").replace('from "../format"', 'from "./format.mjs"');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(join(dir, name), js.outputText);
};
load("../src/screens/format.ts", "format.mjs");
load("../src/screens/campaigns/campaignForm.ts", "campaignForm.mjs");
const { emptyForm, draftOf, formOf, actionsFor, editable, localInput, fromLocalInput } = await import(join(dir, "campaignForm.mjs"));

const filled = () => ({ ...emptyForm(), name: " 会员日 ", titleZh: "会员日", titleEn: "Members' day", bodyZh: "九折", bodyEn: "10% off" });

test("a filled form becomes the draft the server takes, and back", () => {
  const form = { ...filled(), activeDays: "90", startsAt: "2030-01-02T09:30", link: "product", linkTarget: "TV-55" };
  const { draft, bad } = draftOf("c1", form);
  assert.equal(bad, null);
  assert.equal(draft.name, "会员日");
  assert.deepEqual(draft.audience.roles, ["consumer"]);
  assert.equal(draft.audience.active_within_days, 90);
  assert.equal("bought_within_days" in draft.audience, false);
  assert.deepEqual(draft.content.deep_link, { to: "product", model: "TV-55" });
  assert.equal(draft.starts_at, fromLocalInput("2030-01-02T09:30"));
  assert.equal(draft.holdout_percent, 10);
  const again = formOf({ ...draft, status: "draft", revision: 1, author: "a", last_editor: "a", created_at: 0, updated_at: 0 });
  assert.deepEqual(draftOf("c1", again), { draft, bad: null });
  assert.equal(localInput(fromLocalInput("2030-01-02T09:30")), "2030-01-02T09:30");
});

test("the first wrong field is named", () => {
  const cases = [
    [{ name: "  " }, "name"],
    [{ channels: [] }, "channels"],
    [{ titleEn: "" }, "titleEn"],
    [{ bodyZh: "字".repeat(501) }, "bodyZh"],
    [{ activeDays: "0" }, "activeDays"],
    [{ boughtDays: "1.5" }, "boughtDays"],
    [{ holdout: "51" }, "holdout"],
    [{ startsAt: "tomorrow" }, "startsAt"],
    [{ startsAt: "2030-01-02T09:30", endsAt: "2030-01-02T09:00" }, "endsAt"],
    [{ link: "product", linkTarget: " " }, "linkTarget"],
  ];
  for (const [change, field] of cases) assert.deepEqual(draftOf("c1", { ...filled(), ...change }), { draft: null, bad: field }, field);
});

test("each state offers its own actions", () => {
  assert.deepEqual(actionsFor("draft", false, false), ["submit"]);
  assert.deepEqual(actionsFor("submitted", false, false), []);
  assert.deepEqual(actionsFor("submitted", true, false), ["approve", "reject"]);
  assert.deepEqual(actionsFor("approved", false, true), ["schedule", "start", "stop"]);
  assert.deepEqual(actionsFor("running", false, true), ["pause", "stop"]);
  assert.deepEqual(actionsFor("paused", false, true), ["resume", "stop"]);
  assert.deepEqual(actionsFor("finished", true, true), []);
  assert.equal(editable("approved"), true);
  assert.equal(editable("running"), false);
});

test("a coupon's terms come from the form in fen, bounded, and read back the same", () => {
  const now = 1_800_000_000;
  const form = {
    ...emptyForm(),
    name: "以旧换新", titleZh: "立减", titleEn: "Off", bodyZh: "满减", bodyEn: "Spend and save",
    coupon: "percent", couponPercent: "15", couponCap: "300", couponMinSpend: "1000",
    couponCategories: "tv，ac", couponModels: "", couponUntil: localInput(now + 30 * 86_400),
  };
  const checked = draftOf("c1", form, now);
  assert.equal(checked.bad, null);
  assert.deepEqual(checked.draft.coupon, {
    benefit: { kind: "percent_off", percent: 15, max_fen: 30000 }, min_spend: 100000,
    models: [], categories: ["tv", "ac"], stores: [], valid_from: now, valid_until: Math.floor((now + 30 * 86_400) / 60) * 60,
  });
  const back = formOf({ ...checked.draft, status: "draft", revision: 1, author: "a", last_editor: "a", created_at: 0, updated_at: 0 });
  assert.equal(back.coupon, "percent");
  assert.equal(back.couponCap, "300");
  assert.equal(back.couponCategories, "tv, ac");
  for (const [patch, field] of [
    [{ couponPercent: "100" }, "couponPercent"],
    [{ couponCap: "-1" }, "couponCap"],
    [{ coupon: "amount", couponAmount: "0" }, "couponAmount"],
    [{ couponUntil: "" }, "couponUntil"],
    [{ couponUntil: localInput(now - 3600) }, "couponUntil"],
  ]) {
    assert.equal(draftOf("c1", { ...form, ...patch }, now).bad, field, JSON.stringify(patch));
  }
  assert.equal(draftOf("c1", { ...form, coupon: "none" }, now).draft.coupon, undefined);
});

test("a campaign's coupons can be withdrawn once it has run, and that needs a reason", () => {
  assert.deepEqual(actionsFor("finished", false, false, true), ["withdraw_coupons"]);
  assert.deepEqual(actionsFor("finished", false, false, false), []);
  assert.ok(actionsFor("running", false, false, true).includes("withdraw_coupons"));
  assert.ok(!actionsFor("approved", false, false, true).includes("withdraw_coupons"));
});

test("a text campaign names its approved template, or leaves it to the server's default", () => {
  const texts = { ...filled(), channels: ["sms"], smsTemplate: " SMS_480200002 " };
  const { draft, bad } = draftOf("c1", texts);
  assert.equal(bad, null);
  assert.equal(draft.content.sms_template, "SMS_480200002");
  const again = formOf({ ...draft, status: "draft", revision: 1, author: "a", last_editor: "a", created_at: 0, updated_at: 0 });
  assert.equal(again.smsTemplate, "SMS_480200002");
  assert.equal("sms_template" in draftOf("c1", { ...texts, smsTemplate: "" }).draft.content, false, "the default");
  assert.equal(draftOf("c1", { ...texts, smsTemplate: "SMS 1; DROP" }).bad, "smsTemplate");
  // Without the SMS channel the template is not sent.
  assert.equal("sms_template" in draftOf("c1", { ...texts, channels: ["push"] }).draft.content, false);
});

test("imported lists narrow the audience, and a saved segment fills the audience's fields", async () => {
  const { audienceFields } = await import(join(dir, "campaignForm.mjs"));
  const { draft } = draftOf("c1", { ...filled(), lists: ["l1", "l2"] });
  assert.deepEqual(draft.audience.lists, ["l1", "l2"]);
  const fields = audienceFields({ tags_all: ["t1"], tags_any: [], tags_none: [], roles: [], stores: [], lists: ["l3"], active_within_days: 30 });
  assert.deepEqual(fields, { roles: ["consumer"], tagsAll: ["t1"], tagsAny: [], tagsNone: [], lists: ["l3"], activeDays: "30", boughtDays: "" });
  const again = draftOf("c1", { ...filled(), ...fields });
  assert.deepEqual(again.draft.audience.lists, ["l3"]);
  assert.equal(again.draft.audience.active_within_days, 30);
});
