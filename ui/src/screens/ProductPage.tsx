import { useEffect, useRef, useState } from "react";
import { openUrl } from "@tauri-apps/plugin-opener";
import { commands } from "../ipc/commands";
import type { FavouriteEntry, FavouriteKind, ProductView, SpecDef, SpecKind, SpecValue, StoreDistance } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { CITIES, yuan } from "./format";
import { useCity } from "./place";
import { CompareTray } from "./CompareTray";
import { BottomBars } from "./BottomBars";
import { toggleCompare, useCompareList } from "./compareList";
import { useMediaQuery } from "./useMediaQuery";
import { RecommendedStrip } from "./RecommendedStrip";
import { track } from "../track";

/** A product from the local copy: a swipeable gallery, prices, specs in groups, channels and the
 *  nearest stores; on a phone, a bar with the price and "where to buy" stays at the bottom. */
export function ProductPage({
  model,
  onBack,
  onCompare,
  onOpen,
}: {
  model: string;
  onBack: () => void;
  onCompare: () => void;
  /** Opens another product (from the recommendations) in place of this one. */
  onOpen: (model: string) => void;
}) {
  const { t, locale, time } = useI18n();
  const [view, setView] = useState<ProductView | null | undefined>(undefined);
  const [image, setImage] = useState(0);
  const [city, setCity] = useCity();
  const compared = useCompareList();
  // Beyond a phone's width every spec group starts open: there is room, and nothing to tap through.
  const wide = useMediaQuery("(min-width: 600px)");
  const [openGroups, setOpenGroups] = useState<Record<string, boolean>>({});
  const [compareFull, setCompareFull] = useState(false);
  const slides = useRef<HTMLDivElement>(null);
  const storesSection = useRef<HTMLDivElement>(null);
  // The slide in view follows the swipe; a thumbnail or dot scrolls to its slide.
  const onSlideScroll = () => {
    const el = slides.current;
    if (el && el.clientWidth > 0) setImage(Math.round(el.scrollLeft / el.clientWidth));
  };
  const showImage = (i: number) => {
    setImage(i);
    const el = slides.current;
    if (el) el.scrollTo({ left: i * el.clientWidth, behavior: "smooth" });
  };
  // A position (from the device, or typed) takes the place of the chosen city.
  const [position, setPosition] = useState<{ lat: number; lon: number } | null>(null);
  const [typed, setTyped] = useState("");
  const [positionError, setPositionError] = useState<MessageKey | null>(null);
  const locate = () => {
    track("store_finder", { model, detail: "position" });
    setPositionError(null);
    if (!navigator.geolocation) return setPositionError("product.positionUnavailable");
    navigator.geolocation.getCurrentPosition(
      (p) => setPosition({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => setPositionError("product.positionUnavailable"),
      { timeout: 10000, maximumAge: 600000 },
    );
  };
  const useTyped = () => {
    const parts = typed.split(/[,，\s]+/).filter(Boolean).map(Number);
    const [lat, lon] = parts;
    if (parts.length !== 2 || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      return setPositionError("product.positionInvalid");
    }
    setPositionError(null);
    track("store_finder", { model, detail: "position" });
    setPosition({ lat, lon });
  };
  const [stores, setStores] = useState<StoreDistance[]>([]);
  const [favourites, setFavourites] = useState<FavouriteEntry[] | null>(null);
  useEffect(() => {
    commands.listFavourites().then(setFavourites).catch(() => setFavourites([]));
  }, [model]);
  const marked = (kind: FavouriteKind) => (favourites ?? []).some((f) => f.model === model && f.kind === kind);
  const toggle = (kind: FavouriteKind) => {
    const on = !marked(kind);
    if (on) track(kind, { model });
    commands.setFavourite(model, kind, on).then(setFavourites).catch(() => {});
  };

  useEffect(() => {
    window.scrollTo(0, 0);
    let live = true;
    commands
      .productView(model)
      .then((v) => {
        if (!live) return;
        setView(v);
        // Best effort: the page works even when the note cannot be written.
        if (v) {
          commands.recordProductView(model).catch(() => {});
          track("product_view", { model });
        }
      })
      .catch(() => live && setView(null));
    return () => {
      live = false;
    };
  }, [model]);
  useEffect(() => {
    const c = position ?? CITIES[city];
    commands.nearestStores(c.lat, c.lon, model).then(setStores).catch(() => setStores([]));
  }, [city, position, model]);

  const back = (
    <button className="link" onClick={onBack} data-testid="back">
      ← {t("product.back")}
    </button>
  );
  if (view === undefined) return <p className="muted">{t("app.loading")}</p>;
  if (view === null)
    return (
      <section>
        {back}
        <p>{t("product.notFound")}</p>
      </section>
    );
  const p = view.product;
  const zh = locale !== "en";
  const unit = (kind: SpecKind | undefined) => (kind && kind.type === "number" ? ` ${kind.unit}` : "");
  const now = Date.now() / 1000;
  const currentPrice = (s: (typeof p.skus)[number]) =>
    s.promotion && s.promotion.starts_at <= now && now < s.promotion.ends_at ? s.promotion.price : s.list_price;
  const lowest = p.skus.length > 0 ? Math.min(...p.skus.map(currentPrice)) : null;
  const name = zh ? p.name_zh : p.name_en;

  return (
    <section className="stack" data-testid="product-page">
      {back}
      <div className="product-head">
        <div className="gallery">
          {view.images.length === 0 ? (
            <div className="slides empty muted">{t("product.noImage")}</div>
          ) : (
            <div
              className="slides"
              ref={slides}
              onScroll={onSlideScroll}
              role="group"
              aria-label={t("product.gallery")}
              tabIndex={view.images.length > 1 ? 0 : undefined}
              data-testid="gallery-slides"
            >
              {view.images.map((src, i) => (
                <img key={i} src={src} className="hero" alt={t("product.image", { name, index: i + 1, count: view.images.length })} />
              ))}
            </div>
          )}
          {view.images.length > 1 && (
            <>
              <div className="dots" aria-hidden="true">
                {view.images.map((_, i) => (
                  <span key={i} className={i === image ? "dot active" : "dot"} />
                ))}
              </div>
              <div className="thumbs">
                {view.images.map((src, i) => (
                  <button
                    key={i}
                    className={i === image ? "thumb active" : "thumb"}
                    onClick={() => showImage(i)}
                    aria-label={t("product.image", { name, index: i + 1, count: view.images.length })}
                    aria-current={i === image ? "true" : undefined}
                  >
                    <img src={src} alt="" />
                  </button>
                ))}
              </div>
            </>
          )}
        </div>
        <div className="stack">
          <h1 data-testid="product-name">{name}</h1>
          <p className="muted">
            {p.model} · <span className="pill">{t(`lifecycle.${p.lifecycle}` as MessageKey)}</span>
            {view.withdrawn && <span className="pill warn">{t("catalog.withdrawn")}</span>}
          </p>
          <p data-testid="product-description">{zh ? p.description_zh : p.description_en}</p>
          <div className="row">
            {/* Toggles: the name stays, the pressed state (and its star) says whether it is on. */}
            <button
              className="secondary toggle"
              onClick={() => toggle("favourite")}
              aria-pressed={marked("favourite")}
              disabled={favourites === null}
              data-testid="favourite"
            >
              <span aria-hidden="true">{marked("favourite") ? "★" : "☆"}</span> {t("product.favourite")}
            </button>
            {(p.lifecycle === "pre_sale" || p.lifecycle === "announced") && (
              <button
                className="secondary toggle"
                onClick={() => toggle("follow")}
                aria-pressed={marked("follow")}
                disabled={favourites === null}
                data-testid="follow"
              >
                <span aria-hidden="true">{marked("follow") ? "✓" : "+"}</span> {t("product.follow")}
              </button>
            )}
            <button
              className="secondary toggle"
              aria-pressed={compared.includes(p.model)}
              onClick={() => setCompareFull(!toggleCompare(p.model))}
              data-testid="product-compare"
            >
              <span aria-hidden="true">{compared.includes(p.model) ? "✓" : "+"}</span> {t("product.addToCompare")}
            </button>
          </div>
          {compareFull && <p className="banner info">{t("catalog.compareFull")}</p>}
          <h2>{t("product.prices")}</h2>
          <ul className="list">
            {p.skus.map((s) => {
              const promo = s.promotion && s.promotion.starts_at <= now && now < s.promotion.ends_at ? s.promotion : null;
              return (
                <li key={s.code} className="row spread">
                  <span>{zh ? s.variant_zh : s.variant_en}</span>
                  <span>
                    {promo ? (
                      <>
                        <b className="price">{yuan(promo.price, locale)}</b> <s className="muted">{yuan(s.list_price, locale)}</s>{" "}
                        <span className="muted">{t("product.promoUntil", { date: time(promo.ends_at, true) })}</span>
                      </>
                    ) : (
                      <b className="price">{yuan(s.list_price, locale)}</b>
                    )}
                    {s.distributor_price != null && (
                      <span className="pill">{t("product.distributorPrice", { price: yuan(s.distributor_price, locale) })}</span>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      <RecommendedStrip
        key={model}
        placement="product"
        model={model}
        title={t("recommend.product")}
        onOpen={onOpen}
        testId="product-recommended"
      />
      <div className="card" data-testid="spec-groups">
        <h2>{t("product.specs")}</h2>
        {specGroups(p.specs, view.category?.specs ?? []).map((g, i) => (
          <details
            key={g.kind}
            className="spec-group"
            open={openGroups[g.kind] ?? (i === 0 || wide)}
            onToggle={(e) => {
              const open = e.currentTarget.open;
              setOpenGroups((groups) => (groups[g.kind] === open ? groups : { ...groups, [g.kind]: open }));
            }}
            data-testid="spec-group"
          >
            <summary>
              {t(`product.specGroup.${g.kind}` as MessageKey)}{" "}
              <span className="muted">{t("product.specGroupCount", { count: g.rows.length })}</span>
            </summary>
            <table className="dense" data-testid="spec-table">
              <tbody>
                {g.rows.map(([key, value, def]) => (
                  <tr key={key}>
                    <th>{def ? (zh ? def.name_zh : def.name_en) : key}</th>
                    <td>
                      {String(value)}
                      {unit(def?.kind)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ))}
      </div>
      <div className="card">
        <h2>{t("product.channels")}</h2>
        <ul className="list">
          {p.channels.map((c) => (
            <li key={c.code}>
              <button
                className="link"
                onClick={() => {
                  track("channel_click", { model, detail: c.code });
                  openUrl(c.url).catch(() => {});
                }}
                title={c.url}
              >
                {zh ? c.name_zh : c.name_en} ↗
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="card" ref={storesSection} data-testid="where-to-buy">
        <div className="row spread">
          <h2>{t("product.stores")}</h2>
          <select
            value={position ? -1 : city}
            onChange={(e) => {
              setPosition(null);
              setCity(Number(e.target.value));
              track("store_finder", { model, detail: CITIES[Number(e.target.value)]?.en });
            }}
            aria-label={t("product.city")}
            data-testid="city"
          >
            {position && <option value={-1}>{t("product.myPosition")}</option>}
            {CITIES.map((c, i) => (
              <option key={c.en} value={i}>
                {zh ? c.zh : c.en}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <button className="secondary" onClick={locate} data-testid="locate">
            {t("product.useMyPosition")}
          </button>
          <input
            className="grow"
            data-testid="position"
            aria-label={t("product.positionPlaceholder")}
            placeholder={t("product.positionPlaceholder")}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            onKeyDown={(e) => e.key === "Enter" && useTyped()}
          />
          <button className="secondary" onClick={useTyped} data-testid="use-position">
            {t("product.findNear")}
          </button>
        </div>
        {positionError && <p className="error">{t(positionError)}</p>}
        <ul className="list" data-testid="stores">
          {stores.map((s) => (
            <li key={s.store.code} className="row spread">
              <span>
                <b>{zh ? s.store.name_zh : s.store.name_en}</b>
                <span className="muted"> · {s.store.address} · {s.store.opening_hours}</span>
              </span>
              <span>
                {s.in_stock === true && <span className="pill" data-testid="in-stock">{t("product.inStock")}</span>}{" "}
                {s.in_stock === false && <span className="pill warn">{t("product.outOfStock")}</span>}{" "}
                {s.on_display && <span className="pill">{t("product.onDisplay")}</span>}{" "}
                <span className="nowrap">{t("product.km", { km: s.km < 10 ? s.km.toFixed(1) : Math.round(s.km) })}</span>
              </span>
            </li>
          ))}
        </ul>
      </div>
      <BottomBars>
        <CompareTray onCompare={onCompare} />
        <div className="buy-bar" data-testid="buy-bar">
          <span className="price" data-testid="buy-bar-price">
            {lowest !== null && t("product.from", { price: yuan(lowest, locale) })}
          </span>
          <button
            className="primary"
            onClick={() => storesSection.current?.scrollIntoView({ behavior: "smooth", block: "start" })}
            data-testid="where-to-buy-button"
          >
            {t("product.whereToBuy")}
          </button>
        </div>
      </BottomBars>
    </section>
  );
}

type SpecGroupKind = SpecKind["type"] | "other";

/** The product's specs in groups by kind (measurements, options, details), in the category's
 *  order; specs the category does not define last. Empty groups are left out. */
export function specGroups(
  specs: { [key in string]?: SpecValue },
  defs: SpecDef[],
): { kind: SpecGroupKind; rows: [string, SpecValue, SpecDef | undefined][] }[] {
  const order: SpecGroupKind[] = ["number", "choice", "text", "other"];
  const groups = new Map<SpecGroupKind, [string, SpecValue, SpecDef | undefined][]>(order.map((k) => [k, []]));
  for (const def of defs) {
    const value = specs[def.key];
    if (value !== undefined) groups.get(def.kind.type)!.push([def.key, value, def]);
  }
  for (const [key, value] of Object.entries(specs)) {
    if (value !== undefined && !defs.some((d) => d.key === key)) groups.get("other")!.push([key, value, undefined]);
  }
  return order.filter((k) => groups.get(k)!.length > 0).map((kind) => ({ kind, rows: groups.get(kind)! }));
}
