import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { FavouriteEntry, FavouriteKind } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { yuan } from "./format";
import { CompareTray } from "./CompareTray";
import { BottomBars } from "./BottomBars";
import { useProductOverlay } from "./useProductOverlay";

/** The consumer's saved products and followed launches, from this device (offline too). */
export function Favourites() {
  const { t, locale } = useI18n();
  const [entries, setEntries] = useState<FavouriteEntry[] | null>(null);
  const { error, showError } = useCommandError();
  const { overlay, openProduct, openCompare } = useProductOverlay();
  useEffect(() => {
    if (overlay) return;
    commands.listFavourites().then(setEntries).catch((e) => showError(e));
  }, [overlay === null]);
  if (overlay) return <>{overlay}</>;
  const unmark = (model: string, kind: FavouriteKind) =>
    commands.setFavourite(model, kind, false).then(setEntries).catch((e) => showError(e));
  const group = (kind: FavouriteKind, title: string) => {
    const list = (entries ?? []).filter((e) => e.kind === kind);
    if (list.length === 0) return null;
    return (
      <section className="stack">
        <h2>{title}</h2>
        <ul className="list card" data-testid={`favourites-${kind}`}>
          {list.map((f) => (
            <li key={f.model} className="row spread favourite-row">
              <button className="plain row" onClick={() => openProduct(f.model)} data-testid="favourite-open" data-model={f.model}>
                {f.product?.image && <img src={f.product.image} alt="" className="thumb-small" />}
                <span className="stack tight">
                  <b>{f.product ? (locale === "en" ? f.product.name_en : f.product.name_zh) : t("favourites.notSynced", { model: f.model })}</b>
                  {f.product && <span className="price">{t("catalog.from", { price: yuan(f.product.price, locale) })}</span>}
                </span>
              </button>
              <span className="row">
                {f.product?.withdrawn && <span className="pill warn">{t("catalog.withdrawn")}</span>}
                {f.pending && <span className="pill warn">{t("favourites.pending")}</span>}
                <button
                  className="secondary"
                  onClick={() => unmark(f.model, kind)}
                  aria-label={t(kind === "follow" ? "favourites.unfollow" : "favourites.unmark", {
                    name: f.product ? (locale === "en" ? f.product.name_en : f.product.name_zh) : f.model,
                  })}
                >
                  {kind === "follow" ? "✓" : "★"}
                </button>
              </span>
            </li>
          ))}
        </ul>
      </section>
    );
  };
  return (
    <section className="stack" data-testid="favourites-screen">
      <h1>{t("favourites.title")}</h1>
      <ErrorBanner error={error} />
      {entries === null ? (
        <p className="muted">{t("app.loading")}</p>
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="favourites-empty">{t("favourites.empty")}</p>
      ) : (
        <>
          {group("favourite", t("favourites.saved"))}
          {group("follow", t("favourites.followed"))}
        </>
      )}
      <BottomBars>
        <CompareTray onCompare={openCompare} />
      </BottomBars>
    </section>
  );
}
