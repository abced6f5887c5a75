// Shared pieces of the end-to-end tests: the real server process, the keyring, the app's cache.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "./webdriver.mjs";

export const app = process.env.PORTAL_APP_BIN;
const serverBin = process.env.PORTAL_SERVER_BIN;
export const serverUrl = process.env.PORTAL_SERVER_URL;
export const dataDir = process.env.PORTAL_APP_DATA_DIR;
const serverDir = process.env.E2E_SERVER_DIR;

let server = null;

export async function startServer() {
  const port = new URL(serverUrl).port;
  server = spawn(serverBin, ["serve", "--demo"], {
    env: {
      ...process.env,
      PORTAL_LISTEN: `127.0.0.1:${port}`,
      PORTAL_DATABASE: join(serverDir, "portal.sqlite"),
      PORTAL_KEY_FILE: join(serverDir, "portal.key"),
      PORTAL_DEV_MODE: "true",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${serverUrl}/healthz`)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error("server did not start");
}

export async function stopServer() {
  if (!server) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
  server = null;
}

export function keyringEntry() {
  try {
    return execFileSync("secret-tool", ["lookup", "service", "com.brandportal.app", "username", "refresh-token"], {
      encoding: "utf8",
    });
  } catch {
    return null; // secret-tool exits 1 when there is no such entry
  }
}

export function cacheBytes() {
  return readdirSync(dataDir)
    .filter((f) => f.startsWith("cache.sqlite"))
    .map((f) => readFileSync(join(dataDir, f), "utf8"))
    .join("");
}

/** Runs `body` with a driver; on failure saves a screenshot and sets the exit code. */
export async function run(name, driver, body) {
  try {
    await driver.waitReady();
    await body();
    await driver.quit();
    console.log(`${name}: passed`);
  } catch (e) {
    console.error(`${name}: FAILED`, e);
    // Screenshots (and a session's end after a failure) can hang under Xvfb without a window
    // manager: give up on either after a few seconds.
    const timeout = (what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), 5000));
    try {
      const shot = await Promise.race([driver.request("GET", driver.s("/screenshot")), timeout("screenshot")]);
      (await import("node:fs")).writeFileSync(join(dataDir, "..", "failure.png"), Buffer.from(shot, "base64"));
    } catch {}
    try {
      await Promise.race([driver.quit(), timeout("quit")]);
    } catch {}
    process.exitCode = 1;
  } finally {
    await stopServer();
  }
}
