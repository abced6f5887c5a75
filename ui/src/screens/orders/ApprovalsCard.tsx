// Requests beyond a business manager's authority (审批): the order center decides each with a
// reason, seeing the change asked for, why, and the dealer's credit as it stands; a business
// manager follows their own.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { Approval, Role } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { yuan } from "../format";

export function ApprovalsCard({ role, onDecided }: { role: Role; onDecided?: () => void }) {
  const { t, locale, time } = useI18n();
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const { error, run } = useCommandError();
  const load = useCallback(() => {
    void run(() => commands.approvals({})).then((a) => a && setApprovals(a.approvals));
  }, [run]);
  useEffect(load, [load]);

  const decide = async (id: string, approve: boolean) => {
    const decided = await run(() => commands.decideApproval(id, { approve, reason: (reasons[id] ?? "").trim() }));
    if (decided) {
      load();
      onDecided?.();
    }
  };
  if (approvals.length === 0 && !error) return null;
  return (
    <section className="card" data-testid="approvals">
      <h2>{role === "admin" ? t("approvals.title") : t("approvals.mine")}</h2>
      <ErrorBanner error={error} />
      <div className="table-wrap">
        <table className="dense" data-testid="approvals-rows">
          <tbody>
            {approvals.map((a) => (
              <tr key={a.id} data-approval={a.id} data-kind={a.kind}>
                <td>
                  <strong>{a.dealer_name}</strong>
                  <div className="muted small">
                    {a.requested_by_name} · {time(a.requested_at)}
                  </div>
                </td>
                <td>
                  {a.credit_limit != null
                    ? t("approvals.creditAsk", { limit: yuan(a.credit_limit, locale), now: yuan(a.credit.limit, locale), used: yuan(a.credit.receivables + a.credit.reserved, locale) })
                    : a.entries.map((e) => `${e.sku} ${yuan(e.price, locale)} (${e.valid_from})`).join(", ")}
                  <div className="muted small">{t("orders.because", { reason: a.reason })}</div>
                </td>
                {role === "admin" && (
                  <td>
                    <span className="row">
                      <input
                        value={reasons[a.id] ?? ""}
                        maxLength={200}
                        placeholder={t("orders.reason")}
                        onChange={(e) => setReasons({ ...reasons, [a.id]: e.target.value })}
                        data-testid="approval-reason"
                      />
                      <button className="primary" disabled={!(reasons[a.id] ?? "").trim()} onClick={() => void decide(a.id, true)} data-testid="approval-approve">
                        {t("approvals.approve")}
                      </button>
                      <button className="secondary" disabled={!(reasons[a.id] ?? "").trim()} onClick={() => void decide(a.id, false)} data-testid="approval-reject">
                        {t("approvals.reject")}
                      </button>
                    </span>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
