import { useEffect, useRef, useState } from "react";
import { commands } from "../ipc/commands";
import type { Placement, RecommendationView } from "../ipc/types";
import { useI18n } from "../i18n";
import { ProductStrip } from "./ProductStrip";
import { track } from "../track";

/** A recommendation list: the server's (kept for offline), else one made on the device. Its
 *  impression is recorded once it is actually on screen, and each click with the list's id. */
export function RecommendedStrip({
  placement,
  model,
  title,
  onOpen,
  testId,
}: {
  placement: Placement;
  model?: string;
  title: string;
  onOpen: (model: string) => void;
  testId: string;
}) {
  const { t } = useI18n();
  const [view, setView] = useState<RecommendationView | null>(null);
  const shelf = useRef<HTMLElement>(null);
  useEffect(() => {
    let live = true;
    commands
      .recommendations(placement, model ?? null)
      .then((v) => live && setView(v))
      .catch(() => live && setView(null));
    return () => {
      live = false;
    };
  }, [placement, model]);
  // Shown means half of the shelf was in view, once per list.
  const id = view?.id;
  const count = view?.products.length ?? 0;
  useEffect(() => {
    const el = shelf.current;
    if (!el || !id || count === 0) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          track("recommendation_shown", { recommendation: id, detail: placement });
          observer.disconnect();
        }
      },
      { threshold: 0.5 },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [id, count, placement]);
  if (!view || view.products.length === 0) return null;
  return (
    <section className="shelf" ref={shelf} data-testid={testId} data-recommendation={view.id ?? ""} data-algorithm={view.algorithm}>
      <h2>
        {title} {view.offline && <span className="pill warn">{t("recommend.offline")}</span>}
      </h2>
      <ProductStrip
        products={view.products}
        onOpen={(m) => {
          if (view.id) track("recommendation_clicked", { recommendation: view.id, model: m });
          onOpen(m);
        }}
        testId={`${testId}-strip`}
      />
    </section>
  );
}
