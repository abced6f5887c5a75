import { useEffect, useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { ApiError, CustomerTagList } from "../ipc/types";
import { useI18n, type I18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";

/** Customer tags for operators: rules over customers' purchases and behaviour, each with its
 *  size; the server keeps them up to date. A rule that does not parse is shown where it stops. */
export function CustomerTags() {
  const { t, time } = useI18n();
  const [list, setList] = useState<CustomerTagList>({ tags: [], fields: [] });
  const { error, setError, showError } = useCommandError();
  const [name, setName] = useState("");
  const [rule, setRule] = useState("");
  const [busy, setBusy] = useState(false);
  const run = (p: Promise<CustomerTagList>) => {
    setBusy(true);
    setError(null);
    p.then(setList)
      .catch((e) => showError(e))
      .finally(() => setBusy(false));
  };
  useEffect(() => run(commands.customerTags()), []);
  // A new tag is worked out in the background: look again until it is.
  const pending = list.tags.some((tag) => tag.computed_at == null);
  useEffect(() => {
    if (!pending) return;
    // A failed look leaves the list as it was: copied, so that the next look is still scheduled.
    const timer = window.setTimeout(
      () =>
        commands
          .customerTags()
          .then(setList)
          .catch(() => setList((l) => ({ ...l }))),
      1500,
    );
    return () => window.clearTimeout(timer);
  }, [list, pending]);
  const save = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    commands
      .createCustomerTag({ name, rule })
      .then(() => {
        setName("");
        setRule("");
        return commands.customerTags().then(setList);
      })
      .catch((e) => showError(e))
      .finally(() => setBusy(false));
  };
  const remove = (id: string, tagName: string) => {
    if (window.confirm(t("tags.confirmDelete", { name: tagName }))) run(commands.deleteCustomerTag(id));
  };
  return (
    <section className="card" data-testid="customer-tags-panel">
      <div className="row spread">
        <h2>{t("tags.title")}</h2>
        <button className="secondary" disabled={busy} onClick={() => run(commands.recomputeCustomerTags(true))} data-testid="tags-recompute">
          {t("tags.recompute")}
        </button>
      </div>
      <ErrorBanner error={error} />
      {error?.code === "invalid_tag_rule" && (
        <p className="muted" data-testid="tag-rule-error">
          {ruleProblem(error, t)}
        </p>
      )}
      <form className="row filters" onSubmit={save}>
        <label>
          {t("tags.name")}
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="tag-name" maxLength={60} />
        </label>
        <label className="grow">
          {t("tags.rule")}
          <input
            value={rule}
            onChange={(e) => setRule(e.target.value)}
            placeholder="bought_days.tv > 1825"
            spellCheck={false}
            autoCapitalize="off"
            data-testid="tag-rule"
          />
        </label>
        <button className="primary" disabled={busy || !name.trim() || !rule.trim()} data-testid="tag-save">
          {t("tags.save")}
        </button>
      </form>
      <details>
        <summary>{t("tags.fields")}</summary>
        <ul className="plain">
          {list.fields.map((f) => (
            <li key={f.name}>
              <code>{f.name}</code> — {f.description}
            </li>
          ))}
        </ul>
        <p className="muted">{t("tags.example")}</p>
      </details>
      <div className="table-wrap">
        <table className="dense" data-testid="tag-list">
          <thead>
            <tr>
              <th>{t("tags.name")}</th>
              <th>{t("tags.rule")}</th>
              <th className="num">{t("tags.size")}</th>
              <th>{t("tags.computed")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.tags.map((tag) => (
              <tr key={tag.id} data-tag={tag.name}>
                <td>{tag.name}</td>
                <td>
                  <code>{tag.rule}</code>
                </td>
                <td className="num" data-testid="tag-size">
                  {tag.size}
                </td>
                <td>{tag.computed_at != null ? time(tag.computed_at) : t("tags.pending")}</td>
                <td>
                  <button className="link bad" onClick={() => remove(tag.id, tag.name)}>
                    {t("tags.delete")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Where and why a rule does not parse, in the reader's language (the server's English message
 *  when this app does not know the problem's key). */
export function ruleProblem(error: ApiError, t: I18n["t"]): string {
  const detail = error.detail;
  if (!detail) return error.message;
  const key = `rule.${detail.key}` as MessageKey;
  const text = t(key, { subject: detail.subject ?? "" });
  if (text === key) return error.message;
  return detail.column ? t("tags.ruleErrorAt", { column: detail.column, text }) : text;
}
