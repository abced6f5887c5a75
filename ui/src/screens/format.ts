import type { MessageKey } from "../i18n";
// Money and small helpers shared by the product screens.
export function yuan(fen: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: "CNY", maximumFractionDigits: fen % 100 === 0 ? 0 : 2 }).format(
    fen / 100,
  );
}

/** City centres for the store finder. */
export const CITIES: { zh: string; en: string; lat: number; lon: number }[] = [
  { zh: "上海", en: "Shanghai", lat: 31.2304, lon: 121.4737 },
  { zh: "北京", en: "Beijing", lat: 39.9042, lon: 116.4074 },
  { zh: "深圳", en: "Shenzhen", lat: 22.5431, lon: 114.0579 },
  { zh: "广州", en: "Guangzhou", lat: 23.1291, lon: 113.2644 },
  { zh: "杭州", en: "Hangzhou", lat: 30.2741, lon: 120.1551 },
  { zh: "成都", en: "Chengdu", lat: 30.5728, lon: 104.0668 },
  { zh: "武汉", en: "Wuhan", lat: 30.5928, lon: 114.3055 },
  { zh: "南京", en: "Nanjing", lat: 32.0603, lon: 118.7969 },
];

/** Fen from a typed amount in yuan ("12", "12.5", "12.50"); null when it is not one. */
export function toFen(text: string): number | null {
  const t = text.trim();
  if (t === "") return 0;
  if (!/^\d{1,9}(\.\d{0,2})?$/.test(t)) return null;
  const [whole, part = ""] = t.split(".");
  return Number(whole) * 100 + Number(part.padEnd(2, "0"));
}

/** Yuan as typed in a field (no symbol): 1250 → "12.50", 1200 → "12". */
export function fenText(fen: number): string {
  return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
}

/** Today in the stores' time zone (UTC+8), YYYY-MM-DD. */
export function storeDay(unixSeconds = Date.now() / 1000): string {
  return new Date((unixSeconds + 8 * 3600) * 1000).toISOString().slice(0, 10);
}

/** A new client-generated id (a random UUID v4; the server only needs it unique). */
export function newId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A SKU as people read it: the product's name and the variant, in the UI's language. */
export function skuLabel(hit: { product: { name_zh: string; name_en: string }; sku: { variant_zh: string; variant_en: string } }, locale: string): string {
  return locale === "en" ? `${hit.product.name_en} ${hit.sku.variant_en}` : `${hit.product.name_zh} ${hit.sku.variant_zh}`;
}

type Translate = (key: MessageKey) => string;

/** A name people read for a code under `prefix` (a placement, a recommender's part); a code the
 *  app does not know yet shows as the server sent it. */
export function named(t: Translate, prefix: string, code: string): string {
  const key = `${prefix}.${code}` as MessageKey;
  const text = t(key);
  return text === key ? code : text;
}

/** A recommender as people read it: its parts joined ("Collaborative filtering + Popular"). */
export function recommenderName(t: Translate, algorithm: string): string {
  return algorithm
    .split("+")
    .map((part) => named(t, "report.how", part))
    .join(" + ");
}
