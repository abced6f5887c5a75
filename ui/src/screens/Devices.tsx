import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { DeviceSession } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";

export function Devices() {
  const { t, time } = useI18n();
  const [sessions, setSessions] = useState<DeviceSession[] | null>(null);
  const { error, run } = useCommandError();

  const load = (action: () => Promise<{ sessions: DeviceSession[] }>) =>
    void run(action).then((list) => list && setSessions(list.sessions));

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
