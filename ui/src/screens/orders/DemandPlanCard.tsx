// A dealer's demand plan (需求计划) for this month and the next two: per SKU what their stores sold
// in the last months, the suggestion (recent pace × season) and what their business manager plans,
// which weighs the dealer's share when a scarce SKU is allocated by plan. The dealer reads it;
// their business manager (or the order center) edits it. An empty cell keeps the suggestion
// unplanned; saving sends only the cells changed (setting a quantity again sets the same).
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { DemandPlan } from "../../ipc/types";
import { cellKey, planEntries, type Edits } from "./plan";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

export function DemandPlanCard({ dealerId, editable, title }: { dealerId: string; editable: boolean; title?: string }) {
  const { t } = useI18n();
  const [plan, setPlan] = useState<DemandPlan | null>(null);
  const [edits, setEdits] = useState<Edits>({});
  const [saved, setSaved] = useState(false);
  const { error, run } = useCommandError();
  useEffect(() => {
    let live = true;
    void run(() => commands.demandPlan(dealerId)).then((p) => live && p && setPlan(p));
    return () => {
      live = false;
    };
  }, [dealerId, run]);

  const [adding, setAdding] = useState("");
  const { entries, bad } = plan ? planEntries(plan, edits) : { entries: [], bad: null };
  // A SKU the dealer's stores have not sold yet, planned from nothing (the server checks it exists).
  const addSku = () => {
    const sku = adding.trim();
    if (!plan || !sku || plan.rows.some((r) => r.sku === sku)) return;
    const cells = plan.months.map((month) => ({ month, suggested: 0, recent_pace: 0, season_percent: 100 }));
    setPlan({ ...plan, rows: [...plan.rows, { sku, name: "", history: plan.history_months.map(() => 0), cells }] });
    setAdding("");
  };
  const save = async () => {
    if (entries.length === 0) return;
    const next = await run(() => commands.setDemandPlan(dealerId, entries));
    if (next) {
      setPlan(next);
      setEdits({});
      setSaved(true);
    }
  };

  return (
    <section className="card" data-testid="demand-plan">
      <h2>{title ?? t("plan.title")}</h2>
      <p className="muted small">{t("plan.hint")}</p>
      <ErrorBanner error={error} />
      {plan && plan.rows.length === 0 && <p className="muted">{t("plan.empty")}</p>}
      {editable && plan && (
        <div className="row filters">
          <input value={adding} maxLength={64} placeholder="SKU" onChange={(e) => setAdding(e.target.value)} data-testid="plan-add-sku" />
          <button className="secondary" disabled={!adding.trim()} onClick={addSku} data-testid="plan-add">
            {t("plan.add")}
          </button>
        </div>
      )}
      {plan && plan.rows.length > 0 && (
        <div className="table-wrap">
          <table className="dense" data-testid="plan-rows">
            <thead>
              <tr>
                <th>SKU</th>
                {plan.history_months.map((m) => (
                  <th key={m} className="num muted">
                    {m}
                  </th>
                ))}
                {plan.months.map((m) => (
                  <th key={m} className="num">
                    {t("plan.month", { month: m })}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {plan.rows.map((row) => (
                <tr key={row.sku} data-sku={row.sku}>
                  <td>
                    {row.sku} <span className="muted small">{row.name}</span>
                  </td>
                  {row.history.map((units, i) => (
                    <td key={i} className="num muted">
                      {units}
                    </td>
                  ))}
                  {row.cells.map((cell) => {
                    const key = cellKey(row.sku, cell.month);
                    const why = t("plan.why", { pace: cell.recent_pace, season: cell.season_percent, suggested: cell.suggested });
                    return (
                      <td key={cell.month} className="num" title={why}>
                        {editable ? (
                          <input
                            className={`qty ${bad === key ? "invalid" : ""}`}
                            inputMode="numeric"
                            placeholder={String(cell.suggested)}
                            value={edits[key] ?? (cell.planned != null ? String(cell.planned) : "")}
                            aria-label={`${row.sku} ${cell.month}`}
                            data-testid={`plan-${row.sku}-${cell.month}`}
                            onChange={(e) => (setEdits({ ...edits, [key]: e.target.value }), setSaved(false))}
                          />
                        ) : (
                          <span>{cell.planned ?? "—"}</span>
                        )}
                        <div className="muted small">{t("plan.suggested", { units: cell.suggested })}</div>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable && plan && plan.rows.length > 0 && (
        <div className="row">
          <button className="primary" disabled={entries.length === 0 || bad != null} onClick={() => void save()} data-testid="plan-save">
            {t("plan.save", { count: entries.length })}
          </button>
          {bad && <span className="error">{t("plan.bad")}</span>}
          {saved && <span className="muted" data-testid="plan-saved">{t("plan.saved")}</span>}
        </div>
      )}
    </section>
  );
}
