// End-to-end: the real app binary in WebKit, driven over WebDriver, against a real server, with the
// real Secret Service (gnome-keyring) holding the refresh token. Run by tests/e2e/run.sh.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Driver, sleep } from "./webdriver.mjs";

const app = process.env.PORTAL_APP_BIN;
const serverBin = process.env.PORTAL_SERVER_BIN;
const serverUrl = process.env.PORTAL_SERVER_URL;
const dataDir = process.env.PORTAL_APP_DATA_DIR;
const serverDir = process.env.E2E_SERVER_DIR;
const phone = "13812345678";
const name = "端到端 测试";

let server = null;

async function startServer() {
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

async function stopServer() {
  if (!server) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
  server = null;
}

function keyringEntry() {
  try {
    return execFileSync("secret-tool", ["lookup", "service", "com.brandportal.app", "username", "refresh-token"], {
      encoding: "utf8",
    });
  } catch {
    return null; // secret-tool exits 1 when there is no such entry
  }
}

function cacheBytes() {
  return readdirSync(dataDir)
    .filter((f) => f.startsWith("cache.sqlite"))
    .map((f) => readFileSync(join(dataDir, f), "utf8"))
    .join("");
}

const driver = new Driver();
const step = (what) => console.log(`e2e: ${what}`);

try {
  await startServer();
  await driver.waitReady();

  step("sign up by SMS code");
  await driver.start(app);
  await driver.click('[data-testid="mode-signUp"]');
  await driver.type('[data-testid="phone"]', phone);
  await driver.click('[data-testid="send-code"]');
  await driver.find('[data-testid="notice"]', { text: "+8613812345678" });
  const outbox = await (await fetch(`${serverUrl}/v1/dev/outbox?to=${phone}`)).json();
  const code = outbox.at(-1).code;
  assert.match(code, /^\d{6}$/);
  await driver.type('[data-testid="code"]', code);
  await driver.type('[data-testid="display-name"]', name);
  await driver.click('[data-testid="submit"]');
  await driver.find('[data-testid="greeting"]', { text: name });
  assert.equal(await driver.text(await driver.find('[data-testid="role"]')), "消费者");

  const token = keyringEntry();
  assert.ok(token && token.startsWith("r1."), "the refresh token is in the OS keyring");
  assert.ok(!cacheBytes().includes(token.trim()), "no token in the SQLite cache");
  assert.ok(cacheBytes().includes(name), "the profile is cached");

  step("quit and start again: still signed in");
  await driver.quit();
  await driver.start(app);
  await driver.find('[data-testid="greeting"]', { text: name });
  await driver.find('[data-testid="online-status"]', { text: "在线" });

  step("switch language");
  await driver.click('[data-testid="toggle-locale"]');
  await driver.find('[data-testid="greeting"]', { text: `Hello, ${name}` });
  await driver.click('[data-testid="toggle-locale"]');
  await driver.find('[data-testid="greeting"]', { text: "你好" });

  step("server stopped: the app opens on the cached profile, offline");
  await stopServer();
  await driver.quit();
  await driver.start(app);
  await driver.find('[data-testid="greeting"]', { text: name });
  await driver.find('[data-testid="online-status"]', { text: "离线" });
  assert.ok(keyringEntry(), "offline start does not sign the user out");

  step("server back: refresh goes online");
  await startServer();
  await driver.click('[data-testid="refresh"]');
  await driver.find('[data-testid="online-status"]', { text: "在线" });

  step("devices list shows this device");
  await driver.click('[data-testid="nav-devices"]');
  await driver.find('[data-testid="sessions"]', { text: "本设备" });

  step("sign out: the keyring entry is gone");
  await driver.click('[data-testid="sign-out"]');
  await driver.find('[data-testid="mode-code"]');
  assert.equal(keyringEntry(), null, "the keyring entry is deleted on sign-out");
  assert.ok(!cacheBytes().includes(`"display_name":"${name}"`), "the cached profile is cleared on sign-out");

  step("unreachable server: a clear error");
  await stopServer();
  await driver.click('[data-testid="mode-password"]');
  await driver.type('[data-testid="login"]', "consumer");
  await driver.type('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  const banner = await driver.find('[data-testid="error"]');
  assert.equal(await driver.attribute('[data-testid="error"]', "data-code"), "server_unreachable");
  assert.match(await driver.text(banner), /无法连接服务器/);

  await driver.quit();
  console.log("e2e: passed");
} catch (e) {
  console.error("e2e: FAILED", e);
  try {
    const shot = await driver.request("GET", driver.s("/screenshot"));
    const file = join(dataDir, "..", "failure.png");
    (await import("node:fs")).writeFileSync(file, Buffer.from(shot, "base64"));
    console.error(`e2e: screenshot at ${file}`);
  } catch {}
  try {
    await driver.quit();
  } catch {}
  process.exitCode = 1;
} finally {
  await stopServer();
}
