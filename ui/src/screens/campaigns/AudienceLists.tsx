// Imported lists and saved segments on the campaigns desk: a CSV of phone numbers imported as a
// list (matched by verified phone only) with its report, and what is kept, each to delete.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { Audiences, ListReport } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";

export function AudienceLists() {
  const { t, time } = useI18n();
  const [kept, setKept] = useState<Audiences | null>(null);
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ListReport | null>(null);
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();
  const load = async () => {
    const got = await run(() => commands.audiences());
    if (got) setKept(got);
  };
  useEffect(() => void load(), []);

  const importList = async () => {
    if (!file || name.trim() === "") return;
    setBusy(true);
    const text = await file.text();
    const done = await run(() => commands.importAudienceList(name.trim(), text));
    setBusy(false);
    if (done) {
      setReport(done);
      setName("");
      setFile(null);
      void load();
    }
  };

  return (
    <section className="card stack" data-testid="audience-lists">
      <h3>{t("audiences.title")}</h3>
      <ErrorBanner error={error} />
      <div className="row">
        <label>
          {t("audiences.listName")}
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="audience-list-name" />
        </label>
        <label>
          {t("audiences.file")}
          <input type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="audience-list-file" />
        </label>
        <button className="primary" disabled={busy || !file || name.trim() === ""} onClick={() => void importList()} data-testid="audience-list-import">
          {t("audiences.import")}
        </button>
      </div>
      <p className="muted small">{t("audiences.importHint")}</p>
      {report && (
        <div data-testid="audience-list-report" data-matched={report.list.matched}>
          <p>
            {t("audiences.report", {
              rows: report.list.rows,
              matched: report.list.matched,
              invalid: report.invalid,
              duplicates: report.duplicates,
              noAccount: report.no_account,
              unverified: report.unverified,
            })}
          </p>
          {report.problems.length > 0 && (
            <ul className="small">
              {report.problems.map((p) => (
                <li key={p.line}>{t("audiences.problem", { line: p.line, problem: t(`audiences.problem.${p.problem}` as MessageKey) })}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {kept && (
        <table className="dense">
          <tbody>
            {kept.lists.map((l) => (
              <tr key={l.id} data-testid="audience-list-row">
                <td>{l.name}</td>
                <td className="num">{t("audiences.listLabel", { name: "", count: l.matched })}</td>
                <td>{time(l.created_at)}</td>
                <td>
                  <button className="link" onClick={() => void run(() => commands.deleteAudienceList(l.id)).then(load)}>
                    {t("audiences.delete")}
                  </button>
                </td>
              </tr>
            ))}
            {kept.segments.map((s) => (
              <tr key={s.id} data-testid="segment-row">
                <td>{s.name}</td>
                <td className="muted">{t("audiences.segment")}</td>
                <td>{time(s.updated_at)}</td>
                <td>
                  <button className="link" onClick={() => void run(() => commands.deleteSegment(s.id)).then(load)}>
                    {t("audiences.delete")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
