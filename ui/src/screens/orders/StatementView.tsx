// A dealer's statement (对账单) for a month: the balances it opened on, every movement of the
// credit line with the balances it left, and where it closed; printable as a page.
import { useState } from "react";
import { commands } from "../../ipc/commands";
import type { Statement } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { yuan } from "../format";

/** The first and last day of a month written YYYY-MM. */
export function monthSpan(month: string): { from: string; to: string } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return null;
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

export function StatementView({ dealerId }: { dealerId: string }) {
  const { t, time, locale } = useI18n();
  // This month on the device's calendar (not UTC's, a day behind in China until 08:00).
  const [month, setMonth] = useState(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
  });
  const [statement, setStatement] = useState<Statement | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const { error, run } = useCommandError();
  const saveCsv = async () => {
    if (!statement) return;
    const path = await run(() => commands.saveStatementCsv(dealerId, statement.from, statement.to));
    if (path) setSaved(path);
  };
  const load = async () => {
    const span = monthSpan(month);
    if (!span) return;
    const s = await run(() => commands.dealerStatement(dealerId, span.from, span.to));
    if (s) setStatement(s);
  };
  return (
    <section className="card statement" data-testid="dealer-statement">
      <div className="row spread no-print">
        <h2>{t("statement.title")}</h2>
        <div className="row">
          <input type="month" value={month} onChange={(e) => setMonth(e.target.value)} aria-label={t("statement.month")} data-testid="statement-month" />
          <button className="secondary" onClick={() => void load()} data-testid="statement-show">
            {t("statement.show")}
          </button>
          {statement && (
            <button className="secondary" onClick={() => window.print()}>
              {t("statement.print")}
            </button>
          )}
          {statement && (
            <button className="secondary" onClick={() => void saveCsv()} data-testid="statement-csv">
              {t("statement.saveCsv")}
            </button>
          )}
        </div>
      </div>
      <ErrorBanner error={error} />
      {saved && (
        <p className="muted no-print" data-testid="statement-saved" data-path={saved}>
          {t("statement.savedTo", { path: saved })}
        </p>
      )}
      {statement && (
        <>
          <h3>
            {statement.dealer.name} · {statement.from} – {statement.to}
          </h3>
          {statement.truncated && <p className="banner warning">{t("statement.truncated")}</p>}
          <div className="table-wrap">
            <table className="dense" data-testid="statement-lines">
              <thead>
                <tr>
                  <th>{t("statement.time")}</th>
                  <th>{t("statement.kind")}</th>
                  <th className="num">{t("orders.amount")}</th>
                  <th>{t("orders.number")}</th>
                  <th className="num">{t("orders.receivables")}</th>
                  <th className="num">{t("orders.reserved")}</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td colSpan={4}>{t("statement.opening")}</td>
                  <td className="num">{yuan(statement.opening_receivables, locale)}</td>
                  <td className="num">{yuan(statement.opening_reserved, locale)}</td>
                </tr>
                {statement.lines.map((l, i) => (
                  <tr key={i} data-kind={l.kind}>
                    <td>{time(l.at)}</td>
                    <td>
                      {t(`statement.kind.${l.kind}` as MessageKey)}
                      {l.reason && <div className="muted small">{l.reason}</div>}
                    </td>
                    <td className="num">{yuan(l.amount, locale)}</td>
                    <td>{l.order_id ? l.order_id.slice(-8).toUpperCase() : ""}</td>
                    <td className="num">{yuan(l.receivables, locale)}</td>
                    <td className="num">{yuan(l.reserved, locale)}</td>
                  </tr>
                ))}
                <tr data-testid="statement-closing" data-receivables={statement.closing_receivables}>
                  <td colSpan={4}>
                    <b>{t("statement.closing")}</b>
                  </td>
                  <td className="num">
                    <b>{yuan(statement.closing_receivables, locale)}</b>
                  </td>
                  <td className="num">
                    <b>{yuan(statement.closing_reserved, locale)}</b>
                  </td>
                </tr>
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
