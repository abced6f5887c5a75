import type { CustomerView } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { recommenderName, yuan } from "./format";

/** One customer on one page: purchases at every store, favourites, tags, consent and what was
 *  recommended and bought. The same card for the operator, the customer and the counter. */
export function CustomerCard({ view }: { view: CustomerView }) {
  const { t, time, locale } = useI18n();
  const how = (a: string) => recommenderName(t, a);
  return (
    <article className="card customer" data-testid="customer-view">
      <div className="row spread">
        <div>
          <h3>{view.display_name}</h3>
          <p className="muted">
            {view.phone ?? "—"} · {t("customer.memberSince", { date: time(view.member_since) })}
          </p>
        </div>
        <div className="stat">
          <span className="muted">{t("customer.spend")}</span>
          <strong data-testid="customer-spend">{yuan(view.spend, locale)}</strong>
        </div>
      </div>
      {view.visible_until != null && (
        <p className="banner" role="status">
          {t("customer.visibleUntil", { time: time(view.visible_until) })}
        </p>
      )}
      <p>
        {t("customer.tracking")}{" "}
        <strong>{view.tracking === false ? t("customer.trackingOff") : t("customer.trackingOn")}</strong>
      </p>
      <div className="chips" data-testid="customer-tags" aria-label={t("customer.tags")}>
        {view.tags.length === 0 ? <span className="muted">{t("customer.noTags")}</span> : view.tags.map((tag) => <span key={tag} className="pill">{tag}</span>)}
      </div>
      <h4>{t("customer.purchases")}</h4>
      {view.purchases.length === 0 ? (
        <p className="muted">{t("customer.noPurchases")}</p>
      ) : (
        <div className="table-wrap">
          <table className="dense" data-testid="customer-purchases">
            <thead>
              <tr>
                <th>{t("customer.when")}</th>
                <th>{t("customer.store")}</th>
                <th>{t("customer.product")}</th>
                <th className="num">{t("customer.quantity")}</th>
                <th className="num">{t("customer.amount")}</th>
              </tr>
            </thead>
            <tbody>
              {view.purchases.map((p, i) => (
                <tr key={`${p.sale_id}-${i}`}>
                  <td>{time(p.at)}</td>
                  <td>
                    {p.store_name} · {p.city}
                  </td>
                  <td>{p.model ?? p.sku}</td>
                  <td className="num">
                    {p.quantity}
                    {p.returned > 0 && <> ({t("customer.returned", { count: p.returned })})</>}
                  </td>
                  <td className="num">{yuan(p.amount, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h4>{t("customer.favourites")}</h4>
      <p>{view.favourites.length === 0 ? <span className="muted">{t("customer.noFavourites")}</span> : view.favourites.join(" · ")}</p>
      <h4>{t("customer.recommended")}</h4>
      {view.recommendations.length === 0 ? (
        <p className="muted">{t("customer.noRecommendations")}</p>
      ) : (
        <ul className="plain" data-testid="customer-recommendations">
          {view.recommendations.slice(0, 10).map((r) => (
            <li key={r.list_id}>
              {time(r.served_at)} · {t(`report.where.${r.placement}` as MessageKey)} · {how(r.algorithm)}:{" "}
              {r.models.length === 0 ? t("customer.holdoutList") : r.models.slice(0, 6).join(", ")}
              {r.clicked.length > 0 && <> · {t("customer.clicked", { models: r.clicked.join(", ") })}</>}
              {r.bought.length > 0 && <strong> · {t("customer.bought", { models: r.bought.join(", ") })}</strong>}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
