// One order as everyone in its chain sees it: its lines with what shipped and was counted in, every
// step with its time and who, its shipments, and the steps the reader's role may take now (the
// server decides; these are only the buttons the lifecycle offers that role).
import { useState } from "react";
import { commands } from "../../ipc/commands";
import type { Order, OrderAction, Role, ShipLine } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { yuan } from "../format";
import { reasonText } from "./AllocationCard";
import { StatusPill } from "./StatusPill";

/** The steps a role may offer in a status (the server checks again). */
export function offeredSteps(order: Order, role: Role): OrderAction[] {
  const managers = role === "business_manager" || role === "admin";
  switch (order.status) {
    case "price_review":
      return managers ? ["approve_price", "reject_price", "cancel"] : ["cancel"];
    case "credit_review":
      return managers ? ["release_credit", "reject_credit", "cancel"] : ["cancel"];
    case "confirmed":
      return role === "admin" ? ["allocate", "cancel"] : ["cancel"];
    case "allocated":
      return managers ? ["cancel"] : [];
    case "partly_shipped":
      return ["close_rest"];
    case "shipped":
      return role === "admin" ? ["mark_received"] : [];
    case "received":
      return role === "admin" ? ["invoice"] : [];
    default:
      return [];
  }
}

const NEEDS_REASON: OrderAction[] = ["reject_price", "reject_credit", "cancel", "mark_received"];

