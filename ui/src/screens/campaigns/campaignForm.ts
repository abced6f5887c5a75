// A campaign's editor as plain data: the fields an operator fills in (times as the device's local
// date and time, windows and the holdout as typed), turned into the draft the server checks, with
// the first field that is wrong named; and which actions a campaign offers in its state.
import type { Audience, Campaign, CampaignAction, CampaignDraft, CampaignStatus, CouponTerms, DeepLink, MessageChannel, Role } from "../../ipc/types";
import { fenText, toFen } from "../format";

export type LinkKind = "none" | "inbox" | "product" | "category" | "wallet";
export type CouponKind = "none" | "amount" | "percent";

export type CampaignForm = {
  name: string;
  category: string;
  channels: MessageChannel[];
  roles: Role[];
  tagsAll: string[];
  tagsAny: string[];
  tagsNone: string[];
  /** Imported lists (ids) a person is in at least one of. */
  lists: string[];
  activeDays: string;
  boughtDays: string;
  holdout: string;
  /** `YYYY-MM-DDTHH:MM` in the device's time, or empty. */
  startsAt: string;
  endsAt: string;
  titleZh: string;
  titleEn: string;
  bodyZh: string;
  bodyEn: string;
  link: LinkKind;
  linkTarget: string;
  /** The SMS provider's code of the approved marketing template texts go as; empty: the
   *  server's default. */
  smsTemplate: string;
  /** An e-coupon each person reached gets. Sums in yuan as typed. */
  coupon: CouponKind;
  couponAmount: string;
  couponPercent: string;
  couponCap: string;
  couponMinSpend: string;
  /** Comma-separated category codes and model numbers; empty: any. */
  couponCategories: string;
  couponModels: string;
  couponFrom: string;
  couponUntil: string;
};

export const CATEGORIES = ["promotions", "new_products", "care", "events"] as const;
export const MAX_TITLE = 60;
export const MAX_BODY = 500;

