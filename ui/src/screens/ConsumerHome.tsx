import { useEffect, useState, type ReactNode } from "react";
import { commands } from "../ipc/commands";
import type { ConsumerDay, ProductSummary } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { CITIES } from "./format";
import { ProductStrip } from "./ProductStrip";
import { RecommendedStrip } from "./RecommendedStrip";
import { InboxCard } from "./InboxCard";
import { WalletCard } from "./WalletCard";
import { useBackground } from "../background";
import { CompareTray } from "./CompareTray";
import { BottomBars } from "./BottomBars";
import { useCity } from "./place";
import { useProductOverlay } from "./useProductOverlay";

/** Whole calendar days from today to `unixSeconds`, on this device's calendar. */
export function daysUntil(unixSeconds: number, now = new Date()): number {
  const day = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86_400_000;
  return day(new Date(unixSeconds * 1000)) - day(now);
}

/** A consumer's home, from this device's copy (offline too): launches they follow, what they
 *  viewed last, new arrivals, favourites and the nearest stores. A product or a comparison opened
 *  from it takes the whole page. */
export function ConsumerHome({
  header,
  footer,
  onBrowse,
}: {
  header: ReactNode;
  footer: ReactNode;
  onBrowse: (category?: string) => void;
}) {
  const { t, time, locale } = useI18n();
  const [city, setCity] = useCity();
  const [day, setDay] = useState<ConsumerDay | null>(null);
  const { error, setError, showError } = useCommandError();
  const [arrivals, setArrivals] = useState<ProductSummary[]>([]);
  const { overlay, openProduct, openCompare } = useProductOverlay();
  const [walletFocus, setWalletFocus] = useState(0);
  const showing = overlay === null;
  // Drawn from this device's copy: read again whenever the core has brought the catalog (and its
  // stores) up to date, as on a first sync still running when the home opens.
  const [synced, setSynced] = useState(0);
  useBackground(["catalog_synced"], () => setSynced((n) => n + 1));
  useEffect(() => {
    if (!showing) return;
    let live = true;
    const c = CITIES[city];
    commands
      .consumerDay(c.lat, c.lon)
      .then((d) => live && (setDay(d), setError(null)))
      .catch((e) => live && showError(e));
    commands
      .searchProducts({ text: "", tags: [], sort: "newest", specs: [], lifecycles: ["on_sale", "pre_sale"], limit: 8, offset: 0 })
      .then((r) => live && setArrivals(r.items))
      .catch(() => live && setArrivals([]));
    return () => {
      live = false;
    };
  }, [city, showing, synced]);
  if (overlay) return <>{overlay}</>;

  const launch = (at: number) => {
    const date = time(at, true);
    const days = daysUntil(at);
    if (days < 0) return t("home.consumer.launched", { date });
    if (days === 0) return t("home.consumer.launchesToday", { date });
    return t("home.consumer.launchesIn", { date, count: days });
  };
  const launches = new Map((day?.followed ?? []).map((f) => [f.product.model, f.launches_at]));
  const zh = locale !== "en";
  return (
    <section>
      {header}
      <ErrorBanner error={error} />
      {!day ? (
        !error && <p className="muted">{t("app.loading")}</p>
      ) : (
        <div className="stack consumer-home">
          <InboxCard onOpen={openProduct} onCategory={onBrowse} onWallet={() => setWalletFocus((n) => n + 1)} />
          <WalletCard focus={walletFocus} />
          <RecommendedStrip placement="home" title={t("recommend.home")} onOpen={openProduct} testId="home-recommended" />
          {day.followed.length > 0 && (
            <section className="shelf">
              <h2>{t("home.consumer.followed")}</h2>
              <ProductStrip
                products={day.followed.map((f) => f.product)}
                onOpen={openProduct}
                testId="home-followed"
                caption={(p) => (launches.has(p.model) ? launch(launches.get(p.model)!) : null)}
              />
            </section>
          )}
          {day.recently_viewed.length > 0 && (
            <section className="shelf">
              <h2>{t("home.consumer.viewed")}</h2>
              <ProductStrip products={day.recently_viewed} onOpen={openProduct} testId="home-viewed" />
            </section>
          )}
          {arrivals.length > 0 && (
            <section className="shelf">
              <h2>{t("home.consumer.newArrivals")}</h2>
              <ProductStrip products={arrivals} onOpen={openProduct} testId="home-arrivals" />
            </section>
          )}
          <section className="shelf">
            <h2>{t("home.consumer.favourites")}</h2>
            {day.favourites.length > 0 ? (
              <ProductStrip products={day.favourites} onOpen={openProduct} testId="home-favourites" />
            ) : (
              <p className="muted">{t("home.consumer.noFavourites")}</p>
            )}
          </section>
          <section className="card" data-testid="home-stores">
            <div className="row spread">
              <h2>{t("home.consumer.stores")}</h2>
              <select value={city} onChange={(e) => setCity(Number(e.target.value))} aria-label={t("product.city")} data-testid="home-city">
                {CITIES.map((c, i) => (
                  <option key={c.en} value={i}>
                    {zh ? c.zh : c.en}
                  </option>
                ))}
              </select>
            </div>
            <ul className="list">
              {day.nearest_stores.map((s) => (
                <li key={s.store.code} className="row spread" data-testid="home-store-row">
                  <span>
                    <b>{zh ? s.store.name_zh : s.store.name_en}</b>
                    <span className="muted"> · {s.store.address} · {s.store.opening_hours}</span>
                  </span>
                  <span className="muted nowrap">{t("product.km", { km: s.km < 10 ? s.km.toFixed(1) : Math.round(s.km) })}</span>
                </li>
              ))}
            </ul>
          </section>
          <button className="secondary" onClick={() => onBrowse()} data-testid="home-browse">
            {t("home.consumer.browse")}
          </button>
          {footer}
        </div>
      )}
      <BottomBars>
        <CompareTray onCompare={openCompare} />
      </BottomBars>
    </section>
  );
}
