// A minimal W3C WebDriver client over fetch, for driving the real app through tauri-driver.
// Every request and every wait has a time limit: a test fails with a message, it never hangs.
const ELEMENT = "element-6066-11e4-a6c6-4a4a4a4a4a4a";

/** WebDriver's code points for keys, for `sendKeys`. */
export const Keys = { ENTER: "\uE007" };

/** Time limits (ms) of one request: most answer at once; starting the app and async scripts take longer. */
const REQUEST_MS = 30000;
const SESSION_MS = 60000;
const SCRIPT_MS = 45000; // above WebDriver's default script timeout (30 s), so its own error comes first

// Sets a field's value the way React sees typing: React keeps its own copy of the value on the element,
// so the value is set through the prototype's native setter, then `input` (and `change`, which a select
// listens to) tells React. No key events: WebDriver's clear fires no input event, so React could put the
// old value back before the keys arrive (a search once read "电视变频 冰箱" for "变频 冰箱").
const FILL_SCRIPT = `
  const [css, text] = arguments;
  const el = document.querySelector(css);
  if (!el) return "no element matches " + css;
  const proto = el instanceof HTMLInputElement ? HTMLInputElement.prototype
    : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
    : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : null;
  if (!proto) return css + " is a <" + el.localName + ">, not a text field or a select";
  if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === text)) return "no option " + text;
  el.focus();
  Object.getOwnPropertyDescriptor(proto, "value").set.call(el, text);
  el.dispatchEvent(new Event("input", { bubbles: true }));
  el.dispatchEvent(new Event("change", { bubbles: true }));
  return null;`;

export class Driver {
  constructor(base = process.env.E2E_DRIVER_URL ?? "http://127.0.0.1:4444") {
    this.base = base;
    this.session = null;
  }

  async request(method, path, body, timeoutMs = REQUEST_MS) {
    const signal = AbortSignal.timeout(timeoutMs);
    let res, text;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await res.text();
    } catch (e) {
      if (signal.aborted) throw new Error(`${method} ${path}: no answer from the WebDriver server in ${timeoutMs} ms`);
      throw new Error(`${method} ${path}: ${e.cause?.message ?? e.message}`);
    }
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    if (!res.ok) {
      throw new Error(`${method} ${path} -> ${res.status}: ${json ? JSON.stringify(json.value ?? json) : text.slice(0, 500)}`);
    }
    return json?.value;
  }

  async waitReady(timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    let last;
    while (Date.now() < end) {
      try {
        await this.request("GET", "/status", undefined, 2000);
        return;
      } catch (e) {
        last = e.message;
        await sleep(200);
      }
    }
    throw new Error(`tauri-driver did not come up at ${this.base} in ${timeoutMs} ms (${last})`);
  }

  /** Starts the app (a new WebDriver session). */
  async start(application) {
    const value = await this.request(
      "POST",
      "/session",
      { capabilities: { alwaysMatch: { "tauri:options": { application } } } },
      SESSION_MS,
    );
    this.session = value.sessionId;
  }

  /** Ends the session (and the app). Ends it here even if the driver does not answer. */
  async quit(timeoutMs = 15000) {
    const session = this.session;
    this.session = null;
    if (session) await this.request("DELETE", `/session/${session}`, undefined, timeoutMs);
  }

  s(path) {
    if (!this.session) throw new Error(`no WebDriver session (for ${path})`);
    return `/session/${this.session}${path}`;
  }

  /** Waits until `css` matches an element (and `text` is in its text, or `text(itsText)` holds). */
  async find(css, { timeoutMs = 20000, text } = {}) {
    const end = Date.now() + timeoutMs;
    let last = "";
    let error = "";
    while (Date.now() < end) {
      try {
        const el = await this.request("POST", this.s("/element"), { using: "css selector", value: css }, 10000);
        const id = el[ELEMENT] ?? Object.values(el)[0];
        if (!text) return id;
        last = await this.text(id);
        if (typeof text === "string" ? last.includes(text) : text(last)) return id;
      } catch (e) {
        error = e.message; // not there yet (or the driver is gone: said below)
      }
      await sleep(150);
    }
    const want = text ? ` with text ${text} (last: ${JSON.stringify(last)})` : "";
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${css}${want}${error ? `; last error: ${error}` : ""}`);
  }

  async exists(css) {
    const found = await this.request("POST", this.s("/elements"), { using: "css selector", value: css });
    return found.length > 0;
  }

  async click(css) {
    const id = await this.find(css);
    await this.request("POST", this.s(`/element/${id}/click`), {});
  }

  /** Clicks the n-th match in the page's own script (for controls a sticky bar may overlap). */
  async clickNth(css, n) {
    await this.find(css);
    await this.execute("document.querySelectorAll(arguments[0])[arguments[1]].click()", [css, n]);
  }

  /**
   * Puts `text` in the text field (or picks the option of a select) matching `css`, replacing what
   * was there, then waits until the field holds exactly `text` (twice in a row, so React putting
   * an old value back is seen). The one way tests enter text; for key events use `sendKeys`.
   */
  async fill(css, text, { timeoutMs = 5000 } = {}) {
    await this.find(css);
    const end = Date.now() + timeoutMs;
    let problem;
    // Tried again while it cannot be done: a select's options, say, may still be loading.
    while ((problem = await this.execute(FILL_SCRIPT, [css, text])) && Date.now() < end) await sleep(100);
    if (problem) throw new Error(`fill ${css}: ${problem}`);
    const value = () => this.execute("return document.querySelector(arguments[0])?.value ?? null", [css]);
    let last;
    while (Date.now() < end) {
      last = await value();
      if (last === text) {
        await sleep(100);
        if ((last = await value()) === text) return;
      }
      await sleep(100);
    }
    throw new Error(`fill ${css}: wanted ${JSON.stringify(text)}, the field holds ${JSON.stringify(last)} after ${timeoutMs} ms`);
  }

  /**
   * Sends real key events to the element matching `css` (WebDriver focuses it first). Only for what
   * must see keys, such as Enter submitting a scan box's form; to enter text, use `fill`.
   */
  async sendKeys(css, keys) {
    const id = await this.find(css);
    await this.request("POST", this.s(`/element/${id}/value`), { text: keys });
  }

  async text(id) {
    return this.request("GET", this.s(`/element/${id}/text`));
  }

  async attribute(css, name) {
    const id = await this.find(css);
    return this.request("GET", this.s(`/element/${id}/attribute/${name}`));
  }

  async execute(script, args = [], timeoutMs = REQUEST_MS) {
    return this.request("POST", this.s("/execute/sync"), { script, args }, timeoutMs);
  }

  /** Runs a script that calls its last argument with the result (for promises). */
  async executeAsync(script, args = []) {
    return this.request("POST", this.s("/execute/async"), { script, args }, SCRIPT_MS);
  }
}

/** Polls `check` until it returns true; when time runs out, what it last returned is in the error. */
export async function waitFor(what, check, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last === true) return;
    await sleep(150);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
