// A catalog import in the console: a CSV file (one row per SKU) checked whole by the server and
// applied whole or not at all, its problems shown row by row so the file can be fixed and sent
// again.
import { useState } from "react";
import { commands } from "../../ipc/commands";
import type { ImportReport } from "../../ipc/types";
import { useI18n } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

/** The largest file read here (the server takes up to 8 MiB). */
const MAX_BYTES = 8 * 1024 * 1024;

export function CatalogImport() {
  const { t } = useI18n();
  const [report, setReport] = useState<ImportReport | null>(null);
  const [tooLarge, setTooLarge] = useState(false);
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();

  const send = async (file: File | undefined) => {
    setReport(null);
    setTooLarge(false);
    if (!file) return;
    if (file.size > MAX_BYTES) return setTooLarge(true);
    setBusy(true);
    const text = await file.text();
    const answer = await run(() => commands.importCatalogCsv(text));
    setBusy(false);
    if (answer) setReport(answer);
  };

  return (
    <section className="card" data-testid="console-catalog">
      <h2>{t("console.catalog")}</h2>
      <p className="muted small">{t("console.catalogHint")}</p>
      <ErrorBanner error={error} />
      <input type="file" accept=".csv,text/csv" disabled={busy} onChange={(e) => void send(e.target.files?.[0])} data-testid="catalog-file" />
      {tooLarge && <p className="error">{t("console.tooLarge")}</p>}
      {report && (
        <>
          <p data-testid="catalog-result" data-applied={report.applied ? "true" : "false"}>
            {report.applied ? t("console.applied", { products: report.products }) : t("console.refused", { count: report.problems.length })}
          </p>
          {report.problems.length > 0 && (
            <div className="table-wrap">
              <table className="dense" data-testid="catalog-problems">
                <thead>
                  <tr>
                    <th className="num">{t("console.row")}</th>
                    <th>{t("console.field")}</th>
                    <th>{t("console.problem")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.problems.slice(0, 500).map((p, i) => (
                    <tr key={i} data-row={p.row}>
                      <td className="num">{p.row}</td>
                      <td>{p.field}</td>
                      <td>{p.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
