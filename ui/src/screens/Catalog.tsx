import { useEffect, useRef, useState } from "react";
import { useBackground } from "../background";
import { commands } from "../ipc/commands";
import type {
  CatalogStatus,
  FavouriteEntry,
  Category,
  Lifecycle,
  MarketingTag,
  RetailStore,
  SearchResult,
  SortOrder,
  SpecRange,
} from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { yuan } from "./format";
import { CompareTray } from "./CompareTray";
import { BottomBars } from "./BottomBars";
import { toggleCompare, useCompareList } from "./compareList";
import { useProductOverlay } from "./useProductOverlay";
import { track } from "../track";
import { PULL_THRESHOLD, usePullToRefresh } from "../pullToRefresh";

const TAGS: MarketingTag[] = ["new", "hot", "promotion", "pre_sale", "recommended"];
const SORTS: SortOrder[] = ["relevance", "price_asc", "price_desc", "newest"];
const LIFECYCLES: Lifecycle[] = ["announced", "pre_sale", "on_sale", "discontinued"];

/** Browse, search (as you type), filter and pick products to compare — all from the local copy. */
export function Catalog({ onStatus, category: opened }: { onStatus?: () => void; category?: string }) {
  const { t, locale, time } = useI18n();
  const [status, setStatus] = useState<CatalogStatus | null>(null);
  const [categories, setCategories] = useState<Category[]>([]);
  const [text, setText] = useState("");
  const [category, setCategory] = useState<string | undefined>(opened);
  const [tags, setTags] = useState<MarketingTag[]>([]);
  const [sort, setSort] = useState<SortOrder>("relevance");
  const [priceMin, setPriceMin] = useState("");
  const [priceMax, setPriceMax] = useState("");
  const [lifecycles, setLifecycles] = useState<Lifecycle[]>([]);
  const [store, setStore] = useState<string | undefined>();
  const [stores, setStores] = useState<RetailStore[]>([]);
  const [specs, setSpecs] = useState<Record<string, { min?: string; max?: string }>>({});
  const [result, setResult] = useState<SearchResult | null>(null);
  const { error, setError, showError } = useCommandError();
  const [syncing, setSyncing] = useState(false);
  const compare = useCompareList();
  const { overlay, openProduct: setOpen, openCompare } = useProductOverlay();
  const [notice, setNotice] = useState<string | null>(null);
  const [showFavourites, setShowFavourites] = useState(false);
  const [favourites, setFavourites] = useState<FavouriteEntry[]>([]);
  // On a phone the filters beyond the categories are in a sheet; it shows the live match count.
  const [filtersOpen, setFiltersOpen] = useState(false);
  const sheetHeading = useRef<HTMLHeadingElement>(null);
  const filterToggle = useRef<HTMLButtonElement>(null);
  // The sheet takes the focus when it opens and gives it back to its button when it closes.
  useEffect(() => {
    if (filtersOpen) sheetHeading.current?.focus();
  }, [filtersOpen]);
  const closeFilters = () => {
    setFiltersOpen(false);
    filterToggle.current?.focus();
  };
  const openFavourites = () => {
    commands.listFavourites().then(setFavourites).catch((e) => showError(e));
    setShowFavourites(!showFavourites);
  };

  const loadLocal = () => {
    commands.catalogStatus().then(setStatus).catch((e) => showError(e));
    commands.catalogCategories().then(setCategories).catch(() => {});
    commands.catalogStores().then(setStores).catch(() => {});
  };

  // A sync the person pulled for shows in the page; one the screen started shows on its button
  // only, so nothing above the chips moves under a finger or a pointer while it runs.
  const [pulled, setPulled] = useState(false);
  const sync = async (byPull = false) => {
    setSyncing(true);
    setPulled(byPull);
    setError(null);
    try {
      setStatus(await commands.syncCatalog());
      setCategories(await commands.catalogCategories());
      setStores(await commands.catalogStores());
    } catch (e) {
      showError(e);
    } finally {
      setSyncing(false);
      setPulled(false);
      onStatus?.();
    }
  };

  const pull = usePullToRefresh(() => sync(true), syncing);
  // The core keeps the catalog current by itself: show what it brought.
  useBackground(["catalog_synced"], loadLocal);

  useEffect(() => {
    // The app syncs at start and every 10 minutes; opening this screen also asks for fresh data.
    loadLocal();
    sync();
  }, []);

  // Search as you type: a short pause after the last key. Only the latest search's answer is shown
  // (an earlier one can finish later, e.g. when it waited behind a sync).
  const latestSearch = useRef(0);
  useEffect(() => {
    const timer = setTimeout(() => {
      const mine = ++latestSearch.current;
      const fen = (v: string) => (v.trim() === "" || isNaN(Number(v)) ? undefined : Math.round(Number(v) * 100));
      const num = (v?: string) => (v === undefined || v.trim() === "" || isNaN(Number(v)) ? undefined : Number(v));
      const ranges: SpecRange[] = Object.entries(specs)
        .map(([key, r]) => ({ key, min: num(r.min), max: num(r.max) }))
        .filter((r) => r.min !== undefined || r.max !== undefined);
      commands
        .searchProducts({
          text,
          category,
          tags,
          sort,
          price_min: fen(priceMin),
          price_max: fen(priceMax),
          specs: ranges,
          lifecycles,
          store,
          limit: 48,
          offset: 0,
        })
        .then((r) => mine === latestSearch.current && setResult(r))
        .catch((e) => mine === latestSearch.current && showError(e));
    }, 120);
    return () => clearTimeout(timer);
  }, [text, category, tags, sort, priceMin, priceMax, lifecycles, store, specs, status]);

  // A search or a set of filters counts once the person stops changing it (not every keystroke).
  const searched = text.trim();
  const resultTotal = result?.total;
  useEffect(() => {
    if (!searched || resultTotal === undefined) return;
    const timer = setTimeout(() => track("search", { query: searched.slice(0, 200), results: resultTotal }), 1500);
    return () => clearTimeout(timer);
  }, [searched, resultTotal]);
  const filterSummary = [
    category && `category=${category}`,
    tags.length > 0 && `tags=${tags.join(",")}`,
    lifecycles.length > 0 && `lifecycle=${lifecycles.join(",")}`,
    (priceMin.trim() || priceMax.trim()) && `price=${priceMin.trim()}-${priceMax.trim()}`,
    store && `store=${store}`,
    sort !== "relevance" && `sort=${sort}`,
  ]
    .filter(Boolean)
    .join(";")
    .slice(0, 120);
  useEffect(() => {
    if (!filterSummary) return;
    const timer = setTimeout(() => track("filter", { detail: filterSummary }), 1500);
    return () => clearTimeout(timer);
  }, [filterSummary]);

  const pickForCompare = (model: string) => setNotice(toggleCompare(model) ? null : t("catalog.compareFull"));

  if (overlay) return <>{overlay}</>;

  const name = (c: { name_zh: string; name_en: string }) => (locale === "en" ? c.name_en : c.name_zh);
  const top = categories.filter((c) => !c.parent);
  // No figure until the first answer (never a false 0); the chips keep their widths as figures arrive.
  const count = (code: string) => (result ? (result.categories.find((f) => f.value === code)?.count ?? 0) : "");
  const facet = (list: { value: string; count: number }[] | undefined, value: string) =>
    list?.find((f) => f.value === value)?.count ?? 0;
  const numberSpecs = categories.find((c) => c.code === category)?.specs.filter((d) => d.kind.type === "number") ?? [];
  const pickCategory = (code?: string) => {
    setCategory(code);
    setSpecs({});
  };

  const activeFilters =
    tags.length +
    lifecycles.length +
    (store ? 1 : 0) +
    (priceMin.trim() ? 1 : 0) +
    (priceMax.trim() ? 1 : 0) +
    Object.values(specs).filter((r) => r.min?.trim() || r.max?.trim()).length +
    (sort !== "relevance" ? 1 : 0);

  return (
    <section className="stack catalog">
      {(pull > 0 || (syncing && pulled)) && (
        <div className="pull" style={{ height: Math.max(pull, syncing ? 32 : 0) }} data-testid="pull-indicator">
          {syncing ? t("catalog.syncing") : pull >= PULL_THRESHOLD ? t("catalog.releaseToRefresh") : t("catalog.pullToRefresh")}
        </div>
      )}
      <div className="row spread catalog-search" inert={filtersOpen || undefined}>
        <input
          className="grow search"
          data-testid="search"
          type="search"
          aria-label={t("catalog.search")}
          placeholder={t("catalog.search")}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button
          className="secondary sync-button"
          onClick={() => sync()}
          disabled={syncing}
          aria-label={syncing ? t("catalog.syncing") : t("catalog.sync")}
          data-testid="sync-catalog"
        >
          <span aria-hidden="true">↻</span> <span className="sync-label">{syncing ? t("catalog.syncing") : t("catalog.sync")}</span>
        </button>
      </div>
      <div className="row spread">
        <button className={showFavourites ? "chip active" : "chip"} onClick={openFavourites} data-testid="show-favourites">
          ★ {t("catalog.favourites")}
        </button>
        <button
          className={activeFilters > 0 ? "chip active filter-toggle" : "chip filter-toggle"}
          ref={filterToggle}
          onClick={() => setFiltersOpen(true)}
          aria-expanded={filtersOpen}
          data-testid="open-filters"
        >
          {activeFilters > 0 ? t("catalog.filtersActive", { count: activeFilters }) : t("catalog.filters")}
        </button>
      </div>
      {showFavourites && (
        <ul className="list card" data-testid="favourites">
          {favourites.length === 0 && <li className="muted">{t("catalog.noFavourites")}</li>}
          {favourites.map((f) => (
            <li key={`${f.kind}:${f.model}`} className="row spread">
              <button className="link" onClick={() => setOpen(f.model)}>
                {f.product ? (locale === "en" ? f.product.name_en : f.product.name_zh) : f.model}
              </button>
              <span>
                <span className="pill">{f.kind === "follow" ? t("product.following") : t("product.favourited")}</span>
                {f.product?.withdrawn && <span className="pill warn">{t("catalog.withdrawn")}</span>}
                {f.pending && <span className="pill warn">{t("catalog.notSynced")}</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="muted" data-testid="catalog-updated" data-synced-at={status?.synced_at ?? ""}>
        {status?.synced_at != null ? t("catalog.updated", { time: time(status.synced_at) }) : t("catalog.empty")}
      </p>
      <ErrorBanner error={error} />
      <div className="chips categories" data-testid="categories" inert={filtersOpen || undefined}>
        <button className={!category ? "chip active" : "chip"} onClick={() => pickCategory(undefined)}>
          {t("catalog.all")}
        </button>
        {top.map((c) => (
          <button
            key={c.code}
            className={category === c.code ? "chip active" : "chip"}
            onClick={() => pickCategory(category === c.code ? undefined : c.code)}
            data-testid={`category-${c.code}`}
          >
            {name(c)} <span className="count">{category === c.code || !category ? count(c.code) : ""}</span>
          </button>
        ))}
      </div>
      {filtersOpen && <button className="sheet-backdrop" tabIndex={-1} aria-label={t("catalog.closeFilters")} onClick={closeFilters} />}
      <div
        className={filtersOpen ? "filter-panel open" : "filter-panel"}
        role={filtersOpen ? "dialog" : undefined}
        aria-modal={filtersOpen ? true : undefined}
        aria-label={t("catalog.filters")}
        onKeyDown={(e) => {
          if (e.key === "Escape") closeFilters();
        }}
        data-testid="filter-panel"
      >
        <div className="sheet-head row spread">
          <h2 tabIndex={-1} ref={sheetHeading}>
            {t("catalog.filters")}
          </h2>
          <button className="link" onClick={closeFilters}>
            {t("catalog.closeFilters")}
          </button>
        </div>
        <div className="row filters">
          {TAGS.map((tag) => (
            <button
              key={tag}
              className={tags.includes(tag) ? "chip active" : "chip"}
              onClick={() => setTags(tags.includes(tag) ? tags.filter((x) => x !== tag) : [...tags, tag])}
            >
              {t(`tag.${tag}` as MessageKey)} <span className="count">{facet(result?.tags, tag)}</span>
            </button>
          ))}
        </div>
        <div className="row filters">
          {LIFECYCLES.map((l) => (
            <button
              key={l}
              className={lifecycles.includes(l) ? "chip active" : "chip"}
              onClick={() => setLifecycles(lifecycles.includes(l) ? lifecycles.filter((x) => x !== l) : [...lifecycles, l])}
              data-testid={`lifecycle-${l}`}
            >
              {t(`lifecycle.${l}` as MessageKey)} <span className="count">{facet(result?.lifecycles, l)}</span>
            </button>
          ))}
          <select
            value={store ?? ""}
            onChange={(e) => setStore(e.target.value || undefined)}
            aria-label={t("catalog.atStore")}
            title={t("catalog.atStoreHint")}
            data-testid="store-filter"
          >
            <option value="">{t("catalog.anyStore")}</option>
            {stores.map((s) => (
              <option key={s.code} value={s.code}>
                {t("catalog.atStoreName", { name: locale === "en" ? `${s.city_en} · ${s.name_en}` : s.name_zh })}
              </option>
            ))}
          </select>
        </div>
        {numberSpecs.length > 0 && (
          <div className="row filters" data-testid="spec-filters">
            {numberSpecs.map((d) => {
              const unit = d.kind.type === "number" ? d.kind.unit : "";
              const r = specs[d.key] ?? {};
              const set = (side: "min" | "max", v: string) => setSpecs({ ...specs, [d.key]: { ...r, [side]: v } });
              return (
                <span key={d.key} className="range">
                  {locale === "en" ? d.name_en : d.name_zh}
                  <input inputMode="decimal" aria-label={t("catalog.specMin", { name: locale === "en" ? d.name_en : d.name_zh })} placeholder={`≥ ${unit}`} value={r.min ?? ""} onChange={(e) => set("min", e.target.value)} />
                  <input inputMode="decimal" aria-label={t("catalog.specMax", { name: locale === "en" ? d.name_en : d.name_zh })} placeholder={`≤ ${unit}`} value={r.max ?? ""} onChange={(e) => set("max", e.target.value)} />
                </span>
              );
            })}
          </div>
        )}
        <div className="row filters">
          <input className="price" inputMode="decimal" aria-label={t("catalog.priceMin")} placeholder={t("catalog.priceMin")} value={priceMin} onChange={(e) => setPriceMin(e.target.value)} />
          <input className="price" inputMode="decimal" aria-label={t("catalog.priceMax")} placeholder={t("catalog.priceMax")} value={priceMax} onChange={(e) => setPriceMax(e.target.value)} />
          <select value={sort} onChange={(e) => setSort(e.target.value as SortOrder)} aria-label={t("catalog.sort")} data-testid="sort">
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`catalog.sort.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <button className="primary sheet-apply" onClick={closeFilters} data-testid="apply-filters">
          {t("catalog.showResults", { count: result?.total ?? 0 })}
        </button>
      </div>
      {notice && <p className="banner info">{notice}</p>}
      {result && (
        <p className="muted" data-testid="result-count">
          {result.fuzzy ? t("catalog.fuzzy") : t("catalog.results", { count: result.total })}
        </p>
      )}
      {result && result.items.length === 0 && <p className="muted">{t("catalog.none")}</p>}
      <div className="products" data-testid="results" inert={filtersOpen || undefined}>
        {result?.items.map((p) => (
          <article key={p.model} className="card product" data-testid="product-card" data-model={p.model}>
            <button className="plain" onClick={() => setOpen(p.model)} data-testid="open-product">
              {p.image && <img src={p.image} alt="" />}
              <b>{locale === "en" ? p.name_en : p.name_zh}</b>
              <span className="muted">{p.model}</span>
              <span className="price">{t("catalog.from", { price: yuan(p.price, locale) })}</span>
            </button>
            <div className="row spread">
              <span>
                {p.tags.map((tag) => (
                  <span key={tag} className="pill">
                    {t(`tag.${tag}` as MessageKey)}
                  </span>
                ))}
              </span>
              <label className="check">
                <input type="checkbox" checked={compare.includes(p.model)} onChange={() => pickForCompare(p.model)} data-testid="compare-toggle" />
                {t("catalog.compare")}
              </label>
            </div>
          </article>
        ))}
      </div>
      <BottomBars>
        <CompareTray onCompare={openCompare} />
      </BottomBars>
    </section>
  );
}
