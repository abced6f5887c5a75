// A store manager's team: the store's promoters with the discount each may give. A limit is set on
// the server (online), up to the manager's own, and reaches the promoter's tablet with their profile.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { StaffMember } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import type { PosContext } from "./context";

export function Team({ ctx }: { ctx: PosContext }) {
  const { t } = useI18n();
  const [members, setMembers] = useState<StaffMember[]>([]);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const { error, setError, showError } = useCommandError();
  const [saved, setSaved] = useState<string | null>(null);

  const load = useCallback(() => {
    commands
      .storeStaff(ctx.storeId)
      .then((l) => (setMembers(l.members), setError(null)))
      .catch((e) => showError(e));
  }, [ctx.storeId]);
  useEffect(() => {
    load();
  }, [load]);

  async function save(m: StaffMember, percent: number | null) {
    setError(null);
    try {
      const updated = await commands.setDiscountLimit(ctx.storeId, m.user_id, percent);
      setMembers(members.map((x) => (x.user_id === m.user_id ? updated : x)));
      setEdits({ ...edits, [m.user_id]: "" });
      setSaved(t("pos.team.saved", { name: m.display_name, percent: updated.discount_limit_percent }));
    } catch (e) {
      showError(e);
    }
  }

  return (
    <div className="card">
      <h2>{t("pos.team.title")}</h2>
      <p className="muted small">{t("pos.team.help")}</p>
      {saved && <p className="banner info" data-testid="team-saved">{saved}</p>}
      <ErrorBanner error={error} />
      <table className="cart" data-testid="team">
        <tbody>
          {members.map((m) => {
            const text = edits[m.user_id] ?? "";
            const value = Number(text);
            const valid = text.trim() !== "" && Number.isInteger(value) && value >= 0 && value <= 100;
            return (
              <tr key={m.user_id} data-testid="team-member" data-limit={m.discount_limit_percent}>
                <td>
                  {m.display_name}
                  <div className="muted small">{t(`home.role.${m.role}` as MessageKey)}</div>
                </td>
                <td className="num">
                  {m.discount_limit_percent}% {m.default_limit && <span className="muted small">{t("pos.team.default")}</span>}
                </td>
                <td>
                  {m.role === "promoter" && (
                    <span className="row">
                      <input
                        className="qty"
                        type="number"
                        min={0}
                        max={100}
                        value={text}
                        placeholder="%"
                        aria-label={t("pos.team.limit")}
                        data-testid="team-limit"
                        onChange={(e) => setEdits({ ...edits, [m.user_id]: e.target.value })}
                      />
                      <button className="secondary" disabled={!valid} onClick={() => void save(m, value)} data-testid="team-save">
                        {t("pos.team.set")}
                      </button>
                      {!m.default_limit && (
                        <button className="link" onClick={() => void save(m, null)}>
                          {t("pos.team.reset")}
                        </button>
                      )}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
