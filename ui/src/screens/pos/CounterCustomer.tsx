// The customer being served at the counter: with their consent (the code sent to their phone,
// which they read out), the promoter sees their purchases, favourites and tags for a while.
import { useEffect, useState, type FormEvent } from "react";
import { commands } from "../../ipc/commands";
import type { CustomerView } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { CustomerCard } from "../CustomerCard";

export function CounterCustomer() {
  const { t } = useI18n();
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [view, setView] = useState<CustomerView | null>(null);
  const { error, setError, showError } = useCommandError();
  const act = <T,>(p: Promise<T>, then: (v: T) => void) => {
    setBusy(true);
    setError(null);
    p.then(then)
      .catch((e) => showError(e))
      .finally(() => setBusy(false));
  };
  const send = (e: FormEvent) => {
    e.preventDefault();
    act(commands.counterCode(phone), () => setSent(true));
  };
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    act(commands.counterConsent(phone, code), (v) => (setView(v), setCode("")));
  };
  const reset = () => (setView(null), setSent(false), setPhone(""), setCode(""), setError(null));
  // The customer's page goes when the customer's permission ends.
  useEffect(() => {
    if (view?.visible_until == null) return;
    const timer = window.setTimeout(reset, Math.max(0, view.visible_until * 1000 - Date.now()));
    return () => window.clearTimeout(timer);
  }, [view]);
  return (
    <section className="card">
      <h2>{t("counter.title")}</h2>
      <p className="muted">{t("counter.explain")}</p>
      {error?.code === "account_not_found" ? (
        <p className="banner error" role="alert" data-testid="error">
          {t("counter.notFound")}
        </p>
      ) : (
        <ErrorBanner error={error} />
      )}
      {!view && (
        <form className="row filters" onSubmit={send}>
          <label className="grow">
            {t("customer.phone")}
            <input type="tel" inputMode="tel" value={phone} onChange={(e) => (setPhone(e.target.value), setSent(false))} data-testid="counter-phone" />
          </label>
          <button className={sent ? "secondary" : "primary"} disabled={busy || !phone.trim()} data-testid="counter-send">
            {sent ? t("counter.sendAgain") : t("counter.send")}
          </button>
        </form>
      )}
      {sent && !view && (
        <form className="row filters" onSubmit={confirm}>
          <label className="grow">
            {t("counter.code")}
            <input inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} data-testid="counter-code" />
          </label>
          <button className="primary" disabled={busy || code.trim().length !== 6} data-testid="counter-confirm">
            {t("counter.confirm")}
          </button>
        </form>
      )}
      {view && (
        <>
          <CustomerCard view={view} />
          <button className="secondary" onClick={reset} data-testid="counter-done">
            {t("counter.done")}
          </button>
        </>
      )}
    </section>
  );
}
