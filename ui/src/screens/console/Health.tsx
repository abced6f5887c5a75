// The system's health: the database, the instances heard from in the last two minutes, this
// instance's requests and server errors, and what waits (operations set aside on devices, orders
// waiting for review, shipments on their way). Prometheus reads the same from /metrics.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { SystemHealth } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

export function Health() {
  const { t, time } = useI18n();
  const [health, setHealth] = useState<SystemHealth | null>(null);
  const { error, run } = useCommandError();
  const load = useCallback(() => {
    void run(() => commands.systemHealth()).then((h) => h && setHealth(h));
  }, [run]);
  useEffect(load, [load]);
  if (!health) return <ErrorBanner error={error} />;
  const rate = health.requests > 0 ? ((health.server_errors / health.requests) * 100).toFixed(2) : "0.00";
  return (
    <section className="card" data-testid="console-health">
      <div className="row spread">
        <h2>{t("console.health")}</h2>
        <button className="secondary" onClick={load}>
          {t("console.refresh")}
        </button>
      </div>
      <ErrorBanner error={error} />
      <dl className="facts">
        <dt>{t("console.database")}</dt>
        <dd data-testid="health-database">{health.database}</dd>
        <dt>{t("console.requests")}</dt>
        <dd>{t("console.requestsValue", { requests: health.requests, errors: health.server_errors, rate })}</dd>
        <dt>{t("console.setAside")}</dt>
        <dd>{health.set_aside_7d}</dd>
        <dt>{t("console.waitingReview")}</dt>
        <dd>{health.orders_waiting_review}</dd>
        <dt>{t("console.onTheWay")}</dt>
        <dd>{health.shipments_on_the_way}</dd>
      </dl>
      <h3>{t("console.instances", { count: health.instances.length })}</h3>
      <table className="dense" data-testid="health-instances">
        <tbody>
          {health.instances.map((i) => (
            <tr key={i.id}>
              <td>{i.id.slice(-8)}</td>
              <td>{t("console.startedAt", { time: time(i.started_at) })}</td>
              <td>{t("console.lastSeen", { time: time(i.last_seen) })}</td>
              <td className="muted">{i.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
