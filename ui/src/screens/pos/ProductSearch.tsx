// Finding a product by name or model at the point of sale, when there is nothing to scan.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { ProductSummary } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { yuan } from "../format";

/** Finding a product by name or model when there is nothing to scan; picking one of its SKUs adds it. */
export function ProductSearch({ onPick }: { onPick: (skuCode: string) => void }) {
  const { t, locale } = useI18n();
  const [text, setText] = useState("");
  const [items, setItems] = useState<ProductSummary[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [skus, setSkus] = useState<{ code: string; label: string; price: number }[]>([]);

  useEffect(() => {
    if (text.trim().length === 0) {
      setItems([]);
      return;
    }
    let current = true;
    commands
      .searchProducts({ text, specs: [], tags: [], lifecycles: [], sort: "relevance", limit: 8, offset: 0 })
      .then((r) => current && setItems(r.items.filter((p) => !p.withdrawn)))
      .catch(() => current && setItems([]));
    return () => {
      current = false;
    };
  }, [text]);

  async function expand(model: string) {
    setOpen(model);
    const view = await commands.productView(model).catch(() => null);
    setSkus(
      (view?.product.skus ?? []).map((s) => ({
        code: s.code,
        label: locale === "en" ? s.variant_en : s.variant_zh,
        price: s.list_price,
      })),
    );
  }

  return (
    <div className="stack">
      <label>
        {t("pos.sell.search")}
        <input value={text} onChange={(e) => setText(e.target.value)} data-testid="pos-search" placeholder={t("catalog.search")} />
      </label>
      {items.length > 0 && (
        <ul className="list" data-testid="pos-search-results">
          {items.map((p) => (
            <li key={p.model} className="card">
              <button className="plain" onClick={() => void expand(p.model)}>
                <b>{locale === "en" ? p.name_en : p.name_zh}</b>
                <span className="muted">
                  {p.model} · {yuan(p.price, locale)}
                </span>
              </button>
              {open === p.model && (
                <div className="chips">
                  {skus.map((s) => (
                    <button
                      key={s.code}
                      className="chip"
                      data-testid="pos-pick-sku"
                      onClick={() => {
                        onPick(s.code);
                        setText("");
                        setOpen(null);
                      }}
                    >
                      {s.label} · {yuan(s.price, locale)}
                    </button>
                  ))}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
