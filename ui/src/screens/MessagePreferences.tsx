// What messages a person wants: offers at all, by channel and by kind, and quiet hours (in their
// own time zone) when nothing that would interrupt them is sent. Service messages (orders,
// security) are not offers and are not held back.
import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { MessageChannel, MessagePreferences } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { CATEGORIES } from "./campaigns/campaignForm";

const CHANNELS: MessageChannel[] = ["push", "inbox", "sms", "email"];

/** What the card shows (disabled) until the server's answer: a person's defaults. The card has one
 *  shape whatever it holds, so nothing below it moves when it loads. */
const DEFAULTS: MessagePreferences = {
  marketing: true,
  channels_off: [],
  categories_off: [],
  quiet_start: 21 * 60,
  quiet_end: 8 * 60,
  time_zone: "Asia/Shanghai",
};

/** Minutes after midnight as `HH:MM`, and back (null when not a time). */
const hhmm = (m: number | undefined) => (m === undefined ? "" : `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
const minutes = (text: string): number | null => {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  return m && Number(m[1]) < 24 && Number(m[2]) < 60 ? Number(m[1]) * 60 + Number(m[2]) : null;
};

export function MessagePreferencesCard() {
  const { t } = useI18n();
  const [prefs, setPrefs] = useState<MessagePreferences>(DEFAULTS);
  const [loaded, setLoaded] = useState(false);
  const [saved, setSaved] = useState(false);
  const { error, run } = useCommandError();
  useEffect(() => {
    void run(() => commands.messagePreferences()).then((p) => p && (setPrefs(p), setLoaded(true)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const change = (patch: Partial<MessagePreferences>) => (setSaved(false), setPrefs({ ...prefs, ...patch }));
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const quiet = prefs.quiet_start !== undefined && prefs.quiet_end !== undefined;
  const save = async () => {
    const kept = await run(() => commands.setMessagePreferences(prefs));
    if (kept) (setPrefs(kept), setSaved(true));
  };

  return (
    <section className="card stack" data-testid="message-preferences" data-loaded={loaded}>
      <h2>{t("messages.title")}</h2>
      <ErrorBanner error={error} />
      <label className="check">
        <input type="checkbox" disabled={!loaded} checked={prefs.marketing} onChange={(e) => change({ marketing: e.target.checked })} data-testid="prefs-marketing" />
        {t("messages.offers")}
      </label>
      {/* Shown (disabled) when offers are off too: the card keeps its shape. */}
      <fieldset disabled={!loaded || !prefs.marketing}>
        <legend>{t("messages.channels")}</legend>
        {CHANNELS.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              checked={!prefs.channels_off.includes(c)}
              onChange={() => change({ channels_off: toggle(prefs.channels_off, c) })}
              data-testid={`prefs-channel-${c}`}
            />
            {t(`campaigns.channel.${c}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      <fieldset disabled={!loaded || !prefs.marketing}>
        <legend>{t("messages.kinds")}</legend>
        {CATEGORIES.map((c) => (
          <label key={c} className="check">
            <input type="checkbox" checked={!prefs.categories_off.includes(c)} onChange={() => change({ categories_off: toggle(prefs.categories_off, c) })} />
            {t(`campaigns.category.${c}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      <label className="check">
        <input
          type="checkbox"
          disabled={!loaded}
          checked={quiet}
          onChange={(e) => change(e.target.checked ? { quiet_start: 21 * 60, quiet_end: 8 * 60 } : { quiet_start: undefined, quiet_end: undefined })}
          data-testid="prefs-quiet"
        />
        {t("messages.quiet")}
      </label>
      <fieldset className="row bare" disabled={!loaded || !quiet}>
        <label>
          {t("messages.from")}
          <input type="time" value={hhmm(prefs.quiet_start)} onChange={(e) => { const m = minutes(e.target.value); if (m !== null) change({ quiet_start: m }); }} data-testid="prefs-quiet-start" />
        </label>
        <label>
          {t("messages.until")}
          <input type="time" value={hhmm(prefs.quiet_end)} onChange={(e) => { const m = minutes(e.target.value); if (m !== null) change({ quiet_end: m }); }} data-testid="prefs-quiet-end" />
        </label>
        <span className="muted small">{prefs.time_zone}</span>
      </fieldset>
      <p className="muted small">{t("messages.service")}</p>
      <div className="row">
        <button className="primary" disabled={!loaded} onClick={() => void save()} data-testid="prefs-save">
          {t("messages.save")}
        </button>
        {saved && (
          <span className="muted" role="status" data-testid="prefs-saved">
            {t("messages.saved")}
          </span>
        )}
      </div>
    </section>
  );
}
