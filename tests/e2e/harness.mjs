// Shared pieces of the end-to-end tests: the real server process, the keyring, the app's cache, and
// `run`, which gives a test its time limit and, when it fails, keeps what shows why.
// run.sh gives every test file its own app data directory, server database, keyring (in a D-Bus
// session of its own) and tauri-driver, so a test starts clean whatever the one before it did.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, closeSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "./webdriver.mjs";

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through tests/e2e/run.sh`);
  return value;
}

/** What WebDriver starts: run.sh's launcher, which keeps the app's output in app.log. */
export const app = process.env.E2E_APP_LAUNCHER ?? env("PORTAL_APP_BIN");
const serverBin = env("PORTAL_SERVER_BIN");
export const serverUrl = env("PORTAL_SERVER_URL");
export const dataDir = env("PORTAL_APP_DATA_DIR");
const serverDir = env("E2E_SERVER_DIR");
/** This test's folder under target/e2e-output: its logs, and on failure what the screen showed. */
export const outputDir = env("E2E_OUTPUT_DIR");
/** A test must be done this long before run.sh's own time limit, to leave time to keep evidence. */
const budgetMs = Math.max(30, Number(process.env.E2E_TEST_TIMEOUT ?? 600) - 45) * 1000;

/** fetch with a time limit. */
export const fetchTimed = (url, init = {}, timeoutMs = 15000) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });

let server = null;

/** Starts the server (once); with `behaviour`, first loads the demo data and plants that many
 *  households' behaviour, so that the recommenders have something to learn from. */
export async function startServer({ behaviour = 0 } = {}) {
  if (server) return;
  if (behaviour > 0) {
    const env = {
      ...process.env,
      PORTAL_DATABASE: join(serverDir, "portal.sqlite"),
      PORTAL_KEY_FILE: join(serverDir, "portal.key"),
      PORTAL_DEV_MODE: "true",
    };
    for (const args of [["seed-demo"], ["seed-behaviour", "--households", String(behaviour)]]) {
      const done = spawnSync(serverBin, args, { env, stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
      if (done.status !== 0) throw new Error(`portal-server ${args[0]} failed: ${done.stderr}`);
    }
  }
  const port = new URL(serverUrl).port;
  const logPath = join(outputDir, "server.log");
  appendFileSync(logPath, `== server started ${new Date().toISOString()}\n`);
  const log = openSync(logPath, "a");
  const child = spawn(serverBin, ["serve", "--demo"], {
    env: {
      ...process.env,
      PORTAL_LISTEN: `127.0.0.1:${port}`,
      PORTAL_DATABASE: join(serverDir, "portal.sqlite"),
      PORTAL_KEY_FILE: join(serverDir, "portal.key"),
      PORTAL_DEV_MODE: "true",
    },
    stdio: ["ignore", log, log],
  });
  closeSync(log); // the server has its own copy
  server = child;
  let exited = null;
  child.once("exit", (code, signal) => (exited = signal ?? code));
  const end = Date.now() + 20000;
  while (Date.now() < end) {
    if (exited !== null) throw new Error(`the server ended as it started (${exited}); see server.log`);
    try {
      if ((await fetchTimed(`${serverUrl}/healthz`, {}, 2000)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error("the server did not answer /healthz within 20 s; see server.log");
}

export async function stopServer() {
  const child = server;
  server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", () => resolve(true)));
  child.kill("SIGTERM");
  if (await Promise.race([exited, sleep(10000)])) return;
  child.kill("SIGKILL");
  await Promise.race([exited, sleep(5000)]);
}

export function keyringEntry() {
  try {
    return execFileSync("secret-tool", ["lookup", "service", "com.brandportal.app", "username", "refresh-token"], {
      encoding: "utf8",
      timeout: 10000,
    });
  } catch (e) {
    if (e.status === 1) return null; // secret-tool exits 1 when there is no such entry
    throw new Error(`secret-tool lookup failed or did not answer in 10 s: ${e.message}`);
  }
}

export function cacheBytes() {
  return readdirSync(dataDir)
    .filter((f) => f.startsWith("cache.sqlite"))
    .map((f) => readFileSync(join(dataDir, f), "utf8"))
    .join("");
}

const cleanups = [];
/** Registers something to end when the test ends, passed or failed (a helper process, say). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/**
 * Runs `body` with a driver, within the test's time budget. Passed or failed, it then ends the
 * WebDriver session (and so the app), the server and whatever was registered with `onCleanup`, and
 * exits: 0 if passed, 1 if not. On failure it first keeps evidence in the test's output folder.
 */
export async function run(name, driver, body) {
  let failure = null;
  let timer;
  const outOfTime = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: not done after ${budgetMs / 1000} s`)), budgetMs);
  });
  const test = (async () => {
    await driver.waitReady();
    await body();
  })();
  try {
    await Promise.race([test, outOfTime]);
  } catch (e) {
    failure = e;
  }
  clearTimeout(timer);
  if (failure) {
    console.error(`${name}: FAILED`, failure);
    await keepEvidence(driver, failure);
  }
  await ending("the WebDriver session", () => driver.quit());
  await ending("the server", stopServer);
  for (const fn of cleanups.reverse()) await ending("a cleanup", fn);
  console.log(`${name}: ${failure ? "FAILED" : "passed"}`);
  process.exit(failure ? 1 : 0); // the failed body may still be waiting on something: do not wait for it
}

async function ending(what, fn) {
  try {
    await fn();
  } catch (e) {
    console.error(`could not end ${what}: ${e.message}`);
  }
}

/** The error, a screenshot of the display and the page's text and HTML, in the output folder. */
async function keepEvidence(driver, failure) {
  writeFileSync(join(outputDir, "error.txt"), `${failure?.stack ?? failure}\n`);
  // WebDriver screenshots can hang under Xvfb: take the X display's instead, with a time limit.
  try {
    execFileSync("import", ["-window", "root", join(outputDir, "screenshot.png")], {
      timeout: 10000,
      killSignal: "SIGKILL",
      stdio: "ignore",
    });
  } catch (e) {
    const why = e.code === "ENOENT" ? "ImageMagick's import is not installed" : e.message;
    console.error(`no screenshot: ${why}`);
  }
  try {
    const [text, html] = await driver.execute(
      "return [document.body ? document.body.innerText : '', document.documentElement.outerHTML]",
      [],
      5000,
    );
    writeFileSync(join(outputDir, "page.txt"), text);
    writeFileSync(join(outputDir, "page.html"), html);
  } catch (e) {
    console.error(`no page text: ${e.message}`);
  }
  console.error(`evidence: ${outputDir}`);
}
