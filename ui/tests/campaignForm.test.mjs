// The campaign editor's form (src/screens/campaigns/campaignForm.ts), run as it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "campaign-form-test-"));
const source = readFileSync(new URL("../src/screens/campaigns/campaignForm.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
writeFileSync(join(dir, "campaignForm.mjs"), js.outputText);
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
