import type { OrderStatus } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { waits } from "./draft";

/** An order's status as a pill; statuses that wait for someone stand out. */
export function StatusPill({ status }: { status: OrderStatus }) {
  const { t } = useI18n();
  const tone = waits(status) ? "pill warn" : status === "rejected" || status === "cancelled" ? "pill muted" : "pill";
  return (
    <span className={tone} data-status={status}>
      {t(`orders.status.${status}` as MessageKey)}
    </span>
  );
}

/** The credit line as a bar: what is used and what is left. */
export function CreditBar({ limit, used, available }: { limit: number; used: number; available: number }) {
  const share = limit > 0 ? Math.min(100, Math.round((used * 100) / limit)) : used > 0 ? 100 : 0;
  return (
    <div className="credit-bar" role="img" aria-label={`${share}%`} data-used={used} data-available={available}>
      <div className={share >= 90 ? "fill warn" : "fill"} style={{ width: `${share}%` }} />
    </div>
  );
}
