import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { ApiError, DeviceSession } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, asApiError } from "../ErrorBanner";

export function Devices() {
  const { t, time } = useI18n();
  const [sessions, setSessions] = useState<DeviceSession[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const load = (action: () => Promise<{ sessions: DeviceSession[] }>) => {
    setError(null);
    action()
      .then((list) => setSessions(list.sessions))
      .catch((e) => setError(asApiError(e)));
  };

  useEffect(() => load(commands.listSessions), []);

  return (
    <section className="stack">
      <div className="row spread">
        <h1>{t("devices.title")}</h1>
        <button className="secondary" onClick={() => load(commands.listSessions)}>
          {t("action.refresh")}
        </button>
      </div>
      <ErrorBanner error={error} />
      {sessions && (
        <ul className="list" data-testid="sessions">
          {sessions.map((s) => (
            <li key={s.id} className="card row spread">
              <div>
                <b>{s.device_name}</b> {s.current && <span className="pill">{t("devices.current")}</span>}
                <div className="muted">
                  {t("devices.since", { time: time(s.created_at) })} · {t("devices.lastSeen", { time: time(s.last_seen_at) })}
                </div>
              </div>
              {!s.current && (
                <button className="secondary" onClick={() => load(() => commands.revokeSession(s.id))}>
                  {t("action.revoke")}
                </button>
              )}
            </li>
          ))}
          {sessions.length === 1 && <li className="muted">{t("devices.none")}</li>}
        </ul>
      )}
    </section>
  );
}
