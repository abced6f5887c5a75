import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { RecommendationReport as Report } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { named, recommenderName, yuan } from "./format";

const PERIODS = [7, 30, 90];

/** The operator's view of the trail from recommendation to purchase: per placement and algorithm,
 *  impressions, clicks, conversions and revenue, with the rates drawn as bars. */
export function RecommendationReport({ refresh = 0 }: { refresh?: number }) {
  const { t, locale, time } = useI18n();
  const [days, setDays] = useState(30);
  const [report, setReport] = useState<Report | null>(null);
  const { error, setError, showError } = useCommandError();
  useEffect(() => {
    let live = true;
    setError(null);
    commands
      .recommendationReport(days)
      .then((r) => live && setReport(r))
      .catch((e) => live && showError(e));
    return () => {
      live = false;
    };
  }, [days, refresh]);
  const algorithm = (a: string) => recommenderName(t, a);
  const percent = (x: number) => new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(x);
  return (
    <section className="card stack wide" data-testid="recommendation-report">
      <div className="row spread">
        <h2>{t("report.recommendations.title")}</h2>
        <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label={t("report.period")} data-testid="report-days">
          {PERIODS.map((d) => (
            <option key={d} value={d}>
              {t("report.lastDays", { count: d })}
            </option>
          ))}
        </select>
      </div>
      <ErrorBanner error={error} />
      {report && (
        <>
          <p className="muted small">
            {t("report.recommendations.since", { date: time(report.since, true), days: report.attribution_days })}
          </p>
          {report.rows.length === 0 ? (
            <p className="muted">{t("report.recommendations.none")}</p>
          ) : (
            <div className="table-wrap">
              <table className="dense" data-testid="report-rows">
                <thead>
                  <tr>
                    <th>{t("report.placement")}</th>
                    <th>{t("report.algorithm")}</th>
                    <th className="num">{t("report.lists")}</th>
                    <th className="num">{t("report.impressions")}</th>
                    <th className="num">{t("report.clicks")}</th>
                    <th>{t("report.clickRate")}</th>
                    <th className="num">{t("report.conversions")}</th>
                    <th>{t("report.conversionRate")}</th>
                    <th className="num">{t("report.revenue")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.rows.map((r) => (
                    <tr key={`${r.placement}/${r.algorithm}/${r.arm ?? ""}`} data-placement={r.placement} data-algorithm={r.algorithm}>
                      <td>{named(t, "report.where", r.placement)}</td>
                      <td>
                        {algorithm(r.algorithm)}
                        {r.arm && <span className="pill">{r.arm}</span>}
                      </td>
                      <td className="num">{r.lists}</td>
                      <td className="num">{r.impressions}</td>
                      <td className="num">{r.clicks}</td>
                      <td>
                        <meter min={0} max={1} value={r.click_rate} aria-label={t("report.clickRate")} /> {percent(r.click_rate)}
                        <div className="muted small">
                          {t("report.interval", { low: percent(r.click_rate_low), high: percent(r.click_rate_high) })}
                        </div>
                      </td>
                      <td className="num">{r.conversions}</td>
                      <td>
                        <meter min={0} max={1} value={r.conversion_rate} aria-label={t("report.conversionRate")} />{" "}
                        {percent(r.conversion_rate)}
                        <div className="muted small">
                          {t("report.interval", { low: percent(r.conversion_rate_low), high: percent(r.conversion_rate_high) })}
                        </div>
                      </td>
                      <td className="num">{yuan(r.revenue, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {report.rows.some((r) => r.placement === "checkout") && (
            <p className="muted small">{t("report.recommendations.counter")}</p>
          )}
        </>
      )}
    </section>
  );
}
