// The campaign editor's kept audiences: imported lists to narrow the audience to, and saved
// segments to start from (loading one fills the audience's fields) or to save the current
// audience as.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { Audience, Audiences } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId } from "../format";
import { audienceFields, type CampaignForm } from "./campaignForm";

type Props = {
  form: CampaignForm;
  edit: (patch: Partial<CampaignForm>) => void;
  /** The form's audience as the server takes it; null while it is not valid. */
  audience: Audience | null;
};

export function AudiencePresets({ form, edit, audience }: Props) {
  const { t } = useI18n();
  const [kept, setKept] = useState<Audiences | null>(null);
  const [name, setName] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const { error, run } = useCommandError();
  const load = () => commands.audiences().then(setKept, () => setKept(null));
  useEffect(() => void load(), []);
  if (!kept) return null;
  // A list the campaign names that is gone (deleted) stays in view, to be unticked.
  const gone = form.lists.filter((id) => !kept.lists.some((l) => l.id === id));
  const toggle = (id: string) => edit({ lists: form.lists.includes(id) ? form.lists.filter((l) => l !== id) : [...form.lists, id] });
  const save = async () => {
    if (!audience || name.trim() === "") return;
    const segment = await run(() => commands.saveSegment({ id: newId(), name: name.trim(), audience }));
    if (segment) {
      setSaved(segment.name);
      setName("");
      void load();
    }
  };
  return (
    <>
      {(kept.lists.length > 0 || gone.length > 0) && (
        <fieldset className="wide" data-testid="campaign-lists">
          <legend>{t("campaigns.field.lists")}</legend>
          {kept.lists.map((l) => (
            <label key={l.id} className="check">
              <input type="checkbox" checked={form.lists.includes(l.id)} onChange={() => toggle(l.id)} data-testid="campaign-list" />
              {t("audiences.listLabel", { name: l.name, count: l.matched })}
            </label>
          ))}
          {gone.map((id) => (
            <label key={id} className="check bad">
              <input type="checkbox" checked onChange={() => toggle(id)} data-testid="campaign-list-gone" />
              {t("audiences.listGone")}
            </label>
          ))}
        </fieldset>
      )}
      <ErrorBanner error={error} />
      <div className="wide row" data-testid="campaign-segments">
        {kept.segments.length > 0 && (
          <label>
            {t("audiences.loadSegment")}
            <select
              value=""
              onChange={(e) => {
                const s = kept.segments.find((x) => x.id === e.target.value);
                if (s) edit(audienceFields(s.audience));
              }}
              data-testid="campaign-segment-load"
            >
              <option value="">—</option>
              {kept.segments.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t("audiences.segmentName")}
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="campaign-segment-name" />
        </label>
        <button className="secondary" disabled={!audience || name.trim() === ""} onClick={() => void save()} data-testid="campaign-segment-save">
          {t("audiences.saveSegment")}
        </button>
        {saved && <span className="muted small">{t("audiences.segmentSaved", { name: saved })}</span>}
      </div>
    </>
  );
}
