import type { ProductSummary } from "../ipc/types";
import { useI18n } from "../i18n";
import { yuan } from "./format";

/** A row of small product cards that scrolls sideways (a phone's shelf), each opening its page. */
export function ProductStrip({
  products,
  onOpen,
  testId,
  caption,
}: {
  products: ProductSummary[];
  onOpen: (model: string) => void;
  testId: string;
  /** A line under each card's price, e.g. a launch date. */
  caption?: (p: ProductSummary) => string | null;
}) {
  const { t, locale } = useI18n();
  return (
    <ul className="strip" data-testid={testId}>
      {products.map((p) => (
        <li key={p.model}>
          <button className="plain strip-card" onClick={() => onOpen(p.model)} data-testid="strip-product" data-model={p.model}>
            {p.image ? <img src={p.image} alt="" /> : <span className="img-placeholder" aria-hidden="true" />}
            <b>{locale === "en" ? p.name_en : p.name_zh}</b>
            {p.withdrawn ? (
              <span className="pill warn">{t("catalog.withdrawn")}</span>
            ) : (
              p.price > 0 && <span className="price">{t("catalog.from", { price: yuan(p.price, locale) })}</span>
            )}
            {caption && caption(p) && <span className="muted small">{caption(p)}</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
