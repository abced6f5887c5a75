// End-to-end: the real app binary in WebKit, driven over WebDriver, against a real server, with the
// real Secret Service (gnome-keyring) holding the refresh token. Run by tests/e2e/run.sh.
import assert from "node:assert/strict";
import { Driver } from "./webdriver.mjs";
import { app, cacheBytes, fetchTimed, keyringEntry, run, serverUrl, startServer, stopServer } from "./harness.mjs";

const phone = "13812345678";
const name = "端到端 测试";

const driver = new Driver();
const step = (what) => console.log(`e2e sign-in: ${what}`);

await run("e2e sign-in", driver, async () => {
  await startServer();

  step("sign up by SMS code");
  await driver.start(app);
  await driver.click('[data-testid="mode-signUp"]');
  await driver.fill('[data-testid="phone"]', phone);
  await driver.click('[data-testid="send-code"]');
  await driver.find('[data-testid="notice"]', { text: "+8613812345678" });
  const outbox = await (await fetchTimed(`${serverUrl}/v1/dev/outbox?to=${phone}`)).json();
  const code = outbox.at(-1).code;
  assert.match(code, /^\d{6}$/);
  await driver.fill('[data-testid="code"]', code);
  await driver.fill('[data-testid="display-name"]', name);
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
  await driver.fill('[data-testid="login"]', "consumer");
  await driver.fill('[data-testid="password"]', "Portal#2026");
  await driver.click('[data-testid="submit"]');
  const banner = await driver.find('[data-testid="error"]');
  assert.equal(await driver.attribute('[data-testid="error"]', "data-code"), "server_unreachable");
  assert.match(await driver.text(banner), /无法连接服务器/);
  await driver.find('[data-testid="online-status"]', { text: "离线" });

  step("unreachable server at start, signed out: the header says so by itself, then turns online");
  await driver.quit();
  await driver.start(app);
  await driver.find('[data-testid="submit"]');
  // Not "online" before the server answered: connecting, then offline once the first call fails.
  assert.notEqual(await driver.attribute('[data-testid="online-status"]', "data-reach"), "online", "no answer yet, no 在线");
  await driver.find('[data-testid="online-status"]', { text: "离线", timeoutMs: 30000 });
  await driver.find('[data-testid="server-unreachable"]', { text: serverUrl.replace(/\/$/, "") });
  await startServer();
  // Asked again every few seconds while it cannot be reached.
  await driver.find('[data-testid="online-status"]', { text: "在线", timeoutMs: 60000 });
  assert.equal(await driver.exists('[data-testid="server-unreachable"]'), false, "the line goes once the server answers");
});
