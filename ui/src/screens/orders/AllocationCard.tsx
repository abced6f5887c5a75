// The order center's allocation (货源配额/分配): what waits for a scarce SKU, and a run that shares
// what there is among those orders by rule (tiers first, then by plan, history or what each asks),
// each order shown what it got and why. A run's id is made once per attempt, so pressing again
// after a lost answer lands once.
import { useState } from "react";
import { commands } from "../../ipc/commands";
import type { AllocationBasis, AllocationDemand, AllocationReason, AllocationReport } from "../../ipc/types";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId } from "../format";

const BASES: AllocationBasis[] = ["plan", "history", "ordered"];

export function reasonText(t: I18n["t"], reason: AllocationReason): string {
  switch (reason.kind) {
    case "full":
      return t("allocation.reason.full");
    case "share":
      return t("allocation.reason.share", { shared: reason.shared });
    case "nothing_left":
      return t("allocation.reason.nothing_left");
  }
}

export function AllocationCard({ dealerName }: { dealerName: (id: string) => string }) {
  const { t } = useI18n();
  const [sku, setSku] = useState("");
  const [demand, setDemand] = useState<AllocationDemand | null>(null);
  const [available, setAvailable] = useState("");
  const [basis, setBasis] = useState<AllocationBasis>("plan");
  const [tiers, setTiers] = useState("gold, silver");
  const [attempt, setAttempt] = useState(newId);
  const [report, setReport] = useState<AllocationReport | null>(null);
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();

  const units = /^\d{1,8}$/.test(available.trim()) ? Number(available.trim()) : null;
  const look = async () => {
    setReport(null);
    const d = await run(() => commands.allocationDemand(sku.trim()));
    if (d) setDemand(d);
  };
  const share = async () => {
    if (units == null || !demand) return;
    setBusy(true);
    const priority_tiers = tiers.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);
    const made = await run(() => commands.runAllocation({ id: attempt, sku: demand.sku, available: units, basis, priority_tiers }));
    setBusy(false);
    if (made) {
      setReport(made);
      setAttempt(newId());
      const d = await run(() => commands.allocationDemand(made.sku));
      if (d) setDemand(d);
    }
  };

  return (
    <section className="card" data-testid="allocation">
      <h2>{t("allocation.title")}</h2>
      <p className="muted small">{t("allocation.hint")}</p>
      <ErrorBanner error={error} />
      <div className="row filters">
        <label>
          SKU
          <input value={sku} maxLength={64} onChange={(e) => (setSku(e.target.value), setDemand(null))} data-testid="allocation-sku" />
        </label>
        <button className="secondary" disabled={!sku.trim()} onClick={() => void look()} data-testid="allocation-look">
          {t("allocation.look")}
        </button>
      </div>
      {demand && (
        <>
          <p data-testid="allocation-demand" data-wanted={demand.wanted}>
            {t("allocation.waiting", { orders: demand.orders, units: demand.wanted })}
          </p>
          {demand.orders > 0 && (
            <div className="row filters">
              <label>
                {t("allocation.available")}
                <input className="qty" inputMode="numeric" value={available} onChange={(e) => setAvailable(e.target.value)} data-testid="allocation-available" />
              </label>
              <label>
                {t("allocation.basis")}
                <select value={basis} onChange={(e) => setBasis(e.target.value as AllocationBasis)} data-testid="allocation-basis">
                  {BASES.map((b) => (
                    <option key={b} value={b}>
                      {t(`allocation.basis.${b}` as MessageKey)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t("allocation.tiers")}
                <input value={tiers} maxLength={200} onChange={(e) => setTiers(e.target.value)} data-testid="allocation-tiers" />
              </label>
              <button className="primary" disabled={busy || units == null} onClick={() => void share()} data-testid="allocation-run">
                {t("allocation.run")}
              </button>
            </div>
          )}
        </>
      )}
      {report && (
        <>
          <p data-testid="allocation-result">{t("allocation.result", { granted: report.granted, wanted: report.wanted, orders: report.orders })}</p>
          <div className="table-wrap">
            <table className="dense" data-testid="allocation-grants">
              <thead>
                <tr>
                  <th>{t("allocation.order")}</th>
                  <th>{t("orders.dealer")}</th>
                  <th className="num">{t("allocation.wanted")}</th>
                  <th className="num">{t("allocation.granted")}</th>
                  <th className="num">{t("allocation.short")}</th>
                  <th>{t("allocation.why")}</th>
                </tr>
              </thead>
              <tbody>
                {report.grants.map((g) => (
                  <tr key={g.order_id} data-order={g.order_id} className={g.granted < g.wanted ? "warn" : ""}>
                    <td>{g.order_id.slice(-8).toUpperCase()}</td>
                    <td>{dealerName(g.dealer_id)}</td>
                    <td className="num">{g.wanted}</td>
                    <td className="num">{g.granted}</td>
                    <td className="num">
                      {g.short > 0 ? t(g.short_cancelled ? "allocation.cancelled" : "allocation.backOrdered", { count: g.short }) : "—"}
                    </td>
                    <td>
                      {reasonText(t, g.reason)}
                      {g.priority > 0 && <span className="pill">{t("allocation.priority", { priority: g.priority })}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
