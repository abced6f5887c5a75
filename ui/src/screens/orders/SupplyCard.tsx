// What the dealer's stores hold and sold (分销管理): per store, each SKU's stock, what sold in the
// last weeks and how many weeks that stock lasts at that pace; what runs out soonest first.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { SupplyReport } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

/** Below this many weeks of cover a line stands out: time to order. */
const SHORT_COVER = 2;

export function SupplyCard({ dealerId }: { dealerId: string }) {
  const { t } = useI18n();
  const [report, setReport] = useState<SupplyReport | null>(null);
  const { error, run } = useCommandError();
  useEffect(() => {
    let live = true;
    void run(() => commands.dealerSupply(dealerId)).then((r) => live && r && setReport(r));
    return () => {
      live = false;
    };
  }, [dealerId, run]);
  return (
    <section className="card" data-testid="dealer-supply">
      <h2>{t("supply.title")}</h2>
      <ErrorBanner error={error} />
      {report?.stores.map(({ store, lines }) => (
        <details key={store.id} open={report.stores.length === 1}>
          <summary>
            {store.name} ({store.code}) · {t("supply.short", { count: lines.filter((l) => l.weeks_of_cover != null && l.weeks_of_cover < SHORT_COVER).length })}
          </summary>
          <div className="table-wrap">
            <table className="dense" data-testid="supply-lines" data-store={store.code}>
              <thead>
                <tr>
                  <th>SKU</th>
                  <th className="num">{t("supply.onHand")}</th>
                  <th className="num">{t("supply.sold", { weeks: report.weeks })}</th>
                  <th className="num">{t("supply.cover")}</th>
                </tr>
              </thead>
              <tbody>
                {lines.slice(0, 200).map((l) => (
                  <tr key={l.sku} data-sku={l.sku} className={l.weeks_of_cover != null && l.weeks_of_cover < SHORT_COVER ? "warn" : ""}>
                    <td>{l.sku}</td>
                    <td className="num">{l.on_hand}</td>
                    <td className="num">{l.sold}</td>
                    <td className="num">{l.weeks_of_cover != null ? l.weeks_of_cover.toFixed(1) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ))}
    </section>
  );
}
