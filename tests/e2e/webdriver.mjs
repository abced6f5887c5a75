// A minimal W3C WebDriver client over fetch, for driving the real app through tauri-driver.
const ELEMENT = "element-6066-11e4-a6c6-4a4a4a4a4a4a";

export class Driver {
  constructor(base = "http://127.0.0.1:4444") {
    this.base = base;
    this.session = null;
  }

  async request(method, path, body) {
    const res = await fetch(this.base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json.value ?? json)}`);
    return json.value;
  }

  async waitReady(timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      try {
        await this.request("GET", "/status");
        return;
      } catch {
        await sleep(200);
      }
    }
    throw new Error("tauri-driver did not come up");
  }

  async start(application) {
    const value = await this.request("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application } } },
    });
    this.session = value.sessionId;
  }

  async quit() {
    if (this.session) await this.request("DELETE", `/session/${this.session}`);
    this.session = null;
  }

  s(path) {
    return `/session/${this.session}${path}`;
  }

  /** Waits until `css` matches an element (and `predicate(text)` holds, when given). */
  async find(css, { timeoutMs = 20000, text } = {}) {
    const end = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < end) {
      try {
        const el = await this.request("POST", this.s("/element"), { using: "css selector", value: css });
        const id = el[ELEMENT] ?? Object.values(el)[0];
        if (!text) return id;
        last = await this.text(id);
        if (typeof text === "string" ? last.includes(text) : text(last)) return id;
      } catch {
        // not there yet
      }
      await sleep(150);
    }
    throw new Error(`timed out waiting for ${css}${text ? ` with text ${text} (last: ${JSON.stringify(last)})` : ""}`);
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

  async type(css, text) {
    const id = await this.find(css);
    await this.request("POST", this.s(`/element/${id}/clear`), {});
    await this.request("POST", this.s(`/element/${id}/value`), { text });
  }

  async text(id) {
    return this.request("GET", this.s(`/element/${id}/text`));
  }

  async attribute(css, name) {
    const id = await this.find(css);
    return this.request("GET", this.s(`/element/${id}/attribute/${name}`));
  }

  async execute(script, args = []) {
    return this.request("POST", this.s("/execute/sync"), { script, args });
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
