// A distributor's desk (我的订单, 信用/付款): the dealer's credit line, the stores it supplies, its
// orders (as last read, offline too) and the drafts kept on this device. Dense and keyboard-first
// for a desktop; a tablet gets the same table scrolled.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { DealerDeskView, Order, OrderDraft, OrderStatus } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { useBackground } from "../../background";
import { yuan } from "../format";
import { newDraft, reorder } from "./draft";
import { OrderEditor } from "./OrderEditor";
import { OrderView } from "./OrderView";
import { StatementView } from "./StatementView";
import { RebatesCard } from "./RebatesCard";
import { SupplyCard } from "./SupplyCard";
import { DemandPlanCard } from "./DemandPlanCard";
import { FundsCard } from "./FundsCard";
import { CreditBar } from "./StatusPill";
import { OrderTable } from "./OrderTable";

type Open = { kind: "list" } | { kind: "draft"; draft: OrderDraft } | { kind: "order"; order: Order };

const FILTERS: { key: string; statuses: OrderStatus[] | null }[] = [
  { key: "all", statuses: null },
  { key: "waiting", statuses: ["price_review", "credit_review"] },
  { key: "open", statuses: ["confirmed", "allocated", "partly_shipped", "shipped"] },
  { key: "done", statuses: ["received", "invoiced", "rejected", "cancelled"] },
];

export function DealerDesk() {
  const { t, time, locale } = useI18n();
  const [view, setView] = useState<DealerDeskView | null>(null);
  const [drafts, setDrafts] = useState<OrderDraft[]>([]);
  const [open, setOpen] = useState<Open>({ kind: "list" });
  const [filter, setFilter] = useState("all");
  const { error, run } = useCommandError();

  const load = useCallback(() => {
    void run(() => commands.dealerDesk(null)).then((v) => v && setView(v));
    commands.orderDrafts().then(setDrafts).catch(() => {});
  }, [run]);
  useEffect(load, [load]);
  // An order sent from the outbox, or a status change told in the inbox, redraws the desk.
  useBackground(["outbox_sent", "inbox", "reach"], load);

  if (!view) return <ErrorBanner error={error} />;
  const { desk } = view;
  const credit = desk.credit;
  const startDraft = (d: OrderDraft) => setOpen({ kind: "draft", draft: d });
  const openOrder = async (id: string) => {
    const order = await run(() => commands.orderDetail(id));
    if (order) setOpen({ kind: "order", order });
  };

  if (open.kind === "draft") {
    return (
      <OrderEditor
        initial={open.draft}
        desk={desk}
        onSent={() => (setOpen({ kind: "list" }), load())}
        onClose={() => (setOpen({ kind: "list" }), load())}
      />
    );
  }
  if (open.kind === "order") {
    const order = open.order;
    return (
      <OrderView
        key={order.id}
        order={order}
        role="distributor"
        onChanged={(o) => (setOpen({ kind: "order", order: o }), load())}
        onReorder={() => startDraft(reorder(crypto.randomUUID(), desk.dealer.id, order.ship_to, order.lines, Date.now() / 1000))}
        onClose={() => setOpen({ kind: "list" })}
      />
    );
  }
  const shown = FILTERS.find((f) => f.key === filter)?.statuses;
  const orders = shown ? view.orders.filter((o) => shown.includes(o.status)) : view.orders;
  const storeName = (id: string) => desk.stores.find((s) => s.id === id)?.name ?? id.slice(-8);

  return (
    <section className="stack" data-testid="dealer-desk">
      <div className="row spread">
        <div>
          <h2>{desk.dealer.name}</h2>
          <p className="muted small">
            {desk.dealer.code} · {desk.dealer.region} · {t("app.updated", { time: time(view.fetched_at) })}
          </p>
        </div>
        <button
          className="primary"
          onClick={() => startDraft(newDraft(crypto.randomUUID(), desk.dealer.id, desk.stores[0]?.id, Date.now() / 1000))}
          data-testid="new-order"
        >
          {t("orders.newOrder")}
        </button>
      </div>
      <ErrorBanner error={error} />
      <div className="card" data-testid="dealer-credit" data-available={credit.available} data-reserved={credit.reserved}>
        <b>{t("orders.credit")}</b>
        <CreditBar limit={credit.limit} used={credit.receivables + credit.reserved} available={credit.available} />
        <p className="small">
          {t("orders.creditLine", {
            limit: yuan(credit.limit, locale),
            receivables: yuan(credit.receivables, locale),
            reserved: yuan(credit.reserved, locale),
            available: yuan(credit.available, locale),
          })}
        </p>
      </div>
      {drafts.length > 0 && (
        <div className="card" data-testid="order-drafts">
          <b>{t("orders.drafts")}</b>
          <ul>
            {drafts.map((d) => (
              <li key={d.id} data-state={d.state}>
                <button className="link" onClick={() => startDraft(d)}>
                  {t("orders.draftLine", { lines: d.lines.length, time: time(d.updated_at) })}
                </button>{" "}
                <span className={d.state === "draft" ? "pill" : "pill warn"}>{t(`orders.draftState.${d.state}` as MessageKey)}</span>
                {d.state !== "sending" && (
                  <button className="link" onClick={() => commands.deleteOrderDraft(d.id).then(setDrafts).catch(() => {})}>
                    {t("orders.remove")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <nav className="segmented" aria-label={t("orders.filter")}>
        {FILTERS.map((f) => (
          <button key={f.key} className={filter === f.key ? "active" : ""} onClick={() => setFilter(f.key)} data-testid={`orders-filter-${f.key}`}>
            {t(`orders.filter.${f.key}` as MessageKey)}
          </button>
        ))}
      </nav>
      <OrderTable
        orders={orders}
        testId="dealer-orders"
        party={{ label: t("orders.shipTo"), cell: (o) => storeName(o.ship_to) }}
        onOpen={(id) => void openOrder(id)}
      />
      {orders.length === 0 && <p className="muted">{t("orders.none")}</p>}
      <FundsCard dealerId={desk.dealer.id} orderCenter={false} onPaid={load} />
      <SupplyCard dealerId={desk.dealer.id} />
      <DemandPlanCard dealerId={desk.dealer.id} editable={false} />
      <RebatesCard dealerId={desk.dealer.id} />
      <StatementView dealerId={desk.dealer.id} />
    </section>
  );
}
