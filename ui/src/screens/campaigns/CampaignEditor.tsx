// Writing or editing a campaign: its name and category, the audience (roles, customer tags all,
// any and none of, behaviour windows) with its live size, the content in both languages with a
// deep link, the channels, the holdout and the times. A new campaign's id is chosen here, so a
// save whose answer was lost lands once when sent again; an edit names the revision it started
// from and returns the campaign to draft.
import { useEffect, useMemo, useState } from "react";
import { commands } from "../../ipc/commands";
import type { Campaign, CustomerTag, MessageChannel, Role } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId } from "../format";
import { AudiencePresets } from "./AudiencePresets";
import { CATEGORIES, draftOf, emptyForm, formOf, MAX_BODY, MAX_TITLE, type CampaignForm, type CouponKind, type LinkKind } from "./campaignForm";

const CHANNELS: MessageChannel[] = ["push", "inbox", "sms"];
const ROLES: Role[] = ["consumer", "promoter", "store_manager", "distributor", "business_manager"];
const LINKS: LinkKind[] = ["none", "inbox", "product", "category", "wallet"];
const COUPONS: CouponKind[] = ["none", "amount", "percent"];

export function CampaignEditor({ campaign, onDone }: { campaign?: Campaign; onDone: (c: Campaign | null) => void }) {
  const { t } = useI18n();
  const id = useMemo(() => campaign?.id ?? newId(), [campaign]);
  const [form, setForm] = useState<CampaignForm>(() => (campaign ? formOf(campaign) : emptyForm()));
  const [bad, setBad] = useState<string | null>(null);
  const [tags, setTags] = useState<CustomerTag[]>([]);
  const [size, setSize] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();

  useEffect(() => {
    commands.customerTags().then((l) => setTags(l.tags), () => {});
  }, []);
  // The audience's live size, a moment after the last change to it.
  const audienceKey = JSON.stringify([form.roles, form.tagsAll, form.tagsAny, form.tagsNone, form.lists, form.activeDays, form.boughtDays]);
  const audience = useMemo(
    () => draftOf(id, { ...form, name: form.name || "-", titleZh: "-", titleEn: "-", bodyZh: "-", bodyEn: "-" }).draft?.audience ?? null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [audienceKey],
  );
  useEffect(() => {
    const checked = draftOf(id, { ...form, name: form.name || "-", titleZh: "-", titleEn: "-", bodyZh: "-", bodyEn: "-" });
    if (!checked.draft) return setSize(null);
    const audience = checked.draft.audience;
    const timer = setTimeout(() => commands.audienceSize(audience).then((s) => setSize(s.size), () => setSize(null)), 400);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [audienceKey]);

  const edit = (patch: Partial<CampaignForm>) => (setBad(null), setForm((f) => ({ ...f, ...patch })));
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  const save = async () => {
    const checked = draftOf(id, form);
    if (checked.bad !== null) return setBad(checked.bad);
    setBusy(true);
    const saved = await run(() =>
      campaign ? commands.editCampaign(checked.draft, campaign.revision) : commands.createCampaign(checked.draft),
    );
    setBusy(false);
    if (saved) onDone(saved);
  };

  const text = (field: keyof CampaignForm, max: number, multiline = false) => {
    const props = {
      value: form[field] as string,
      maxLength: max,
      "aria-invalid": bad === field,
      "data-testid": `campaign-${field}`,
    };
    return (
      <label className={bad === field ? "invalid" : ""}>
        {t(`campaigns.field.${field}` as MessageKey)}
        {multiline ? (
          <textarea rows={3} {...props} onChange={(e) => edit({ [field]: e.target.value })} />
        ) : (
          <input {...props} onChange={(e) => edit({ [field]: e.target.value })} />
        )}
      </label>
    );
  };
  const tagPicker = (field: "tagsAll" | "tagsAny" | "tagsNone") => (
    <fieldset className="wide" data-testid={`campaign-${field}`}>
      <legend>{t(`campaigns.field.${field}` as MessageKey)}</legend>
      {tags.length === 0 && <span className="muted small">{t("campaigns.noTags")}</span>}
      {tags.map((tag) => (
        <label key={tag.id} className="check">
          <input type="checkbox" checked={form[field].includes(tag.id)} onChange={() => edit({ [field]: toggle(form[field], tag.id) })} />
          {tag.name}
        </label>
      ))}
    </fieldset>
  );

  return (
    <section className="card stack" data-testid="campaign-editor">
      <h2>{campaign ? t("campaigns.editTitle") : t("campaigns.new")}</h2>
      {campaign && campaign.status !== "draft" && <p className="muted small">{t("campaigns.editReturnsToDraft")}</p>}
      <ErrorBanner error={error} />
      {bad && (
        <p className="error" role="alert" data-testid="campaign-bad" data-field={bad}>
          {t("campaigns.badField")}
        </p>
      )}
      <div className="grid">
        {text("name", 100)}
        <label>
          {t("campaigns.category")}
          <select value={form.category} onChange={(e) => edit({ category: e.target.value })} data-testid="campaign-category">
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`campaigns.category.${c}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="wide" data-testid="campaign-channels">
          <legend>{t("campaigns.channels")}</legend>
          {CHANNELS.map((c) => (
            <label key={c} className="check">
              <input type="checkbox" checked={form.channels.includes(c)} onChange={() => edit({ channels: toggle(form.channels, c) })} data-testid={`campaign-channel-${c}`} />
              {t(`campaigns.channel.${c}` as MessageKey)}
            </label>
          ))}
        </fieldset>
        {form.channels.includes("sms") && (
          <div className="wide">
            {text("smsTemplate", 40)}
            <p className="muted small">{t("campaigns.smsTemplateHint")}</p>
          </div>
        )}
        <h3 className="wide">
          {t("campaigns.audience")}{" "}
          <span className="muted small" data-testid="campaign-size" data-size={size ?? ""}>
            {size === null ? "" : t("campaigns.size", { count: size })}
          </span>
        </h3>
        <fieldset className="wide">
          <legend>{t("campaigns.roles")}</legend>
          {ROLES.map((r) => (
            <label key={r} className="check">
              <input type="checkbox" checked={form.roles.includes(r)} onChange={() => edit({ roles: toggle(form.roles, r) })} />
              {t(`home.role.${r}` as MessageKey)}
            </label>
          ))}
        </fieldset>
        {tagPicker("tagsAll")}
        {tagPicker("tagsAny")}
        {tagPicker("tagsNone")}
        <AudiencePresets form={form} edit={edit} audience={audience} />
        {text("activeDays", 3)}
        {text("boughtDays", 3)}
        <h3 className="wide">{t("campaigns.content")}</h3>
        {text("titleZh", MAX_TITLE)}
        {text("titleEn", MAX_TITLE)}
        {text("bodyZh", MAX_BODY, true)}
        {text("bodyEn", MAX_BODY, true)}
        <label>
          {t("campaigns.link")}
          <select value={form.link} onChange={(e) => edit({ link: e.target.value as LinkKind })} data-testid="campaign-link">
            {LINKS.map((l) => (
              <option key={l} value={l}>
                {t(`campaigns.link.${l}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {(form.link === "product" || form.link === "category") && text("linkTarget", 40)}
        <h3 className="wide">{t("campaigns.coupon")}</h3>
        <label>
          {t("campaigns.coupon.kind")}
          <select value={form.coupon} onChange={(e) => edit({ coupon: e.target.value as CouponKind })} data-testid="campaign-coupon">
            {COUPONS.map((k) => (
              <option key={k} value={k}>
                {t(`campaigns.coupon.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {form.coupon === "amount" && text("couponAmount", 9)}
        {form.coupon === "percent" && text("couponPercent", 2)}
        {form.coupon === "percent" && text("couponCap", 9)}
        {form.coupon !== "none" && (
          <>
            {text("couponMinSpend", 9)}
            {text("couponCategories", 200)}
            {text("couponModels", 400)}
            <label className={bad === "couponFrom" ? "invalid" : ""}>
              {t("campaigns.field.couponFrom")}
              <input type="datetime-local" value={form.couponFrom} onChange={(e) => edit({ couponFrom: e.target.value })} data-testid="campaign-couponFrom" />
            </label>
            <label className={bad === "couponUntil" ? "invalid" : ""}>
              {t("campaigns.field.couponUntil")}
              <input type="datetime-local" value={form.couponUntil} onChange={(e) => edit({ couponUntil: e.target.value })} data-testid="campaign-couponUntil" />
            </label>
          </>
        )}
        <h3 className="wide">{t("campaigns.when")}</h3>
        <label className={bad === "startsAt" ? "invalid" : ""}>
          {t("campaigns.field.startsAt")}
          <input type="datetime-local" value={form.startsAt} onChange={(e) => edit({ startsAt: e.target.value })} data-testid="campaign-startsAt" />
        </label>
        <label className={bad === "endsAt" ? "invalid" : ""}>
          {t("campaigns.field.endsAt")}
          <input type="datetime-local" value={form.endsAt} onChange={(e) => edit({ endsAt: e.target.value })} data-testid="campaign-endsAt" />
        </label>
        {text("holdout", 2)}
      </div>
      <div className="row">
        <button className="primary" disabled={busy} onClick={() => void save()} data-testid="campaign-save">
          {t("campaigns.save")}
        </button>
        <button className="secondary" disabled={busy} onClick={() => onDone(campaign ?? null)} data-testid="campaign-cancel">
          {t("campaigns.cancel")}
        </button>
      </div>
    </section>
  );
}
