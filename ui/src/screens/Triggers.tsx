import { useEffect, useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { TriggerKind, TriggerList } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";

const KINDS: TriggerKind[] = ["after_purchase", "back_in_stock", "after_sign_in", "birthday"];

/** Triggered offers for operators: when a customer's event happens (a purchase, a saved product
 *  back in stock, a sign-in), a message with products chosen for them lands in their inbox, at
 *  most once per cooldown. Each trigger shows how many it sent; it can be paused. */
export function Triggers() {
  const { t, time } = useI18n();
  const [list, setList] = useState<TriggerList>({ triggers: [] });
  const { error, setError, showError } = useCommandError();
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<TriggerKind>("after_purchase");
  const [titleZh, setTitleZh] = useState("");
  const [titleEn, setTitleEn] = useState("");
  const [bodyZh, setBodyZh] = useState("");
  const [bodyEn, setBodyEn] = useState("");
  const [cooldown, setCooldown] = useState("7");
  const run = (p: Promise<TriggerList>) => {
    setBusy(true);
    setError(null);
    p.then(setList)
      .catch((e) => showError(e))
      .finally(() => setBusy(false));
  };
  useEffect(() => run(commands.triggers()), []);
  const save = (e: FormEvent) => {
    e.preventDefault();
    const days = Number(cooldown);
    run(
      commands
        .createTrigger({ name, kind, title_zh: titleZh, title_en: titleEn, body_zh: bodyZh, body_en: bodyEn, cooldown_days: Number.isInteger(days) && days >= 0 ? days : -1 })
        .then(() => {
          setName("");
          return commands.triggers();
        }),
    );
  };
  const kindName = (k: TriggerKind) => t(`triggers.kind.${k}` as MessageKey);
  const field = (label: MessageKey, value: string, set: (v: string) => void, testId: string, max: number) => (
    <label>
      {t(label)}
      <input value={value} onChange={(e) => set(e.target.value)} data-testid={testId} maxLength={max} />
    </label>
  );
  return (
    <section className="card" data-testid="triggers-panel">
      <h2>{t("triggers.title")}</h2>
      <p className="muted small">{t("triggers.hint")}</p>
      <ErrorBanner error={error} />
      <form className="stack" onSubmit={save}>
        <div className="row filters">
          {field("triggers.name", name, setName, "trigger-name", 60)}
          <label>
            {t("triggers.kind")}
            <select value={kind} onChange={(e) => setKind(e.target.value as TriggerKind)} data-testid="trigger-kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindName(k)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("triggers.cooldown")}
            <input value={cooldown} onChange={(e) => setCooldown(e.target.value)} inputMode="numeric" data-testid="trigger-cooldown" />
          </label>
        </div>
        <div className="row filters">
          {field("triggers.titleZh", titleZh, setTitleZh, "trigger-title-zh", 80)}
          {field("triggers.titleEn", titleEn, setTitleEn, "trigger-title-en", 80)}
        </div>
        <div className="row filters">
          {field("triggers.bodyZh", bodyZh, setBodyZh, "trigger-body-zh", 300)}
          {field("triggers.bodyEn", bodyEn, setBodyEn, "trigger-body-en", 300)}
        </div>
        <button className="primary" disabled={busy || !name.trim()} data-testid="trigger-save">
          {t("triggers.save")}
        </button>
      </form>
      <div className="table-wrap">
        <table className="dense" data-testid="trigger-list">
          <thead>
            <tr>
              <th>{t("triggers.name")}</th>
              <th>{t("triggers.kind")}</th>
              <th className="num">{t("triggers.cooldown")}</th>
              <th className="num">{t("triggers.sent")}</th>
              <th>{t("triggers.since")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.triggers.map((tr) => (
              <tr key={tr.id} data-trigger={tr.name} data-active={tr.active}>
                <td>{tr.name}</td>
                <td>{kindName(tr.kind)}</td>
                <td className="num">{tr.cooldown_days}</td>
                <td className="num" data-testid="trigger-sent">
                  {tr.sent}
                </td>
                <td>{time(tr.created_at)}</td>
                <td>
                  <button className="link" disabled={busy} onClick={() => run(commands.setTriggerActive(tr.id, !tr.active))}>
                    {tr.active ? t("triggers.pause") : t("triggers.resume")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
