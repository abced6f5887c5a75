import { useEffect, useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { ApiError, AppState, CodePurpose } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, asApiError } from "../ErrorBanner";
import type { Run } from "../run";
import type { Reach } from "../reachability";

type Mode = "code" | "password" | "signUp";

export function SignIn({ state, run, busy, reach }: { state: AppState; run: Run; busy: boolean; reach: Reach }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<Mode>("code");
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [cooldown, setCooldown] = useState(0);
  const [server, setServer] = useState(state.server_url);
  const [editServer, setEditServer] = useState(false);

  useEffect(() => {
    if (cooldown <= 0) return;
    const timer = setTimeout(() => setCooldown(cooldown - 1), 1000);
    return () => clearTimeout(timer);
  }, [cooldown]);

  const switchMode = (next: Mode) => {
    setMode(next);
    setError(null);
    setNotice(null);
    setCode("");
  };

  const sendCode = async () => {
    setError(null);
    setNotice(null);
    const purpose: CodePurpose = mode === "signUp" ? "sign_up" : "sign_in";
    try {
      const sent = await commands.sendCode("sms", phone, purpose);
      setNotice(t("code.sent", { target: sent.target, minutes: Math.ceil(sent.expires_in_secs / 60) }));
      setCooldown(sent.resend_after_secs);
    } catch (e) {
      const err = asApiError(e);
      setError(err);
      if (err.retry_after_secs) setCooldown(err.retry_after_secs);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const failure = await run(() => {
      switch (mode) {
        case "code":
          return commands.signInWithCode({ phone, code });
        case "password":
          return commands.signInWithPassword({ login, password });
        case "signUp":
          return commands.signUp({ phone, code, password: password || undefined, display_name: displayName || undefined });
      }
    });
    setError(failure);
  };

  const saveServer = async () => {
    setError(null);
    const failure = await run(() => commands.setServer(server));
    setError(failure);
    if (!failure) {
      setEditServer(false);
      setNotice(t("server.saved"));
    }
  };

  const codeRow = (
    <div className="row">
      <label className="grow">
        {t("field.code")}
        <input
          data-testid="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      </label>
      <button type="button" className="secondary" onClick={sendCode} disabled={cooldown > 0 || !phone} data-testid="send-code">
        {cooldown > 0 ? t("action.resendIn", { secs: cooldown }) : t("action.sendCode")}
      </button>
    </div>
  );

  const phoneField = (
    <label>
      {t("field.phone")}
      <input
        data-testid="phone"
        type="tel"
        inputMode="tel"
        autoComplete="tel"
        placeholder={t("field.phone.hint")}
        value={phone}
        onChange={(e) => setPhone(e.target.value)}
      />
    </label>
  );

  return (
    <section className="card signin">
      <h1>{t("signIn.title")}</h1>
      <p className="muted">{t("signIn.subtitle")}</p>
      <div className="segmented" role="tablist">
        {(["code", "password", "signUp"] as Mode[]).map((m) => (
          <button
            key={m}
            role="tab"
            aria-selected={mode === m}
            className={mode === m ? "active" : ""}
            onClick={() => switchMode(m)}
            data-testid={`mode-${m}`}
          >
            {t(`signIn.tab.${m}` as MessageKey)}
          </button>
        ))}
      </div>
      <form onSubmit={submit} className="form">
        {mode === "password" ? (
          <>
            <label>
              {t("field.login")}
              <input data-testid="login" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} />
            </label>
            <label>
              {t("field.password")}
              <input
                data-testid="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        ) : (
          <>
            {phoneField}
            {codeRow}
            {mode === "signUp" && (
              <>
                <label>
                  {t("field.displayName")}
                  <input data-testid="display-name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
                </label>
                <label>
                  {t("field.passwordOptional")}
                  <input
                    data-testid="password"
                    type="password"
                    autoComplete="new-password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                </label>
              </>
            )}
          </>
        )}
        {notice && <p className="banner info" data-testid="notice">{notice}</p>}
        <ErrorBanner error={error} />
        <button type="submit" className="primary" disabled={busy} data-testid="submit">
          {mode === "signUp" ? t("action.signUp") : t("action.signIn")}
        </button>
      </form>
      <div className="server">
        {editServer ? (
          <div className="row">
            <label className="grow">
              {t("field.server")}
              <input data-testid="server-url" value={server} onChange={(e) => setServer(e.target.value)} />
            </label>
            <button type="button" className="secondary" onClick={saveServer} disabled={busy} data-testid="save-server">
              {t("action.save")}
            </button>
          </div>
        ) : (
          <button type="button" className="link" onClick={() => setEditServer(true)} data-testid="change-server">
            {t("field.server")}: {state.server_url} · {t("action.changeServer")}
          </button>
        )}
        {/* Last on the card: appearing, it moves no control. */}
        {reach === "offline" && (
          <p className="banner error unreachable" role="status" data-testid="server-unreachable">
            {t("server.unreachable", { url: state.server_url })}
          </p>
        )}
      </div>
    </section>
  );
}
