import { useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { ApiError, AppState, IdentityKind } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import type { Run } from "../run";
import { Privacy } from "./Privacy";
import { MessagePreferencesCard } from "./MessagePreferences";
import { OwnCustomerView } from "./OwnCustomerView";

export function Profile({
  state,
  run,
  onDevices,
  onSignOut,
}: {
  state: AppState;
  run: Run;
  /** On a phone, the places the bottom tab bar has no room for are reached from here. */
  onDevices: () => void;
  onSignOut: () => void;
}) {
  const { t, time } = useI18n();
  const profile = state.profile!;
  const [name, setName] = useState(profile.display_name);
  const [birthday, setBirthday] = useState(profile.birthday ?? "");
  const [kind, setKind] = useState<IdentityKind>("phone");
  const [value, setValue] = useState("");
  const [code, setCode] = useState("");
  const [username, setUsername] = useState("");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const { error, setError, showError } = useCommandError();
  const [notice, setNotice] = useState<string | null>(null);

  const outcome = (failure: ApiError | null, ok: string) => {
    setError(failure);
    setNotice(failure ? null : ok);
  };

  const saveName = async (e: FormEvent) => {
    e.preventDefault();
    outcome(await run(() => commands.updateProfile(name, profile.role === "consumer" ? birthday.trim() : null)), t("profile.saved"));
  };

  const sendLinkCode = async () => {
    setError(null);
    try {
      const sent = await commands.sendCode(kind === "email" ? "email" : "sms", value, "link");
      setNotice(t("code.sent", { target: sent.target, minutes: Math.ceil(sent.expires_in_secs / 60) }));
    } catch (e) {
      showError(e);
    }
  };

  const link = async (e: FormEvent) => {
    e.preventDefault();
    const failure = await run(() => commands.linkIdentity({ kind, value, code }));
    outcome(failure, t("profile.linked"));
    if (!failure) {
      setValue("");
      setCode("");
    }
  };

  const linkUsername = async (e: FormEvent) => {
    e.preventDefault();
    outcome(await run(() => commands.linkIdentity({ kind: "username", value: username, code: "" })), t("profile.linked"));
  };

  const savePassword = async (e: FormEvent) => {
    e.preventDefault();
    const failure = await run(() =>
      commands.setPassword({ new_password: next, current_password: profile.has_password ? current : undefined }),
    );
    outcome(failure, t("profile.saved"));
    if (!failure) {
      setCurrent("");
      setNext("");
    }
  };

  const hasUsername = profile.identities.some((i) => i.kind === "username");

  return (
    <section className="stack">
      <h1>{t("profile.title")}</h1>
      <ErrorBanner error={error} />
      {notice && <p className="banner info">{notice}</p>}
      <div className="card">
        <p className="muted">
          {t("profile.userId")}: <code data-testid="user-id">{profile.user_id}</code>
        </p>
        <form className="row" onSubmit={saveName}>
          <label className="grow">
            {t("field.displayName")}
            <input data-testid="profile-name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          {profile.role === "consumer" && (
            <label>
              {t("profile.birthday")}
              <input
                data-testid="profile-birthday"
                value={birthday}
                onChange={(e) => setBirthday(e.target.value)}
                placeholder={t("profile.birthdayHint")}
                inputMode="numeric"
                maxLength={5}
              />
            </label>
          )}
          <button className="primary">{t("action.save")}</button>
        </form>
      </div>
      <div className="card">
        <h2>{t("profile.identities")}</h2>
        <ul className="list" data-testid="identities">
          {profile.identities.map((i) => (
            <li key={`${i.kind}:${i.value}`}>
              <span className="pill">{t(`profile.kind.${i.kind}` as MessageKey)}</span> {i.value}{" "}
              <span className="muted">
                · {i.verified ? t("profile.verified") : t("profile.unverified")} · {time(i.linked_at, true)}
              </span>
            </li>
          ))}
        </ul>
        <h3>{t("profile.link")}</h3>
        <form className="form" onSubmit={link}>
          <div className="row">
            <select value={kind} onChange={(e) => setKind(e.target.value as IdentityKind)} aria-label={t("profile.link")} data-testid="link-kind">
              <option value="phone">{t("profile.kind.phone")}</option>
              <option value="email">{t("profile.kind.email")}</option>
            </select>
            <input
              className="grow"
              data-testid="link-value"
              type={kind === "email" ? "email" : "tel"}
              inputMode={kind === "email" ? "email" : "tel"}
              aria-label={kind === "email" ? t("field.email") : t("field.phone")}
              placeholder={kind === "email" ? t("field.email") : t("field.phone")}
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
            <button type="button" className="secondary" onClick={sendLinkCode} disabled={!value}>
              {t("action.sendCode")}
            </button>
          </div>
          <div className="row">
            <input
              className="grow"
              data-testid="link-code"
              placeholder={t("field.code")}
              aria-label={t("field.code")}
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <button className="primary" disabled={!value || !code}>{t("action.link")}</button>
          </div>
        </form>
        {!hasUsername && (
          <>
            <h3>{t("profile.linkUsername")}</h3>
            <form className="row" onSubmit={linkUsername}>
              <input className="grow" aria-label={t("field.username")} placeholder={t("field.username")} value={username} onChange={(e) => setUsername(e.target.value)} />
              <button className="primary" disabled={!username}>{t("action.save")}</button>
            </form>
          </>
        )}
      </div>
      <div className="card">
        <h2>{t("profile.password")}</h2>
        <p className="muted">{profile.has_password ? t("profile.passwordSet") : t("profile.passwordNone")}</p>
        <form className="form" onSubmit={savePassword}>
          {profile.has_password && (
            <label>
              {t("field.currentPassword")}
              <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
            </label>
          )}
          <label>
            {t("field.newPassword")}
            <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
          </label>
          <button className="primary" disabled={!next}>{t("action.save")}</button>
        </form>
      </div>
      <MessagePreferencesCard />
      <Privacy />
      {profile.role === "consumer" && <OwnCustomerView />}
      <div className="card stack phone-only" data-testid="profile-more">
        <h2>{t("profile.more")}</h2>
        <button className="secondary" onClick={onDevices} data-testid="profile-devices">
          {t("nav.devices")}
        </button>
        <button className="secondary bad" onClick={onSignOut} data-testid="profile-sign-out">
          {t("nav.signOut")}
        </button>
      </div>
    </section>
  );
}
