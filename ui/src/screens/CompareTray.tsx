import { useI18n } from "../i18n";
import { clearCompare, COMPARE_MAX, useCompareList } from "./compareList";

/** A floating tray (above the phone's tab bar) with the products picked for comparison. */
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
