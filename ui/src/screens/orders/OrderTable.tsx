// A dense, keyboard-first list of orders (Enter or a click opens one), shared by the dealer's desk
// and the managers' queues; what differs is the column naming the other party and an extra one.
import type { ReactNode } from "react";
import type { OrderSummary } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { yuan } from "../format";
import { StatusPill } from "./StatusPill";

export interface Column {
  label: string;
  cell: (o: OrderSummary) => ReactNode;
  numeric?: boolean;
}

export function OrderTable({
  orders,
  testId,
  party,
  extra,
  onOpen,
}: {
  orders: OrderSummary[];
  testId: string;
  /** Who the order is with, as the reader needs it: the store it ships to, or the dealer. */
  party: Column;
  extra?: Column;
  onOpen: (id: string) => void;
}) {
  const { t, time, locale } = useI18n();
  return (
    <div className="table-wrap">
      <table className="dense" data-testid={testId}>
        <thead>
          <tr>
            <th>{t("orders.number")}</th>
            <th>{party.label}</th>
            <th>{t("orders.placed")}</th>
            <th className="num">{t("orders.lines")}</th>
            <th className="num">{t("orders.amount")}</th>
            {extra && <th className={extra.numeric ? "num" : undefined}>{extra.label}</th>}
            <th>{t("orders.statusLabel")}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id} data-order={o.id} data-status={o.status} tabIndex={0} onClick={() => onOpen(o.id)} onKeyDown={(e) => e.key === "Enter" && onOpen(o.id)}>
              <td>{o.id.slice(-8).toUpperCase()}</td>
              <td>{party.cell(o)}</td>
              <td>{time(o.placed_at)}</td>
              <td className="num">{o.line_count}</td>
              <td className="num">{yuan(o.total, locale)}</td>
              {extra && <td className={extra.numeric ? "num" : undefined}>{extra.cell(o)}</td>}
              <td>
                <StatusPill status={o.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
