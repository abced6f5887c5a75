// The bundle offer at the counter (夹带式): a few add-ons the store has on hand that go with the
// cart, for the promoter to suggest. "Add" puts one in the cart and records it as accepted; what
// was shown and taken goes with the sale.
import type { Dispatch } from "react";
import { useI18n } from "../../i18n";
import { yuan } from "../format";
import type { Cart, CartAction } from "./cart";

export function CounterOfferCard({
  cart,
  dispatch,
  onAdd,
}: {
  cart: Cart;
  dispatch: Dispatch<CartAction>;
  onAdd: (sku: string) => void;
}) {
  const { t, locale } = useI18n();
  const offer = cart.offer;
  if (!offer || offer.items.length === 0 || cart.offerDismissed || cart.lines.length === 0) return null;
  return (
    <section className="card stack" data-testid="counter-offer" data-offer-id={offer.id} data-algorithm={offer.algorithm}>
      <div className="row spread">
        <h2>{t("pos.offer.title")}</h2>
        <button className="link" onClick={() => dispatch({ type: "dismissOffer" })} data-testid="offer-dismiss">
          {t("pos.offer.dismiss")}
        </button>
      </div>
      <p className="muted small">{offer.offline ? t("pos.offer.offline") : t("pos.offer.hint")}</p>
      <ul className="offer-list">
        {offer.items.map((item) => {
          const taken = cart.accepted.includes(item.sku);
          return (
            <li key={item.sku} className="row spread" data-testid="offer-item" data-sku={item.sku}>
              <span className="grow">
                {locale === "zh-CN" ? item.product.name_zh : item.product.name_en}
                <span className="muted small"> · {yuan(item.product.price, locale)}</span>
              </span>
              <button
                className="secondary"
                disabled={taken}
                onClick={() => onAdd(item.sku)}
                data-testid={`offer-add-${item.sku}`}
              >
                {taken ? t("pos.offer.added") : t("pos.offer.add")}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