export function OrderView({
  order,
  role,
  onChanged,
  onReorder,
  onClose,
}: {
  order: Order;
  role: Role;
  onChanged: (order: Order) => void;
  onReorder?: () => void;
  onClose: () => void;
}) {
  const { t, time, locale } = useI18n();
  const { error, run } = useCommandError();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  // What may ship now: what the line owes, and no more than an allocation gave it.
  const owed = (l: Order["lines"][number]) => {
    const rest = l.quantity - l.shipped - l.cancelled;
    return l.allocation ? Math.max(0, Math.min(rest, l.allocation.allocated - l.shipped)) : rest;
  };
  const [ship, setShip] = useState<Record<string, string>>(() =>
    Object.fromEntries(order.lines.map((l) => [l.sku, String(owed(l))])),
  );
  // One id per shipment the person is making: a retry of the same click ships once, and the next
  // shipment (a back-order) gets its own.
  const [shipmentId, setShipmentId] = useState(() => crypto.randomUUID());

  const act = async (action: OrderAction) => {
    setBusy(true);
    const next = await run(() => commands.takeOrderStep(order.id, action, reason.trim() || null));
    setBusy(false);
    if (next) {
      setReason("");
      onChanged(next);
    }
  };
  const shipNow = async () => {
    const lines: ShipLine[] = order.lines
      .map((l) => ({ sku: l.sku, quantity: Number(ship[l.sku] ?? 0) }))
      .filter((l) => Number.isInteger(l.quantity) && l.quantity > 0);
    setBusy(true);
    const next = await run(() => commands.shipOrder(order.id, shipmentId, lines));
    setBusy(false);
    if (next) {
      setShipmentId(crypto.randomUUID());
      setShip(Object.fromEntries(next.lines.map((l) => [l.sku, String(l.quantity - l.shipped - l.cancelled)])));
      onChanged(next);
    }
  };
  const steps = offeredSteps(order, role);
  const canShip = role === "admin" && (order.status === "allocated" || order.status === "partly_shipped");

  return (
    <section className="card" data-testid="order-view" data-status={order.status}>
      <div className="row spread">
        <h2>
          {t("orders.order", { no: order.id.slice(-8).toUpperCase() })} <StatusPill status={order.status} />
        </h2>
        <div className="row">
          {onReorder && (
            <button className="secondary" onClick={onReorder} data-testid="order-reorder">
              {t("orders.reorder")}
            </button>
          )}
          <button className="link" onClick={onClose} data-testid="order-back">
            {t("orders.back")}
          </button>
        </div>
      </div>
      <p className="muted">
        {t("orders.placedAt", { time: time(order.placed_at) })} · {t("orders.total", { amount: yuan(order.total, locale) })} ·{" "}
        {t(`orders.shortfall.${order.shortfall}` as MessageKey)}
        {order.note && <> · {order.note}</>}
      </p>
      <ErrorBanner error={error} />
      <div className="table-wrap">
        <table className="dense" data-testid="order-lines">
          <thead>
            <tr>
              <th>SKU</th>
              <th className="num">{t("orders.quantity")}</th>
              <th className="num">{t("orders.unitPrice")}</th>
              <th className="num">{t("orders.lineTotal")}</th>
              <th className="num">{t("orders.shipped")}</th>
              <th className="num">{t("orders.received")}</th>
              {canShip && <th className="num">{t("orders.shipNow")}</th>}
            </tr>
          </thead>
          <tbody>
            {order.lines.map((l) => (
              <tr key={l.sku} className={l.below_floor ? "warn" : ""}>
                <td>
                  {l.sku}
                  {l.below_floor && <span className="pill warn">{t("orders.belowFloor")}</span>}
                  {l.allocation && (
                    <div className="muted small" data-testid={`allocation-${l.sku}`} data-allocated={l.allocation.allocated}>
                      {t("allocation.line", { units: l.allocation.allocated, basis: t(`allocation.basis.${l.allocation.basis}` as MessageKey) })} ·{" "}
                      {reasonText(t, l.allocation.reason)}
                    </div>
                  )}
                </td>
                <td className="num">{l.quantity}</td>
                <td className="num">
                  {yuan(l.unit_price, locale)}
                  {l.unit_price !== l.list_price && <div className="muted small">{yuan(l.list_price, locale)}</div>}
                </td>
                <td className="num">{yuan(l.unit_price * l.quantity, locale)}</td>
                <td className="num">
                  {l.shipped}
                  {l.cancelled > 0 && <div className="muted small">{t("orders.cancelledUnits", { count: l.cancelled })}</div>}
                </td>
                <td className="num">{l.received}</td>
                {canShip && (
                  <td className="num">
                    <input
                      className="qty"
                      inputMode="numeric"
                      value={ship[l.sku] ?? ""}
                      disabled={owed(l) === 0}
                      aria-label={t("orders.shipNow")}
                      data-testid={`ship-${l.sku}`}
                      onChange={(e) => setShip({ ...ship, [l.sku]: e.target.value })}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(steps.length > 0 || canShip) && (
        <div className="row filters" data-testid="order-actions">
          {steps.some((s) => NEEDS_REASON.includes(s)) && (
            <label>
              {t("orders.reason")}
              <input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} data-testid="order-reason" />
            </label>
          )}
          {steps.map((s) => (
            <button
              key={s}
              className={NEEDS_REASON.includes(s) ? "secondary" : "primary"}
              disabled={busy || (NEEDS_REASON.includes(s) && !reason.trim())}
              onClick={() => void act(s)}
              data-testid={`order-${s}`}
            >
              {t(`orders.action.${s}` as MessageKey)}
            </button>
          ))}
          {canShip && (
            <button className="primary" disabled={busy} onClick={() => void shipNow()} data-testid="order-ship">
              {t("orders.action.ship")}
            </button>
          )}
        </div>
      )}
      <h3>{t("orders.history")}</h3>
      <ol className="timeline" data-testid="order-steps">
        {order.steps.map((s, i) => (
          <li key={i} data-action={s.action}>
            <StatusPill status={s.status} /> {t(`orders.did.${s.action}` as MessageKey)} · {s.by_name || "—"} · {time(s.at)}
            {s.reason && <div className="muted small">{t("orders.because", { reason: s.reason })}</div>}
          </li>
        ))}
      </ol>
      {order.shipments.length > 0 && (
        <>
          <h3>{t("orders.shipments")}</h3>
          <ul data-testid="order-shipments">
            {order.shipments.map((s) => (
              <li key={s.id}>
                {s.id.slice(-8).toUpperCase()} · {time(s.shipped_at)} ·{" "}
                {s.lines.map((l) => `${l.sku} × ${l.quantity}`).join(", ")} ·{" "}
                {s.received_at != null ? t("orders.countedIn", { time: time(s.received_at) }) : t("orders.onTheWay")}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
