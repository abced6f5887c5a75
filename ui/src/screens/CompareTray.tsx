import { useI18n } from "../i18n";
import { clearCompare, COMPARE_MAX, useCompareList } from "./compareList";

/** A tray with the products picked for comparison; it floats at the bottom of the screen (above a
 *  phone's tab bar) in the screen's `BottomBars`. */
export function CompareTray({ onCompare }: { onCompare: () => void }) {
  const { t } = useI18n();
  const models = useCompareList();
  if (models.length === 0) return null;
  return (
    <div className="comparebar" role="region" aria-label={t("compare.tray")} data-testid="compare-tray">
      <span className="muted compare-models">{models.join(" · ")}</span>
      <button className="primary" disabled={models.length < 2} onClick={onCompare} data-testid="compare-open">
        {t("catalog.compareCount", { count: models.length, max: COMPARE_MAX })}
      </button>
      <button className="secondary" onClick={clearCompare} aria-label={t("compare.clearLabel", { count: models.length })}>
        {t("catalog.clear")}
      </button>
    </div>
  );
}
