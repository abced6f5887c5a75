// A campaign's funnel on the desk: deliveries by state, then people reached, who read it, who
// bought since it started and coupons redeemed, as bars; and the rate of buying against the
// holdout, each with its 95% interval, so a small holdout reads as the uncertainty it is.
import type { CampaignFunnel, RateInterval } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function RateText({ r }: { r: RateInterval | undefined }) {
  const { t } = useI18n();
  if (!r) return <span className="muted">—</span>;
  return <span>{t("campaigns.funnel.rate", { rate: pct(r.rate), low: pct(r.low), high: pct(r.high) })}</span>;
}

export function Funnel({ funnel }: { funnel: CampaignFunnel }) {
  const { t } = useI18n();
  const top = Math.max(1, funnel.reached);
  const steps: [MessageKey, number][] = [
    ["campaigns.funnel.reached", funnel.reached],
    ["campaigns.funnel.opened", funnel.opened],
    ["campaigns.funnel.bought", funnel.bought],
    ["campaigns.funnel.redeemed", funnel.redeemed],
  ];
  const lift = funnel.lift;
  return (
    <section className="stack" data-testid="campaign-funnel" data-reached={funnel.reached} data-bought={funnel.bought}>
      <h3>{t("campaigns.funnel")}</h3>
      <p className="muted small">
        {t("campaigns.funnel.deliveries", {
          queued: funnel.queued,
          sent: funnel.sent,
          skipped: funnel.skipped,
          failed: funnel.failed,
          cancelled: funnel.cancelled,
        })}
      </p>
      {funnel.gateway.pending + funnel.gateway.sent + funnel.gateway.delivered + funnel.gateway.failed > 0 && (
        <p className="muted small" data-testid="campaign-gateway" data-delivered={funnel.gateway.delivered}>
          {t("campaigns.funnel.gateway", {
            pending: funnel.gateway.pending,
            sent: funnel.gateway.sent,
            delivered: funnel.gateway.delivered,
            failed: funnel.gateway.failed,
          })}
        </p>
      )}
      <table className="dense funnel">
        <tbody>
          {steps.map(([key, n]) => (
            <tr key={key}>
              <th scope="row">{t(key)}</th>
              <td className="num">{n}</td>
              <td className="bar-cell">
                <span className="bar" style={{ width: `${Math.min(100, (n / top) * 100)}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {t("campaigns.funnel.boughtRate")}: <RateText r={funnel.bought_rate} /> · {t("campaigns.funnel.holdout", { count: funnel.held_out })}:{" "}
        <RateText r={funnel.held_out_rate} />
      </p>
      {lift && (
        <p data-testid="campaign-lift" className={lift.low > 0 ? "good" : "muted"}>
          {t(lift.low > 0 ? "campaigns.funnel.lift" : "campaigns.funnel.noClearLift", {
            lift: (lift.rate * 100).toFixed(1),
            low: (lift.low * 100).toFixed(1),
            high: (lift.high * 100).toFixed(1),
          })}
        </p>
      )}
    </section>
  );
}
