import { useEffect, useRef, useState } from "react";
import { commands } from "../ipc/commands";
import { useBackground } from "../background";
import type { InboxItem, InboxView } from "../ipc/types";
import { useI18n } from "../i18n";
import { ProductStrip } from "./ProductStrip";
import { track } from "../track";
import { linkAction } from "./inboxLink";

type Handlers = {
  onOpen: (model: string) => void;
  onCategory: (code: string) => void;
  onWallet: () => void;
  onRead: (id: string) => void;
  onDelete: (id: string) => void;
};

/** One message: its text and products; shown (half on screen) and clicked are recorded with its
 *  list's id; opening a product or following its link marks it read; it can be deleted. */
function Message({ item, onOpen, onCategory, onWallet, onRead, onDelete }: { item: InboxItem } & Handlers) {
  const { t, locale, time } = useI18n();
  const [gone, setGone] = useState(false);
  const m = item.message;
  const action = linkAction(item);
  // A product the device has is opened from the message's strip of products.
  const follow = () => {
    if (!action || action.to === "product") return;
    if (!m.read) onRead(m.id);
    if (action.to === "category") {
      onCategory(action.code);
    } else if (action.to === "wallet") {
      onWallet();
    } else {
      setGone(true);
    }
  };
  const el = useRef<HTMLElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node || item.products.length === 0) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          track("recommendation_shown", { recommendation: m.recommendation, detail: "inbox" });
          observer.disconnect();
        }
      },
      { threshold: 0.5 },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [m.recommendation, item.products.length]);
  const zh = locale !== "en";
  return (
    <article ref={el} className={m.read ? "inbox-message" : "inbox-message unread"} data-testid="inbox-message" data-kind={m.kind} data-read={m.read}>
      <div className="row spread">
        <b>{zh ? m.title_zh : m.title_en}</b>
        <span className="row">
          <span className="muted small">{time(m.created_at)}</span>
          <button className="link small" onClick={() => onDelete(m.id)} aria-label={t("inbox.delete")} data-testid="inbox-delete">
            ×
          </button>
        </span>
      </div>
      <p>{zh ? m.body_zh : m.body_en}</p>
      {action && action.to !== "product" && (
        <button className="secondary small" onClick={follow} data-testid="inbox-follow" data-to={action.to}>
          {t(action.to === "category" ? "inbox.openCategory" : action.to === "wallet" ? "inbox.openWallet" : "inbox.openProduct")}
        </button>
      )}
      {gone && (
        <p className="muted small" role="status" data-testid="inbox-link-gone">
          {t("inbox.linkGone")}
        </p>
      )}
      {item.products.length > 0 && (
        <ProductStrip
          products={item.products}
          onOpen={(model) => {
            track("recommendation_clicked", { recommendation: m.recommendation, model });
            if (!m.read) onRead(m.id);
            onOpen(model);
          }}
          testId="inbox-products"
        />
      )}
    </article>
  );
}

/** Announces messages new to this device with an OS notification, each once (the app core
 *  remembers which it handed out as fresh). */
export function announce(view: InboxView, zh: boolean): InboxView {
  view.fresh.forEach((m) => commands.notify(zh ? m.title_zh : m.title_en, zh ? m.body_zh : m.body_en).catch(() => {}));
  return view;
}

/** The consumer's inbox of offers (from triggers and campaigns), newest first; unread ones stand
 *  out. Reading and deleting work offline: the app core keeps them and sends them later. */
export function InboxCard({
  onOpen,
  onCategory,
  onWallet,
}: {
  onOpen: (model: string) => void;
  onCategory: (code: string) => void;
  onWallet: () => void;
}) {
  const { t, locale } = useI18n();
  const [view, setView] = useState<InboxView | null>(null);
  const zh = locale !== "en";
  useEffect(() => {
    let live = true;
    commands
      .inbox()
      .then((v) => {
        // Announced even when the card has gone: the app core handed these out once.
        announce(v, zh);
        if (live) setView(v);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [zh]);
  // Afterwards the core looks at the inbox on its own timetable (and the app announces).
  useBackground(["inbox"], (h) => setView(h.inbox));
  if (!view || view.items.length === 0) return null;
  const read = (id: string) => commands.changeInbox(id, "read").then(setView).catch(() => {});
  const remove = (id: string) => commands.changeInbox(id, "delete").then(setView).catch(() => {});
  return (
    <section className="shelf inbox" data-testid="inbox" data-unread={view.unread}>
      <h2>
        {t("inbox.title")} {view.unread > 0 && <span className="pill">{t("inbox.unread", { count: view.unread })}</span>}
        {view.offline && <span className="pill warn">{t("recommend.offline")}</span>}
      </h2>
      {view.items.slice(0, 5).map((item) => (
        <Message key={item.message.id} item={item} onOpen={onOpen} onCategory={onCategory} onWallet={onWallet} onRead={read} onDelete={remove} />
      ))}
      {view.items.some((i) => !i.message.read) && (
        <button
          className="link"
          onClick={() => view.items.filter((i) => !i.message.read).forEach((i) => void read(i.message.id))}
          data-testid="inbox-read-all"
        >
          {t("inbox.readAll")}
        </button>
      )}
    </section>
  );
}
