import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { Comparison } from "../ipc/types";
import { useI18n } from "../i18n";
import { yuan } from "./format";

/** Up to four products side by side; rows that differ are highlighted. */
export function ComparePage({ models, onBack, onOpen }: { models: string[]; onBack: () => void; onOpen: (m: string) => void }) {
  const { t, locale } = useI18n();
  const [cmp, setCmp] = useState<Comparison | null>(null);
  const [onlyDiff, setOnlyDiff] = useState(false);
  useEffect(() => {
    commands.compareProducts(models).then(setCmp).catch(() => setCmp(null));
  }, [models]);
  const zh = locale !== "en";
  return (
    <section className="stack" data-testid="compare-page">
      <div className="row spread">
        <button className="link" onClick={onBack} data-testid="back">
          ← {t("product.back")}
        </button>
        <label className="check">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} />
          {t("compare.onlyDiff")}
        </label>
      </div>
      <h1>{t("compare.title")}</h1>
      {cmp && (
        <div className="table-wrap">
          <table className="compare" data-testid="compare-table">
            <thead>
              <tr>
                <th>{t("compare.model")}</th>
                {cmp.products.map((p) => (
                  <th key={p.model}>
                    <button className="link" onClick={() => onOpen(p.model)}>
                      {zh ? p.name_zh : p.name_en}
                    </button>
                    {p.withdrawn && <span className="pill warn">{t("catalog.withdrawn")}</span>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>{t("compare.price")}</th>
                {cmp.products.map((p) => (
                  <td key={p.model}>{yuan(p.price, locale)}</td>
                ))}
              </tr>
              {cmp.rows
                .filter((r) => !onlyDiff || r.differs)
                .map((r) => (
                  <tr key={r.key} className={r.differs ? "differs" : ""} data-differs={r.differs}>
                    <th>{zh ? r.name_zh : r.name_en}</th>
                    {r.values.map((v, i) => (
                      <td key={i}>{v ?? "—"}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
