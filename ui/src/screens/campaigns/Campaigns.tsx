// Campaigns for operators (desktop first): the list by status, a campaign with its steps and the
// actions its state offers, and the editor. Everything here is online: a campaign is acted on as
// it is now, each action at the revision the operator saw (someone's change in between is shown,
// never overwritten).
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { Campaign, CampaignStatus } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { CampaignEditor } from "./CampaignEditor";
import { CampaignView } from "./CampaignView";
import { AudienceLists } from "./AudienceLists";

const FILTERS: (CampaignStatus | "")[] = ["", "draft", "submitted", "approved", "scheduled", "running", "paused", "finished", "rejected"];

type Open = { kind: "list" } | { kind: "view"; id: string } | { kind: "new" } | { kind: "edit"; campaign: Campaign };

export function StatusTag({ status }: { status: CampaignStatus }) {
  const { t } = useI18n();
  const tone = status === "submitted" ? "pill warn" : status === "rejected" || status === "finished" ? "pill muted" : "pill";
  return (
    <span className={tone} data-status={status}>
      {t(`campaigns.status.${status}` as MessageKey)}
    </span>
  );
}

export function Campaigns() {
  const { t, time, locale } = useI18n();
  const [filter, setFilter] = useState<CampaignStatus | "">("");
  const [list, setList] = useState<Campaign[] | null>(null);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<Open>({ kind: "list" });
  const { error, run } = useCommandError();

  const load = async (more = false) => {
    const page = await run(() =>
      commands.campaigns({ status: filter || undefined, before: more ? next : undefined, limit: 50 }),
    );
    if (!page) return;
    setList((l) => (more && l ? [...l, ...page.campaigns] : page.campaigns));
    setNext(page.next);
  };
  useEffect(() => {
    if (open.kind === "list") void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filter, open.kind]);

  if (open.kind === "new") return <CampaignEditor onDone={(c) => setOpen(c ? { kind: "view", id: c.id } : { kind: "list" })} />;
  if (open.kind === "edit")
    return <CampaignEditor campaign={open.campaign} onDone={(c) => setOpen({ kind: "view", id: c?.id ?? open.campaign.id })} />;
  if (open.kind === "view")
    return <CampaignView id={open.id} onBack={() => setOpen({ kind: "list" })} onEdit={(c) => setOpen({ kind: "edit", campaign: c })} />;

  return (
    <section className="card" data-testid="campaigns">
      <div className="row spread">
        <h2>{t("campaigns.title")}</h2>
        <button className="primary" onClick={() => setOpen({ kind: "new" })} data-testid="campaign-new">
          {t("campaigns.new")}
        </button>
      </div>
      <ErrorBanner error={error} />
      <nav className="segmented" aria-label={t("campaigns.filter")}>
        {FILTERS.map((f) => (
          <button key={f || "all"} className={filter === f ? "active" : ""} onClick={() => setFilter(f)} data-testid={`campaigns-filter-${f || "all"}`}>
            {f ? t(`campaigns.status.${f}` as MessageKey) : t("campaigns.all")}
          </button>
        ))}
      </nav>
      {list && list.length === 0 && <p className="muted">{t("campaigns.none")}</p>}
      {list && list.length > 0 && (
        <div className="table-wrap">
          <table className="dense" data-testid="campaign-rows">
            <thead>
              <tr>
                <th>{t("campaigns.name")}</th>
                <th>{t("campaigns.state")}</th>
                <th>{t("campaigns.channels")}</th>
                <th>{t("campaigns.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} data-campaign={c.id} data-status={c.status}>
                  <td>
                    <button className="link" onClick={() => setOpen({ kind: "view", id: c.id })} data-testid="campaign-open">
                      {c.name}
                    </button>
                  </td>
                  <td>
                    <StatusTag status={c.status} />
                  </td>
                  <td>{c.channels.map((ch) => t(`campaigns.channel.${ch}` as MessageKey)).join(locale === "en" ? ", " : "、")}</td>
                  <td>{time(c.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button className="secondary" onClick={() => void load(true)} data-testid="campaigns-more">
          {t("campaigns.more")}
        </button>
      )}
      <AudienceLists />
    </section>
  );
}
