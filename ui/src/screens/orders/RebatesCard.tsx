// A dealer's rebates (我的返利): for each rule, what the current period stands to pay and why (what
// the dealer's stores sold onward against what was bought, the tier reached and what the next
// needs), and what earlier periods paid.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { DealerRebates } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { yuan } from "../format";

export function RebatesCard({ dealerId }: { dealerId: string }) {
  const { t, time, locale } = useI18n();
  const [rebates, setRebates] = useState<DealerRebates | null>(null);
  const { error, run } = useCommandError();
  useEffect(() => {
    let live = true;
    void run(() => commands.dealerRebates(dealerId)).then((r) => live && r && setRebates(r));
    return () => {
      live = false;
    };
  }, [dealerId, run]);
  return (
    <section className="card" data-testid="dealer-rebates">
      <h2>{t("rebates.title")}</h2>
      <ErrorBanner error={error} />
      {rebates && rebates.pending.length === 0 && rebates.settled.length === 0 && <p className="muted">{t("rebates.none")}</p>}
      {rebates && rebates.pending.length > 0 && (
        <div className="table-wrap">
          <table className="dense" data-testid="rebates-pending">
            <thead>
              <tr>
                <th>{t("rebates.rule")}</th>
                <th>{t("rebates.period")}</th>
                <th className="num">{t("rebates.sellIn")}</th>
                <th className="num">{t("rebates.sellThrough")}</th>
                <th className="num">{t("rebates.basis")}</th>
                <th className="num">{t("rebates.amount")}</th>
                <th>{t("rebates.why")}</th>
              </tr>
            </thead>
            <tbody>
              {rebates.pending.map((s) => (
                <tr key={s.rule.id} data-rule={s.rule.name} data-sell-through={s.sell_through} data-amount={s.amount}>
                  <td>
                    {s.rule.name}
                    <div className="muted small">{t(`rebates.basis.${s.rule.basis}` as MessageKey)}</div>
                  </td>
                  <td>{s.period}</td>
                  <td className="num">{yuan(s.sell_in, locale)}</td>
                  <td className="num">{yuan(s.sell_through, locale)}</td>
                  <td className="num">{yuan(s.basis, locale)}</td>
                  <td className="num">{yuan(s.amount, locale)}</td>
                  <td className="small">
                    {s.tier != null
                      ? t("rebates.tierReached", { tier: s.tier + 1, percent: (s.rule.tiers[s.tier].basis_points / 100).toFixed(2) })
                      : t("rebates.noTier")}
                    {s.to_next_tier != null && <> · {t("rebates.toNext", { amount: yuan(s.to_next_tier, locale) })}</>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rebates && rebates.settled.length > 0 && (
        <>
          <h3>{t("rebates.settled")}</h3>
          <ul data-testid="rebates-settled">
            {rebates.settled.map((c) => (
              <li key={`${c.rule_id}-${c.period}`}>
                {c.period} · {c.rule_name} · {yuan(c.amount, locale)} · {t(`rebates.paidAs.${c.paid_as}` as MessageKey)} ·{" "}
                {time(c.settled_at, true)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
