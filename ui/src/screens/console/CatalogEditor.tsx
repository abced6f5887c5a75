// The catalog in the console: save the whole catalog as CSV (the import's own format, to edit and
// import back), find a product, edit its names, lifecycle and each SKU's prices, and withdraw it.
// A product is opened as the server has it now, with its revision; a save lands only over that
// revision, so a change someone made since is never overwritten (the editor says so and reopens).
import { useState } from "react";
import { commands } from "../../ipc/commands";
import type { Lifecycle, ProductRevision, ProductSummary } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { asApiError, ErrorBanner, useCommandError } from "../../ErrorBanner";
import { changed, formOf, productOf, MAX_DESCRIPTION, MAX_NAME, type ProductForm } from "./productForm";
import { yuan } from "../format";

const LIFECYCLES: Lifecycle[] = ["announced", "pre_sale", "on_sale", "discontinued"];

export function CatalogEditor() {
  const { t, locale } = useI18n();
  const [text, setText] = useState("");
  const [found, setFound] = useState<ProductSummary[] | null>(null);
  const [open, setOpen] = useState<ProductRevision | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [productSaved, setProductSaved] = useState(false);
  const { error, run } = useCommandError();

  const find = async () => {
    const query = { text: text.trim(), tags: [], sort: "relevance" as const, specs: [], lifecycles: [], limit: 20, offset: 0 };
    const result = await run(() => commands.searchProducts(query));
    if (result) setFound(result.items.filter((p) => !p.withdrawn));
  };
  const openProduct = async (model: string, afterSave = false) => {
    setProductSaved(afterSave);
    const read = await run(() => commands.adminProduct(model));
    if (read) setOpen(read);
  };
  const exportCsv = async () => {
    setSaved(null);
    const path = await run(() => commands.saveCatalogCsv());
    if (path) setSaved(path);
  };

  return (
    <section className="card" data-testid="console-catalog-editor">
      <h2>{t("console.products")}</h2>
      <ErrorBanner error={error} />
      <div className="row">
        <button className="secondary" onClick={() => void exportCsv()} data-testid="catalog-export">
          {t("console.exportCsv")}
        </button>
        {saved && (
          <span className="muted small" data-testid="catalog-exported" data-path={saved}>
            {t("console.savedTo", { path: saved })}
          </span>
        )}
      </div>
      <form className="row filters" onSubmit={(e) => (e.preventDefault(), void find())}>
        <input value={text} maxLength={64} placeholder={t("console.productHint")} onChange={(e) => setText(e.target.value)} data-testid="product-q" />
        <button className="primary" type="submit" data-testid="product-find">
          {t("console.search")}
        </button>
      </form>
      {found && found.length === 0 && <p className="muted">{t("console.noProducts")}</p>}
      {found && found.length > 0 && !open && (
        <div className="table-wrap">
          <table className="dense" data-testid="product-rows">
            <thead>
              <tr>
                <th>{t("console.model")}</th>
                <th>{t("console.name")}</th>
                <th>{t("console.lifecycle")}</th>
                <th className="num">{t("console.from")}</th>
              </tr>
            </thead>
            <tbody>
              {found.map((p) => (
                <tr key={p.model} data-model={p.model}>
                  <td>
                    <button className="link" onClick={() => void openProduct(p.model)} data-testid="product-open">
                      {p.model}
                    </button>
                  </td>
                  <td>{locale === "en" ? p.name_en : p.name_zh}</td>
                  <td>{t(`lifecycle.${p.lifecycle}` as MessageKey)}</td>
                  <td className="num">{yuan(p.price, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {productSaved && (
        <p className="muted" role="status" data-testid="product-saved">
          {t("console.productSaved")}
        </p>
      )}
      {open && (
        <ProductEditor
          key={open.revision}
          read={open}
          onClose={() => (setOpen(null), setProductSaved(false))}
          onReopen={() => void openProduct(open.product.model)}
          onSaved={() => void openProduct(open.product.model, true)}
          onWithdrawn={() => {
            setFound((list) => list?.filter((p) => p.model !== open.product.model) ?? null);
            setOpen(null);
            setProductSaved(false);
          }}
        />
      )}
    </section>
  );
}

function ProductEditor({ read, onClose, onReopen, onSaved, onWithdrawn }: {
  read: ProductRevision;
  onClose: () => void;
  onReopen: () => void;
  /** Reopens the product at the revision the save made. */
  onSaved: () => void;
  onWithdrawn: () => void;
}) {
  const { t } = useI18n();
  const base = read.product;
  const [form, setForm] = useState<ProductForm>(() => formOf(base));
  const [bad, setBad] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();
  const stale = error?.code === "stale_state";

  const edit = (patch: Partial<ProductForm>) => (setBad(null), setForm((f) => ({ ...f, ...patch })));
  const editSku = (i: number, field: "variant_zh" | "variant_en" | "list_price" | "distributor_price", value: string) =>
    edit({ skus: form.skus.map((s, n) => (n === i ? { ...s, [field]: value } : s)) });

  const save = async () => {
    const checked = productOf(base, form);
    if (checked.bad !== null) return setBad(checked.bad);
    setBusy(true);
    const answer = await run(() => commands.putProduct(checked.product, read.revision));
    setBusy(false);
    if (answer) onSaved();
  };
  const withdraw = async () => {
    setBusy(true);
    // Already gone (a withdrawal whose answer was lost, or someone else's): withdrawn all the same.
    const answer = await run(() =>
      commands.withdrawProduct(base.model, read.revision).then(
        () => true,
        (e: unknown) => {
          if (asApiError(e).code === "not_found") return true;
          throw e;
        },
      ),
    );
    setBusy(false);
    setConfirming(false);
    if (answer) onWithdrawn();
  };
  const field = (name: keyof ProductForm, max: number, multiline = false) => {
    const props = {
      value: form[name] as string,
      maxLength: max,
      "aria-invalid": bad === name,
      "data-testid": `product-${name}`,
    };
    return (
      <label className={bad === name ? "wide invalid" : "wide"}>
        {t(`console.field.${name}` as MessageKey)}
        {multiline ? (
          <textarea rows={3} {...props} onChange={(e) => edit({ [name]: e.target.value })} />
        ) : (
          <input {...props} onChange={(e) => edit({ [name]: e.target.value })} />
        )}
      </label>
    );
  };

  return (
    <div className="stack" data-testid="product-editor" data-model={base.model} data-revision={read.revision}>
      <h3>
        {base.model} <span className="muted small">{t("console.revision", { revision: read.revision })}</span>
      </h3>
      <ErrorBanner error={error} />
      {stale && (
        <button className="secondary" onClick={onReopen} data-testid="product-reopen">
          {t("console.reopen")}
        </button>
      )}
      {bad && (
        <p className="error" role="alert" data-testid="product-bad" data-field={bad}>
          {t("console.badField")}
        </p>
      )}
      <div className="grid">
        {field("name_zh", MAX_NAME)}
        {field("name_en", MAX_NAME)}
        {field("description_zh", MAX_DESCRIPTION, true)}
        {field("description_en", MAX_DESCRIPTION, true)}
        <label>
          {t("console.lifecycle")}
          <select value={form.lifecycle} onChange={(e) => edit({ lifecycle: e.target.value as Lifecycle })} data-testid="product-lifecycle">
            {LIFECYCLES.map((l) => (
              <option key={l} value={l}>
                {t(`lifecycle.${l}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="table-wrap">
        <table className="dense" data-testid="product-skus">
          <thead>
            <tr>
              <th>{t("console.sku")}</th>
              <th>{t("console.field.variant_zh")}</th>
              <th>{t("console.field.variant_en")}</th>
              <th className="num">{t("console.listPrice")}</th>
              <th className="num">{t("console.distributorPrice")}</th>
            </tr>
          </thead>
          <tbody>
            {form.skus.map((s, i) => (
              <tr key={s.code} data-sku={s.code}>
                <td>{s.code}</td>
                {(["variant_zh", "variant_en", "list_price", "distributor_price"] as const).map((f) => (
                  <td key={f} className={f.endsWith("price") ? "num" : ""}>
                    <input
                      value={s[f]}
                      maxLength={f.endsWith("price") ? 13 : MAX_NAME}
                      inputMode={f.endsWith("price") ? "decimal" : undefined}
                      aria-invalid={bad === `skus.${i}.${f}`}
                      onChange={(e) => editSku(i, f, e.target.value)}
                      data-testid={`sku-${f}`}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row">
        <button className="primary" disabled={busy || !changed(base, form)} onClick={() => void save()} data-testid="product-save">
          {t("console.save")}
        </button>
        <button className="secondary" onClick={onClose} disabled={busy} data-testid="product-close">
          {t("console.close")}
        </button>
        {!confirming ? (
          <button className="secondary danger" disabled={busy} onClick={() => setConfirming(true)} data-testid="product-withdraw">
            {t("console.withdraw")}
          </button>
        ) : (
          <>
            <span className="error">{t("console.withdrawWarning")}</span>
            <button className="secondary danger" disabled={busy} onClick={() => void withdraw()} data-testid="product-withdraw-confirm">
              {t("console.withdrawConfirm")}
            </button>
            <button className="secondary" disabled={busy} onClick={() => setConfirming(false)}>
              {t("console.cancel")}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