export function emptyForm(): CampaignForm {
  return {
    name: "",
    category: "promotions",
    channels: ["push", "inbox"],
    roles: ["consumer"],
    tagsAll: [],
    tagsAny: [],
    tagsNone: [],
    lists: [],
    activeDays: "",
    boughtDays: "",
    holdout: "10",
    startsAt: "",
    endsAt: "",
    titleZh: "",
    titleEn: "",
    bodyZh: "",
    bodyEn: "",
    link: "inbox",
    linkTarget: "",
    smsTemplate: "",
    coupon: "none",
    couponAmount: "",
    couponPercent: "",
    couponCap: "",
    couponMinSpend: "",
    couponCategories: "",
    couponModels: "",
    couponFrom: "",
    couponUntil: "",
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Unix seconds as the device's `YYYY-MM-DDTHH:MM`. */
export function localInput(unix: number | undefined): string {
  if (unix === undefined) return "";
  const d = new Date(unix * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The device's `YYYY-MM-DDTHH:MM` as unix seconds; null when it is not one. */
export function fromLocalInput(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) return null;
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

export function formOf(c: Campaign): CampaignForm {
  const link = c.content.deep_link;
  return {
    name: c.name,
    category: c.category,
    channels: [...c.channels],
    ...audienceFields(c.audience),
    holdout: String(c.holdout_percent),
    startsAt: localInput(c.starts_at),
    endsAt: localInput(c.ends_at),
    titleZh: c.content.title_zh,
    titleEn: c.content.title_en,
    bodyZh: c.content.body_zh,
    bodyEn: c.content.body_en,
    link: link ? link.to : "none",
    linkTarget: link?.to === "product" ? link.model : link?.to === "category" ? link.code : "",
    smsTemplate: c.content.sms_template ?? "",
    ...couponForm(c.coupon),
  };
}

/** An audience (a saved segment's) as the form's fields. */
export function audienceFields(a: Audience): Pick<CampaignForm, "roles" | "tagsAll" | "tagsAny" | "tagsNone" | "lists" | "activeDays" | "boughtDays"> {
  return {
    roles: a.roles.length > 0 ? [...a.roles] : ["consumer"],
    tagsAll: [...a.tags_all],
    tagsAny: [...a.tags_any],
    tagsNone: [...a.tags_none],
    lists: [...a.lists],
    activeDays: a.active_within_days === undefined ? "" : String(a.active_within_days),
    boughtDays: a.bought_within_days === undefined ? "" : String(a.bought_within_days),
  };
}

/** A coupon's terms as the form's fields. */
function couponForm(terms: CouponTerms | undefined): Pick<
  CampaignForm,
  "coupon" | "couponAmount" | "couponPercent" | "couponCap" | "couponMinSpend" | "couponCategories" | "couponModels" | "couponFrom" | "couponUntil"
> {
  const b = terms?.benefit;
  return {
    coupon: !b ? "none" : b.kind === "amount_off" ? "amount" : "percent",
    couponAmount: b?.kind === "amount_off" ? fenText(b.fen) : "",
    couponPercent: b?.kind === "percent_off" ? String(b.percent) : "",
    couponCap: b?.kind === "percent_off" && b.max_fen !== undefined ? fenText(b.max_fen) : "",
    couponMinSpend: terms && terms.min_spend > 0 ? fenText(terms.min_spend) : "",
    couponCategories: terms?.categories.join(", ") ?? "",
    couponModels: terms?.models.join(", ") ?? "",
    couponFrom: localInput(terms?.valid_from),
    couponUntil: localInput(terms?.valid_until),
  };
}

const list = (text: string) =>
  text
    .split(/[,，\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== "");

/** The coupon the form describes (none when it has none), or the first field that is wrong. */
function couponOf(form: CampaignForm, now: number): { terms: CouponTerms | undefined } | { bad: string } {
  if (form.coupon === "none") return { terms: undefined };
  let benefit: CouponTerms["benefit"];
  if (form.coupon === "amount") {
    const fen = toFen(form.couponAmount);
    if (fen === null || fen <= 0) return { bad: "couponAmount" };
    benefit = { kind: "amount_off", fen };
  } else {
    const percent = Number(form.couponPercent.trim());
    if (!/^\d{1,2}$/.test(form.couponPercent.trim()) || percent < 1 || percent > 99) return { bad: "couponPercent" };
    const cap = form.couponCap.trim() === "" ? undefined : toFen(form.couponCap);
    if (cap === null || (cap !== undefined && cap <= 0)) return { bad: "couponCap" };
    benefit = { kind: "percent_off", percent, ...(cap === undefined ? {} : { max_fen: cap }) };
  }
  const minSpend = form.couponMinSpend.trim() === "" ? 0 : toFen(form.couponMinSpend);
  if (minSpend === null || minSpend < 0) return { bad: "couponMinSpend" };
  const categories = list(form.couponCategories);
  if (categories.length > 20 || categories.some((c) => c.length > 40)) return { bad: "couponCategories" };
  const models = list(form.couponModels);
  if (models.length > 50 || models.some((m) => m.length > 40)) return { bad: "couponModels" };
  const from = form.couponFrom === "" ? now : fromLocalInput(form.couponFrom);
  if (from === null) return { bad: "couponFrom" };
  const until = fromLocalInput(form.couponUntil);
  if (until === null || until <= from || until <= now) return { bad: "couponUntil" };
  return { terms: { benefit, min_spend: minSpend, models, categories, stores: [], valid_from: from, valid_until: until } };
}

export type Checked = { draft: CampaignDraft; bad: null } | { draft: null; bad: string };

/** A whole number of days 1–730, or none when empty. */
function days(text: string): number | undefined | null {
  const t = text.trim();
  if (t === "") return undefined;
  if (!/^\d{1,3}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 730 ? n : null;
}

/** The draft the form describes, under `id`; or the first field that is wrong. `now` in unix
 *  seconds (a coupon's start when none is typed). */
export function draftOf(id: string, form: CampaignForm, now = Math.floor(Date.now() / 1000)): Checked {
  const fail = (bad: string): Checked => ({ draft: null, bad });
  const name = form.name.trim();
  if (name === "" || [...name].length > 100) return fail("name");
  if (form.channels.length === 0) return fail("channels");
  const texts: [string, string, number][] = [
    ["titleZh", form.titleZh, MAX_TITLE],
    ["titleEn", form.titleEn, MAX_TITLE],
    ["bodyZh", form.bodyZh, MAX_BODY],
    ["bodyEn", form.bodyEn, MAX_BODY],
  ];
  for (const [field, text, max] of texts) if (text.trim() === "" || [...text].length > max) return fail(field);
  const active = days(form.activeDays);
  if (active === null) return fail("activeDays");
  const bought = days(form.boughtDays);
  if (bought === null) return fail("boughtDays");
  if (!/^\d{1,2}$/.test(form.holdout.trim()) || Number(form.holdout) > 50) return fail("holdout");
  const startsAt = form.startsAt === "" ? undefined : fromLocalInput(form.startsAt);
  if (startsAt === null) return fail("startsAt");
  const endsAt = form.endsAt === "" ? undefined : fromLocalInput(form.endsAt);
  if (endsAt === null || (endsAt !== undefined && startsAt !== undefined && endsAt <= startsAt)) return fail("endsAt");
  let deepLink: DeepLink | undefined;
  const target = form.linkTarget.trim();
  if (form.link === "inbox") deepLink = { to: "inbox" };
  if (form.link === "wallet") deepLink = { to: "wallet" };
  if (form.link === "product" || form.link === "category") {
    if (target === "" || target.length > 40) return fail("linkTarget");
    deepLink = form.link === "product" ? { to: "product", model: target } : { to: "category", code: target };
  }
  const smsTemplate = form.channels.includes("sms") ? form.smsTemplate.trim() : "";
  if (smsTemplate !== "" && !/^[A-Za-z0-9_]{1,40}$/.test(smsTemplate)) return fail("smsTemplate");
  const coupon = couponOf(form, now);
  if ("bad" in coupon) return fail(coupon.bad);
  const draft: CampaignDraft = {
    id,
    name,
    category: form.category,
    audience: {
      tags_all: form.tagsAll,
      tags_any: form.tagsAny,
      tags_none: form.tagsNone,
      roles: form.roles,
      stores: [],
      lists: form.lists,
      ...(active === undefined ? {} : { active_within_days: active }),
      ...(bought === undefined ? {} : { bought_within_days: bought }),
    },
    content: {
      title_zh: form.titleZh.trim(),
      title_en: form.titleEn.trim(),
      body_zh: form.bodyZh.trim(),
      body_en: form.bodyEn.trim(),
      ...(deepLink ? { deep_link: deepLink } : {}),
      ...(smsTemplate === "" ? {} : { sms_template: smsTemplate }),
    },
    channels: form.channels,
    ...(startsAt === undefined ? {} : { starts_at: startsAt }),
    ...(endsAt === undefined ? {} : { ends_at: endsAt }),
    holdout_percent: Number(form.holdout),
    ...(coupon.terms ? { coupon: coupon.terms } : {}),
  };
  return { draft, bad: null };
}

/** The actions a campaign offers in `status` (approve and reject only to who may decide; its
 *  coupons can be withdrawn once it has run, while they are not withdrawn yet). */
export function actionsFor(status: CampaignStatus, canDecide: boolean, hasStart: boolean, liveCoupons = false): CampaignAction[] {
  const withdraw: CampaignAction[] = liveCoupons ? ["withdraw_coupons"] : [];
  switch (status) {
    case "draft":
      return ["submit"];
    case "submitted":
      return canDecide ? ["approve", "reject"] : [];
    case "approved":
      return hasStart ? ["schedule", "start", "stop"] : ["start", "stop"];
    case "scheduled":
      return ["pause", "stop"];
    case "running":
      return ["pause", "stop", ...withdraw];
    case "paused":
      return ["resume", "stop", ...withdraw];
    case "finished":
      return withdraw;
    default:
      return [];
  }
}

/** Whether a campaign in `status` can still be edited (an edit returns it to draft). */
export function editable(status: CampaignStatus): boolean {
  return status === "draft" || status === "submitted" || status === "approved" || status === "rejected" || status === "scheduled";
}

/** Actions that need a reason. */
export const NEEDS_REASON: CampaignAction[] = ["reject", "stop", "withdraw_coupons"];
