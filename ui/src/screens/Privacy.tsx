import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { EventHistory, RecordedEvent, TrackingState } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";

/** The person's choice about tracking, and what the brand recorded about them: seen and deleted
 *  here. */
export function Privacy() {
  const { t, time } = useI18n();
  const [state, setState] = useState<TrackingState | null>(null);
  const [history, setHistory] = useState<EventHistory | null>(null);
  const { error, setError, showError } = useCommandError();
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    commands.trackingState().then(setState).catch((e) => showError(e));
  }, []);
  const toggle = (on: boolean) => {
    setError(null);
    commands.setTracking(on).then(setState).catch((e) => showError(e));
  };
  const load = (more: boolean) => {
    setError(null);
    const last = more ? history?.events[history.events.length - 1]?.event : undefined;
    commands
      .eventHistory(last?.at ?? null, last?.id ?? null)
      .then((page) => {
        setHistory(more && history ? { total: page.total, events: [...history.events, ...page.events] } : page);
        // Showing the history sent what waited on the device.
        commands.trackingState().then(setState).catch(() => {});
      })
      .catch((e) => showError(e));
  };
  const erase = () => {
    setConfirming(false);
    commands
      .deleteEventHistory()
      .then((d) => {
        setNotice(t("privacy.deleted", { count: d.deleted }));
        setHistory({ total: 0, events: [] });
      })
      .catch((e) => showError(e));
  };
  const describe = (e: RecordedEvent) => {
    const what = t(`privacy.kind.${e.event.kind}` as MessageKey);
    const about = e.event.model ?? e.event.query ?? e.event.models?.join(", ") ?? e.event.detail ?? "";
    return about ? t("privacy.entry", { what, about }) : what;
  };
  return (
    <div className="card stack" data-testid="privacy">
      <h2>{t("privacy.title")}</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={state?.tracking ?? true}
          disabled={!state}
          onChange={(e) => toggle(e.target.checked)}
          data-testid="tracking-toggle"
        />
        {t("privacy.tracking")}
      </label>
      <p className="muted small">{t("privacy.explain")}</p>
      {/* Always one line, also before the device's count is known: a line that appeared late would
          push down whatever is below it (a phone's sign-out) as it was being tapped. */}
      <p className="muted small one-line" data-testid="events-waiting" data-waiting={state?.waiting ?? ""}>
        {state === null ? "\u00a0" : state.waiting > 0 ? t("privacy.waiting", { count: state.waiting }) : t("privacy.allSent")}
      </p>
      <ErrorBanner error={error} />
      {notice && <p className="banner info">{notice}</p>}
      <div className="row">
        <button className="secondary" onClick={() => load(false)} data-testid="show-activity">
          {t("privacy.show")}
        </button>
        {confirming ? (
          <button className="secondary bad" onClick={erase} data-testid="confirm-delete-activity">
            {t("privacy.confirmDelete")}
          </button>
        ) : (
          <button className="secondary bad" onClick={() => setConfirming(true)} data-testid="delete-activity">
            {t("privacy.delete")}
          </button>
        )}
      </div>
      {history && (
        <>
          <p className="muted" data-testid="activity-total" data-total={history.total}>
            {t("privacy.total", { count: history.total })}
          </p>
          <ul className="list" data-testid="activity">
            {history.events.map((e) => (
              <li key={e.event.id} className="row spread" data-kind={e.event.kind}>
                <span>{describe(e)}</span>
                <span className="muted small nowrap">{time(e.event.at)}</span>
              </li>
            ))}
          </ul>
          {history.events.length < history.total && (
            <button className="link" onClick={() => load(true)} data-testid="more-activity">
              {t("privacy.more")}
            </button>
          )}
        </>
      )}
    </div>
  );
}
