// A business manager's desk (业务经理: 订单管理, 客户信用): their dealers with each one's credit,
// the price and credit reviews waiting for them with the numbers needed to decide, and credit
// lines set within their authority (above it the order center decides). The order center
// (administrators) sees every dealer's queue here too, with allocation, shipping and invoicing.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { BusinessDesk, Order, OrderList, OrderStatus, Role } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { toFen, yuan } from "../format";
import { OrderView } from "./OrderView";
import { CreditBar } from "./StatusPill";
import { OrderTable } from "./OrderTable";
import { AllocationCard } from "./AllocationCard";
import { DemandPlanCard } from "./DemandPlanCard";
import { FundsCard } from "./FundsCard";
import { PricesCard } from "./PricesCard";
import { ApprovalsCard } from "./ApprovalsCard";
import { TrendsCard } from "./TrendsCard";
import { newId } from "../format";

const QUEUES: { key: string; statuses: OrderStatus[] }[] = [
  { key: "waiting", statuses: ["price_review", "credit_review"] },
  { key: "to_allocate", statuses: ["confirmed"] },
  { key: "to_ship", statuses: ["allocated", "partly_shipped"] },
  { key: "to_invoice", statuses: ["received"] },
];

export function ManagerDesk({ role }: { role: Role }) {
  const { t, locale } = useI18n();
  const [desk, setDesk] = useState<BusinessDesk | null>(null);
  const [queue, setQueue] = useState("waiting");
  const [list, setList] = useState<OrderList | null>(null);
  const [open, setOpen] = useState<Order | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [limit, setLimit] = useState("");
  const [reason, setReason] = useState("");
  const [planFor, setPlanFor] = useState<string | null>(null);
  const [fundsFor, setFundsFor] = useState<string | null>(null);
  const [pricesFor, setPricesFor] = useState<string | null>(null);
  const [trendsFor, setTrendsFor] = useState<string | null>(null);
  // A line above the manager's authority, refused: it can be asked of the order center.
  const [aboveAuthority, setAboveAuthority] = useState<string | null>(null);
  const [asked, setAsked] = useState(false);
  const [approvalsSeen, setApprovalsSeen] = useState(0);
  const { error, run } = useCommandError();

  const load = useCallback(() => {
    void run(() => commands.businessDesk()).then((d) => d && setDesk(d));
    const statuses = QUEUES.find((q) => q.key === queue)?.statuses ?? [];
    void run(() => commands.orderQueue({ status: statuses.join(","), limit: 200 })).then((l) => l && setList(l));
  }, [run, queue]);
  useEffect(load, [load]);

  const openOrder = async (id: string) => {
    const order = await run(() => commands.orderDetail(id));
    if (order) setOpen(order);
  };
  const saveLine = async (dealer: string) => {
    const fen = toFen(limit);
    if (fen == null) return;
    setAsked(false);
    let code: string | null = null;
    const saved = await run(async () => {
      try {
        return await commands.setCreditLine(dealer, fen, reason);
      } catch (e) {
        code = (e as { code?: string }).code ?? null;
        throw e;
      }
    });
    if (saved) {
      setEditing(null);
      setReason("");
      load();
    } else if (code === "forbidden" && role === "business_manager") {
      setAboveAuthority(dealer);
    }
  };
  const askLine = async (dealer: string) => {
    const fen = toFen(limit);
    if (fen == null) return;
    const made = await run(() => commands.askApproval({ id: newId(), dealer_id: dealer, reason: reason.trim(), credit_limit: fen, entries: [] }));
    if (made) {
      setAboveAuthority(null);
      setEditing(null);
      setAsked(true);
      setApprovalsSeen((n) => n + 1);
    }
  };

  if (open) {
    return <OrderView key={open.id} order={open} role={role} onChanged={(o) => (setOpen(o), load())} onClose={() => (setOpen(null), load())} />;
  }
  const dealerName = (id: string) => desk?.dealers.find((d) => d.dealer.id === id)?.dealer.name ?? id.slice(-8);
  const creditOf = (id: string) => desk?.dealers.find((d) => d.dealer.id === id)?.credit;
  const queues = role === "admin" ? QUEUES : QUEUES.slice(0, 1);

  return (
    <section className="stack" data-testid="manager-desk">
      <ErrorBanner error={error} />
      <ApprovalsCard key={approvalsSeen} role={role} onDecided={load} />
      {desk && desk.dealers.length > 0 && (
        <div className="card">
          <h2>{t("orders.myDealers")}</h2>
          <div className="table-wrap">
            <table className="dense" data-testid="manager-dealers">
              <thead>
                <tr>
                  <th>{t("orders.dealer")}</th>
                  <th className="num">{t("orders.limit")}</th>
                  <th className="num">{t("orders.receivables")}</th>
                  <th className="num">{t("orders.reserved")}</th>
                  <th className="num">{t("orders.availableLabel")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {desk.dealers.map(({ dealer, credit }) => (
                  <tr key={dealer.id} data-dealer={dealer.code}>
                    <td>
                      {dealer.name} <span className="muted small">{dealer.code}</span>
                      <CreditBar limit={credit.limit} used={credit.receivables + credit.reserved} available={credit.available} />
                    </td>
                    <td className="num">{yuan(credit.limit, locale)}</td>
                    <td className="num">{yuan(credit.receivables, locale)}</td>
                    <td className="num">{yuan(credit.reserved, locale)}</td>
                    <td className="num">{yuan(credit.available, locale)}</td>
                    <td>
                      {editing === dealer.id ? (
                        <span className="row">
                          <input className="qty" inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} aria-label={t("orders.limit")} data-testid="credit-limit" />
                          <input value={reason} maxLength={200} placeholder={t("orders.reason")} onChange={(e) => setReason(e.target.value)} data-testid="credit-reason" />
                          <button className="primary" disabled={toFen(limit) == null || !reason.trim()} onClick={() => void saveLine(dealer.id)} data-testid="credit-save">
                            {t("orders.save")}
                          </button>
                          {aboveAuthority === dealer.id && (
                            <button className="secondary" disabled={!reason.trim()} onClick={() => void askLine(dealer.id)} data-testid="credit-ask">
                              {t("approvals.ask")}
                            </button>
                          )}
                        </span>
                      ) : (
                        <button className="link" onClick={() => (setEditing(dealer.id), setLimit(String(credit.limit / 100)))} data-testid="credit-edit">
                          {t("orders.setLine")}
                        </button>
                      )}
                      <button className="link" onClick={() => setTrendsFor(trendsFor === dealer.id ? null : dealer.id)} data-testid="trends-open">
                        {t("trends.open")}
                      </button>
                      <button className="link" onClick={() => setPricesFor(pricesFor === dealer.id ? null : dealer.id)} data-testid="prices-open">
                        {t("prices.open")}
                      </button>
                      <button className="link" onClick={() => setPlanFor(planFor === dealer.id ? null : dealer.id)} data-testid="plan-open">
                        {t("plan.open")}
                      </button>
                      {role === "admin" && (
                        <button className="link" onClick={() => setFundsFor(fundsFor === dealer.id ? null : dealer.id)} data-testid="funds-open">
                          {t("funds.open")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {asked && <p className="muted" data-testid="credit-asked">{t("approvals.asked")}</p>}
      {trendsFor && <TrendsCard key={trendsFor} dealerId={trendsFor} dealerName={dealerName(trendsFor)} />}
      {pricesFor && <PricesCard key={pricesFor} dealerId={pricesFor} dealerName={dealerName(pricesFor)} />}
      {planFor && <DemandPlanCard key={planFor} dealerId={planFor} editable title={t("plan.titleOf", { dealer: dealerName(planFor) })} />}
      {fundsFor && <FundsCard key={fundsFor} dealerId={fundsFor} orderCenter onPaid={load} />}
      {role === "admin" && <AllocationCard dealerName={dealerName} />}
      <nav className="segmented" aria-label={t("orders.filter")}>
        {queues.map((q) => (
          <button key={q.key} className={queue === q.key ? "active" : ""} onClick={() => setQueue(q.key)} data-testid={`queue-${q.key}`}>
            {t(`orders.queue.${q.key}` as MessageKey)}
          </button>
        ))}
      </nav>
      <OrderTable
        orders={list?.orders ?? []}
        testId="order-queue"
        party={{ label: t("orders.dealer"), cell: (o) => dealerName(o.dealer_id) }}
        extra={{
          label: t("orders.availableLabel"),
          numeric: true,
          cell: (o) => {
            const credit = creditOf(o.dealer_id);
            return credit ? <span className={credit.available < o.total ? "error" : undefined}>{yuan(credit.available, locale)}</span> : "—";
          },
        }}
        onOpen={(id) => void openOrder(id)}
      />
      {list && list.orders.length === 0 && <p className="muted">{t("orders.none")}</p>}
    </section>
  );
}
