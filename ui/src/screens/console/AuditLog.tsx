// The audit log: every change an administrator or business manager made, newest first — who,
// when, what (the request's method and path) and how it ended.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { AuditEntry } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

export function AuditLog() {
  const { t, time } = useI18n();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const { error, run } = useCommandError();

  const load = useCallback(
    async (before: number | null) => {
      const page = await run(() => commands.auditLog({ before: before ?? undefined }));
      if (!page) return;
      setEntries((list) => (before == null ? page.entries : [...list, ...page.entries]));
      setNext(page.next_before ?? null);
    },
    [run],
  );
  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <section className="card" data-testid="console-audit">
      <h2>{t("console.audit")}</h2>
      <ErrorBanner error={error} />
      <div className="table-wrap">
        <table className="dense" data-testid="audit-rows">
          <thead>
            <tr>
              <th>{t("funds.when")}</th>
              <th>{t("console.who")}</th>
              <th>{t("console.what")}</th>
              <th className="num">{t("console.status")}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-path={e.path} className={e.status >= 400 ? "warn" : ""}>
                <td>{time(e.at)}</td>
                <td>
                  {e.actor_name || e.actor_id.slice(-8)} <span className="muted small">{e.role}</span>
                </td>
                <td>
                  <code>
                    {e.method} {e.path}
                  </code>
                </td>
                <td className="num">{e.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next != null && (
        <button className="secondary" onClick={() => void load(next)} data-testid="audit-more">
          {t("console.more")}
        </button>
      )}
    </section>
  );
}
