// One campaign: what it says and to whom, its steps (who did what, when, why), and the actions
// its state offers the one looking (approve and reject only to another operator holding the
// right). Each action is taken at the revision shown; a reason is asked where one is needed.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { Campaign, CampaignAction, CampaignDetail } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { actionsFor, editable, NEEDS_REASON } from "./campaignForm";
import { StatusTag } from "./Campaigns";
import { benefitText, conditionsText } from "../couponText";
import { Funnel } from "./Funnel";

export function CampaignView({ id, onBack, onEdit }: { id: string; onBack: () => void; onEdit: (c: Campaign) => void }) {
  const { t, time, locale } = useI18n();
  const [detail, setDetail] = useState<CampaignDetail | null>(null);
  const [asking, setAsking] = useState<CampaignAction | null>(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();

  const load = async () => {
    const d = await run(() => commands.campaign(id));
    if (d) setDetail(d);
  };
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const act = async (action: CampaignAction) => {
    if (!detail) return;
    if (NEEDS_REASON.includes(action) && asking !== action) {
      setAsking(action);
      setReason("");
      return;
    }
    setBusy(true);
    await run(() => commands.actOnCampaign(id, { action, revision: detail.campaign.revision, reason: reason.trim() || undefined }));
    setBusy(false);
    setAsking(null);
    // Either way the campaign is read again (after a refusal it shows what changed), keeping the
    // refusal on screen.
    await commands.campaign(id).then(setDetail, () => {});
  };

  if (!detail) return <ErrorBanner error={error} />;
  const c = detail.campaign;
  const zh = locale !== "en";
  const actions = actionsFor(c.status, detail.can_decide, c.starts_at !== undefined, !!c.coupon && c.coupons_withdrawn_at === undefined);
  return (
    <section className="card stack" data-testid="campaign-view" data-status={c.status} data-revision={c.revision}>
      <div className="row spread">
        <button className="link" onClick={onBack} data-testid="campaign-back">
          ← {t("campaigns.title")}
        </button>
        <StatusTag status={c.status} />
      </div>
      <h2>{c.name}</h2>
      <ErrorBanner error={error} />
      <dl className="sums">
        <dt>{t("campaigns.category")}</dt>
        <dd>{t(`campaigns.category.${c.category}` as MessageKey)}</dd>
        <dt>{t("campaigns.channels")}</dt>
        <dd>{c.channels.map((ch) => t(`campaigns.channel.${ch}` as MessageKey)).join(" · ")}</dd>
        <dt>{t("campaigns.holdout")}</dt>
        <dd>{c.holdout_percent}%</dd>
        {c.starts_at !== undefined && (
          <>
            <dt>{t("campaigns.startsAt")}</dt>
            <dd>{time(c.starts_at)}</dd>
          </>
        )}
        {c.ends_at !== undefined && (
          <>
            <dt>{t("campaigns.endsAt")}</dt>
            <dd>{time(c.ends_at)}</dd>
          </>
        )}
        {c.decision_reason && (
          <>
            <dt>{t("campaigns.decisionReason")}</dt>
            <dd data-testid="campaign-decision-reason">{c.decision_reason}</dd>
          </>
        )}
      </dl>
      <article className="inbox-message" data-testid="campaign-preview">
        <b>{zh ? c.content.title_zh : c.content.title_en}</b>
        <p>{zh ? c.content.body_zh : c.content.body_en}</p>
      </article>
      <div className="row">
        {actions.map((a) => (
          <button
            key={a}
            className={a === "approve" || a === "submit" || a === "start" ? "primary" : a === "stop" || a === "reject" ? "secondary danger" : "secondary"}
            disabled={busy}
            onClick={() => void act(a)}
            data-testid={`campaign-${a}`}
          >
            {t(`campaigns.action.${a}` as MessageKey)}
          </button>
        ))}
        {editable(c.status) && (
          <button className="secondary" disabled={busy} onClick={() => onEdit(c)} data-testid="campaign-edit">
            {t("campaigns.edit")}
          </button>
        )}
      </div>
      {c.status === "submitted" && !detail.can_decide && <p className="muted small">{t("campaigns.waitsForApprover")}</p>}
      {asking && (
        <form className="row" onSubmit={(e) => (e.preventDefault(), void act(asking))}>
          <input
            value={reason}
            maxLength={200}
            placeholder={t("campaigns.reasonHint")}
            onChange={(e) => setReason(e.target.value)}
            data-testid="campaign-reason"
            autoFocus
          />
          <button className="secondary danger" type="submit" disabled={busy || reason.trim() === ""} data-testid="campaign-reason-confirm">
            {t(`campaigns.action.${asking}` as MessageKey)}
          </button>
        </form>
      )}
      {c.coupon && (
        <p data-testid="campaign-coupon-terms">
          <b>{t("campaigns.couponTerms")}</b>: {benefitText(t, locale, c.coupon)} · {conditionsText(t, locale, c.coupon, (at) => time(at, true))}
        </p>
      )}
      {c.coupon && c.coupons_withdrawn_at !== undefined && (
        <p className="muted small" data-testid="campaign-coupons-withdrawn">
          {t("campaigns.couponsWithdrawn", { date: time(c.coupons_withdrawn_at) })}
        </p>
      )}
      {c.coupon && c.coupons_withdrawn_at === undefined && actions.includes("stop") && (
        <p className="muted small">{t("campaigns.stopWithdraws")}</p>
      )}
      {detail.coupons && (
        <p
          className="muted"
          data-testid="campaign-coupons"
          data-issued={detail.coupons.issued}
          data-redeemed={detail.coupons.redeemed}
          data-twice={detail.coupons.used_twice}
        >
          {t("campaigns.coupons", {
            issued: detail.coupons.issued,
            redeemed: detail.coupons.redeemed,
            off: detail.coupons.off / 100,
            twice: detail.coupons.used_twice,
          })}
        </p>
      )}
      {detail.funnel && <Funnel funnel={detail.funnel} />}
      <h3>{t("campaigns.steps")}</h3>
      <div className="table-wrap">
        <table className="dense" data-testid="campaign-steps">
          <thead>
            <tr>
              <th>{t("campaigns.when")}</th>
              <th>{t("campaigns.who")}</th>
              <th>{t("campaigns.step")}</th>
              <th>{t("campaigns.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {detail.steps.map((s, i) => (
              <tr key={i} data-action={s.action}>
                <td>{time(s.at)}</td>
                <td>{s.by_name || t("campaigns.system")}</td>
                <td>
                  {t(`campaigns.action.${s.action}` as MessageKey)} → {t(`campaigns.status.${s.to}` as MessageKey)}
                </td>
                <td>{s.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
