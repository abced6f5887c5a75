// A dealer's trends for their business manager (我的客户): orders placed, units their stores sold
// and rebates settled in each of the last six months (this month so far last), the last full
// month against the three before it, with the credit in use and the stock at their stores.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { DealerTrends, TrendLine } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { yuan } from "../format";

export function TrendsCard({ dealerId, dealerName }: { dealerId: string; dealerName: string }) {
  const { t, locale } = useI18n();
  const [trends, setTrends] = useState<DealerTrends | null>(null);
  const { error, run } = useCommandError();
  useEffect(() => {
    let live = true;
    void run(() => commands.dealerTrends(dealerId)).then((d) => live && d && setTrends(d));
    return () => {
      live = false;
    };
  }, [dealerId, run]);
  if (!trends) return <ErrorBanner error={error} />;
  const rows: { key: string; line: TrendLine; money: boolean }[] = [
    { key: "ordered", line: trends.ordered, money: true },
    { key: "sell_through", line: trends.sell_through, money: false },
    { key: "rebates", line: trends.rebates, money: true },
  ];
  const used = trends.credit.receivables + trends.credit.reserved;
  return (
    <section className="card" data-testid="dealer-trends">
      <h2>{t("trends.title", { dealer: dealerName })}</h2>
      <p className="muted">
        {t("trends.credit", { used: yuan(used, locale), limit: yuan(trends.credit.limit, locale) })} ·{" "}
        {t("trends.stock", { units: trends.stock_on_hand })}
      </p>
      <div className="table-wrap">
        <table className="dense" data-testid="trends-rows">
          <thead>
            <tr>
              <th />
              {trends.months.map((m) => (
                <th key={m} className="num">
                  {m}
                </th>
              ))}
              <th className="num">{t("trends.change")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ key, line, money }) => {
              const top = Math.max(1, ...line.values);
              return (
                <tr key={key} data-trend={key} data-change={line.change_percent ?? ""}>
                  <td>{t(`trends.${key}` as MessageKey)}</td>
                  {line.values.map((v, i) => (
                    <td key={i} className="num">
                      <div className="bar" style={{ width: `${Math.round((v / top) * 100)}%` }} aria-hidden="true" />
                      {money ? yuan(v, locale) : v}
                    </td>
                  ))}
                  <td className={`num ${(line.change_percent ?? 0) < 0 ? "error" : ""}`}>
                    {line.change_percent == null ? "—" : `${line.change_percent > 0 ? "+" : ""}${line.change_percent}%`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
