// What the server said about this device's operations: refusals (with the reason, and for a display
// unit the state it is really in) and flags for the store manager.
import type { Notice, OpFlag, Store } from "../../ipc/types";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { yuan } from "../format";

/** A flag in words (for the screen and for OS notifications). */
export function flagText(t: I18n["t"], locale: string, flag: OpFlag): string {
  switch (flag.type) {
    case "negative_stock":
      return t("pos.flag.negative_stock", { sku: flag.sku, count: flag.on_hand });
    case "serial_sold_twice":
      return t("pos.flag.serial_sold_twice", { serial: flag.serial });
    case "cash_difference":
      return t("pos.flag.cash_difference", { method: t(`pos.pay.${flag.method}` as MessageKey), amount: yuan(flag.difference, locale) });
    case "sample_missing":
      return t("pos.flag.sample_missing", { serial: flag.serial });
    case "price_below_limit":
      return t(flag.sku ? "pos.flag.price_below_limit" : "pos.flag.sale_below_limit", {
        sku: flag.sku ?? "",
        charged: yuan(flag.charged, locale),
        expected: yuan(flag.expected, locale),
        allowed: yuan(flag.allowed, locale),
      });
    case "serial_missing":
      return t("pos.flag.serial_missing", { sku: flag.sku });
    case "unknown_sku":
      return t("pos.flag.unknown_sku", { sku: flag.sku });
    case "shift_not_open":
      return t("pos.flag.shift_not_open", {});
    case "no_open_till":
      return t("pos.flag.no_open_till", {});
    case "clock_skew":
      return t("pos.flag.clock_skew", {});
    case "made_before_move":
      return t("pos.flag.made_before_move", {});
    case "priced_at_server_time":
      return t("pos.flag.priced_at_server_time", {});
    case "set_aside_on_device":
      return t("pos.flag.set_aside_on_device", {});
    case "shipment_short":
      return t("pos.flag.shipment_short", { sku: flag.sku, count: flag.short });
    case "shipment_damaged":
      return t("pos.flag.shipment_damaged", { sku: flag.sku, count: flag.damaged });
    case "coupon_used_twice":
      return t("pos.flag.coupon_used_twice", {});
    case "coupon_not_valid":
      return t("pos.flag.coupon_not_valid", {});
    case "coupon_misapplied":
      return t("pos.flag.coupon_misapplied", { reason: t(`pos.coupon.refused.${flag.reason}` as MessageKey), allowed: yuan(flag.allowed, locale) });
  }
}

export function FlagText({ flag }: { flag: OpFlag }) {
  const { t, locale } = useI18n();
  return <>{flagText(t, locale, flag)}</>;
}

/** Where and by whom, for a manager's notices: "上海南京东路旗舰店 · 王芳". */
function origin(notice: Notice, stores: Store[]): string {
  const store = stores.length > 1 || notice.made_by ? stores.find((s) => s.id === notice.store_id)?.name : undefined;
  return [store, notice.made_by].filter(Boolean).join(" · ");
}

/** What the OS notification says about one of the server's answers. */
export function noticeText(i18n: I18n, notice: Notice, stores: Store[]): { title: string; body: string } {
  const n = notice.outcome;
  const where = origin(notice, stores);
  const title = (base: string) => (where ? `${base} — ${where}` : base);
  if (n.status === "rejected" && n.error) {
    return { title: title(i18n.t("pos.rejected")), body: i18n.err(n.error) };
  }
  return { title: title(i18n.t("pos.report.flags")), body: n.flags.map((f) => flagText(i18n.t, i18n.locale, f)).join("; ") };
}

export function Notices({ notices, stores }: { notices: Notice[]; stores: Store[] }) {
  const { t, err } = useI18n();
  return (
    <ul className="list card" data-testid="pos-notices">
      {notices.map((notice) => {
        const n = notice.outcome;
        const where = origin(notice, stores);
        return (
          <li key={n.id}>
            {where && <div className="small muted" data-testid="notice-origin">{where}</div>}
            {n.status === "rejected" && n.error && (
              <span className="bad">
                {t("pos.rejected")}: {err(n.error)}
                {n.current_state && <> — {t("pos.sample.currentState", { state: t(`pos.sample.state.${n.current_state}` as MessageKey) })}</>}
              </span>
            )}
            {n.flags.map((f, i) => (
              <div key={i} className="warn-text">
                <FlagText flag={f} />
              </div>
            ))}
          </li>
        );
      })}
    </ul>
  );
}
