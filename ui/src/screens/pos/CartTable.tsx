// The cart at the point of sale: its lines (serial numbers, quantities, line discounts) and gifts.
import { useEffect, useRef, type Dispatch } from "react";
import type { SkuHit } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { skuLabel, yuan } from "../format";
import type { Cart, CartAction } from "./cart";

export function CartTable({ cart, dispatch }: { cart: Cart; dispatch: Dispatch<CartAction> }) {
  const { t, locale } = useI18n();
  const name = (hit: SkuHit) => skuLabel(hit, locale);
  const serialRefs = useRef(new Map<string, HTMLInputElement>());

  useEffect(() => {
    if (cart.focusSerial) serialRefs.current.get(cart.focusSerial)?.focus();
  }, [cart.focusSerial, cart.lines]);

  return (
    <div className="card">
      <h2>{t("pos.sell.cart")}</h2>
      {cart.lines.length === 0 ? (
        <p className="muted">{t("pos.sell.empty")}</p>
      ) : (
        <div className="table-wrap">
          <table className="cart" data-testid="cart">
            <thead>
              <tr>
                <th>{t("pos.sell.item")}</th>
                <th>{t("pos.sell.price")}</th>
                <th>{t("pos.sell.qty")}</th>
                <th>{t("pos.sell.lineDiscount")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cart.lines.map((l) => (
                <tr key={l.key} data-testid="cart-line" data-sku={l.hit.sku.code}>
                  <td>
                    {name(l.hit)}
                    <div className="muted small">{l.hit.sku.code}</div>
                    {l.hit.serialised && (
                      <input
                        ref={(el) => {
                          if (el) serialRefs.current.set(l.key, el);
                          else serialRefs.current.delete(l.key);
                        }}
                        className={l.serial.trim() ? "serial" : "serial missing"}
                        value={l.serial}
                        data-wedge="off"
                        data-testid="serial-input"
                        placeholder={t("pos.sell.serial")}
                        aria-label={t("pos.sell.serial")}
                        onChange={(e) => dispatch({ type: "serial", key: l.key, serial: e.target.value })}
                      />
                    )}
                  </td>
                  <td className="num">{yuan(l.hit.unit_price, locale)}</td>
                  <td className="num">
                    {l.hit.serialised ? (
                      1
                    ) : (
                      <span className="stepper">
                        <button className="secondary" aria-label={t("pos.sell.less", { name: name(l.hit) })} onClick={() => dispatch({ type: "step", key: l.key, by: -1 })}>
                          −
                        </button>
                        <span data-testid="qty">{l.quantity}</span>
                        <button className="secondary" aria-label={t("pos.sell.more", { name: name(l.hit) })} onClick={() => dispatch({ type: "step", key: l.key, by: 1 })}>
                          +
                        </button>
                      </span>
                    )}
                  </td>
                  <td>
                    <input
                      className="money"
                      value={l.discount}
                      inputMode="decimal"
                      aria-label={t("pos.sell.lineDiscount")}
                      placeholder={t("pos.sell.lineDiscount")}
                      data-testid="line-discount"
                      onChange={(e) => dispatch({ type: "lineDiscount", key: l.key, discount: e.target.value })}
                    />
                  </td>
                  <td>
                    <button className="link bad" onClick={() => dispatch({ type: "removeLine", key: l.key })}>
                      {t("pos.sell.remove")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cart.gifts.length > 0 && (
        <>
          <h3>{t("pos.sell.gifts")}</h3>
          <ul className="list" data-testid="gifts">
            {cart.gifts.map((g) => (
              <li key={g.hit.sku.code} className="row spread">
                <span>
                  🎁 {name(g.hit)} × {g.quantity}
                </span>
                <button className="link bad" onClick={() => dispatch({ type: "removeGift", sku: g.hit.sku.code })}>
                  {t("pos.sell.remove")}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
