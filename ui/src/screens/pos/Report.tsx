// The store's day from the server (the ledger of record): sales and returns, by product and by
// promoter, cash differences at shift close, stock from the day's opening to its close, display
// units by state, and the flags a manager checks.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { AmountByKey, DayReport } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { storeDay, yuan } from "../format";
import { FlagText } from "./Notices";
import { useSkuNames } from "./ReceiptView";
import type { PosContext } from "./context";

export function Report({ ctx }: { ctx: PosContext }) {
  const { t, locale } = useI18n();
  const [day, setDay] = useState(storeDay());
  const [report, setReport] = useState<DayReport | null>(null);
  const { error, setError, showError } = useCommandError();
  const [tick, setTick] = useState(0);
  const names = useSkuNames([...(report?.by_product ?? []).map((p) => p.key), ...(report?.stock ?? []).map((s) => s.sku)]);

  useEffect(() => {
    let current = true;
    setError(null);
    commands
      .storeDayReport(ctx.storeId, day)
      .then((r) => current && setReport(r))
      .catch((e) => current && (setReport(null), showError(e)));
    return () => {
      current = false;
    };
  }, [ctx.storeId, day, tick]);

  const table = (rows: AmountByKey[], label: (key: string) => string, testid: string, money = true) => (
    <table className="cart" data-testid={testid}>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <td>{label(r.key)}</td>
            <td className="num">{r.quantity}</td>
            {money && <td className="num">{yuan(r.amount, locale)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <div className="stack">
      <div className="row">
        <label>
          {t("pos.report.day")}
          <input type="date" value={day} onChange={(e) => e.target.value && setDay(e.target.value)} data-testid="report-day" />
        </label>
        <button className="secondary" onClick={() => setTick(tick + 1)} data-testid="report-refresh">
          {t("action.refresh")}
        </button>
      </div>
      <ErrorBanner error={error} />
      {error?.code === "server_unreachable" && <p className="muted">{t("pos.report.online")}</p>}
      {report && (
        <>
          <div className="grid pos-stats">
            <div className="card stat" data-testid="report-sales" data-count={report.sales}>
              <b>{report.sales}</b> {t("pos.report.sales", { amount: yuan(report.sales_amount, locale) })}
            </div>
            <div className="card stat" data-testid="report-returns" data-count={report.returns}>
              <b>{report.returns}</b> {t("pos.report.returns", { amount: yuan(report.refunds_amount, locale) })}
            </div>
          </div>
          <div className="card">
            <h2>{t("pos.report.byProduct")}</h2>
            {table(report.by_product, (k) => names[k] ?? k, "report-by-product")}
          </div>
          <div className="card">
            <h2>{t("pos.report.byPromoter")}</h2>
            {table(report.by_promoter, (k) => k, "report-by-promoter")}
          </div>
          {report.cash_differences.length > 0 && (
            <div className="card">
              <h2>{t("pos.report.cashDifferences")}</h2>
              {table(report.cash_differences, (k) => t(`pos.pay.${k}` as MessageKey), "report-cash")}
            </div>
          )}
          {report.stock.length > 0 && (
            <div className="card">
              <h2>{t("pos.report.stock")}</h2>
              <table className="cart" data-testid="report-stock">
                <thead>
                  <tr>
                    <th />
                    <th className="num">{t("pos.report.opening")}</th>
                    <th className="num">{t("pos.report.in")}</th>
                    <th className="num">{t("pos.report.out")}</th>
                    <th className="num">{t("pos.report.closing")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.stock.map((s) => (
                    <tr key={s.sku} data-sku={s.sku} data-closing={s.closing}>
                      <td>{names[s.sku] ?? s.sku}</td>
                      <td className="num">{s.opening}</td>
                      <td className="num">{s.moved_in > 0 ? `+${s.moved_in}` : 0}</td>
                      <td className="num">{s.moved_out > 0 ? `−${s.moved_out}` : 0}</td>
                      <td className={s.closing < 0 ? "num bad" : "num"}>{s.closing}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="card">
            <h2>{t("pos.report.samples")}</h2>
            {table(report.samples_by_state, (k) => t(`pos.sample.state.${k}` as MessageKey), "report-samples", false)}
          </div>
          {report.flags.length > 0 && (
            <div className="card">
              <h2>{t("pos.report.flags")}</h2>
              <ul className="list" data-testid="report-flags">
                {report.flags.map((f, i) => (
                  <li key={i} className="warn-text">
                    <FlagText flag={f} />
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </div>
  );
}
