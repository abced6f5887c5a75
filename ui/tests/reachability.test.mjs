// What the header says about the server (src/reachability.ts), run as it is: transpiled with the
// project's TypeScript into a scratch directory (its one import is of types only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "reachability-test-"));
const source = readFileSync(new URL("../src/reachability.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
writeFileSync(join(dir, "reachability.mjs"), js.outputText);
const { reachOf, settlesReach, RECHECK_SECS } = await import(join(dir, "reachability.mjs"));

const error = (code) => ({ code, message: code });

test("before any call has settled, the default `online` is no answer: connecting", () => {
  assert.equal(reachOf(false, true), "checking");
});

test("a call that could not reach the server says offline at once, settled or not", () => {
  assert.equal(reachOf(false, false), "offline");
  assert.equal(reachOf(true, false), "offline");
});

test("online once a call has settled with the server answering", () => {
  assert.equal(reachOf(true, true), "online");
});

test("a success, a refusal by the server or an unreachable server settle where the app stands", () => {
  assert.equal(settlesReach(null), true);
  for (const code of ["server_unreachable", "invalid_credentials", "rate_limited", "unavailable", "forbidden"]) {
    assert.equal(settlesReach(error(code)), true, code);
  }
});

test("failures on this device before any request say nothing about the server", () => {
  for (const code of ["keyring_unavailable", "cache_too_new", "not_signed_in", "invalid_server_url", "internal"]) {
    assert.equal(settlesReach(error(code)), false, code);
  }
});

test("every code the rule names is one the Rust side sends", () => {
  const types = readFileSync(new URL("../src/ipc/types.ts", import.meta.url), "utf8");
  const union = types.match(/export type ErrorCode = ([^;]+);/)[1];
  const local = source.match(/const LOCAL: ErrorCode\[\] = \[([^\]]+)\]/)[1];
  for (const [, code] of local.matchAll(/"(\w+)"/g)) assert.ok(union.includes(`"${code}"`), code);
});

test("the server is asked again within seconds while it is not known to answer", () => {
  assert.ok(RECHECK_SECS >= 5 && RECHECK_SECS <= 30, `${RECHECK_SECS}`);
});
