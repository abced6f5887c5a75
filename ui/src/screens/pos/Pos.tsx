// The point of sale on a promoter's tablet: selling, receipts and returns, the shift, store stock,
// display units and the store's day. Every write goes through the app's durable outbox, so all of
// it works with the network down; the header shows what is still waiting for the server.
import { useCallback, useEffect, useState } from "react";
import { useBackground } from "../../background";
import type { PosContext } from "./context";
import { commands } from "../../ipc/commands";
import type { Notice, OpenShift, Store } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { yuan } from "../format";
import { Sell } from "./Sell";
import { Receipts } from "./Receipts";
import { Shift } from "./Shift";
import { Stock } from "./Stock";
import { Samples } from "./Samples";
import { Report } from "./Report";
import { Notices } from "./Notices";
import { Team } from "./Team";
import { CounterCustomer } from "./CounterCustomer";
import { GoodsIn } from "./GoodsIn";

type Section = "sell" | "customer" | "receipts" | "shift" | "stock" | "goods_in" | "samples" | "report" | "team";
const SECTIONS: Section[] = ["sell", "customer", "receipts", "shift", "stock", "goods_in", "samples", "report"];

export function Pos({ stores, manager }: { stores: Store[]; manager: boolean }) {
  const { t, locale } = useI18n();
  const [storeId, setStoreId] = useState(stores[0].id);
  const storeName = stores.find((s) => s.id === storeId)?.name ?? stores[0].name;
  const [section, setSection] = useState<Section>("sell");
  const [shift, setShift] = useState<OpenShift | null>(null);
  const [pending, setPending] = useState(0);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [showNotices, setShowNotices] = useState(false);
  const [sending, setSending] = useState(false);

  const changed = useCallback(() => {
    commands.posShift(storeId).then(setShift).catch(() => {});
    commands.pendingOps().then(setPending).catch(() => {});
    commands.storeNotices().then(setNotices).catch(() => {});
  }, [storeId]);

  useEffect(() => {
    changed();
  }, [changed]);
  // The core retries the outbox and hears of flags by itself; reflect its progress here.
  useBackground(["outbox_sent", "notices", "reach"], changed);

  const ctx: PosContext = { storeId, storeName, shift, changed };
  return (
    <section className="pos">
      <div className="row spread pos-head">
        <div>
          {stores.length > 1 ? (
            <select className="store-picker" value={storeId} onChange={(e) => setStoreId(e.target.value)} data-testid="pos-store" aria-label={t("nav.store")}>
              {stores.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.code})
                </option>
              ))}
            </select>
          ) : (
            <h1>{storeName}</h1>
          )}
          <p className="muted" data-testid="pos-shift-status">
            {shift
              ? t("pos.shift.openSince", { time: new Date(shift.opened_at * 1000).toLocaleTimeString(locale), sales: shift.sales })
              : t("pos.shift.none")}
            {shift && <> · {t("pos.shift.cashExpected", { amount: yuan(shift.expected[0]?.amount ?? 0, locale) })}</>}
          </p>
        </div>
        <div className="row">
          <span className={pending > 0 ? "pill warn" : "pill"} data-testid="pos-pending" data-count={pending}>
            {pending > 0 ? t("pos.pending", { count: pending }) : t("pos.allSent")}
          </span>
          {pending > 0 && (
            <button
              className="secondary"
              disabled={sending}
              data-testid="send-now"
              onClick={() => {
                setSending(true);
                commands
                  .sendNow()
                  .catch(() => {})
                  .finally(() => (setSending(false), changed()));
              }}
            >
              {t("pos.sendNow")}
            </button>
          )}
          {notices.length > 0 && (
            <button className="secondary" onClick={() => setShowNotices(!showNotices)} data-testid="pos-notices-toggle">
              {t("pos.notices", { count: notices.length })}
            </button>
          )}
        </div>
      </div>
      {showNotices && <Notices notices={notices} stores={stores} />}
      <nav className="segmented pos-sections" aria-label={t("pos.sections")}>
        {(manager ? [...SECTIONS, "team" as Section] : SECTIONS).map((s) => (
          <button key={s} className={section === s ? "active" : ""} onClick={() => setSection(s)} data-testid={`pos-${s}`}>
            {t(`pos.section.${s}` as MessageKey)}
          </button>
        ))}
      </nav>
      {/* Each store's screens start afresh when a manager switches store. */}
      <div key={storeId}>
      {section === "sell" && <Sell ctx={ctx} goToShift={() => setSection("shift")} />}
      {section === "customer" && <CounterCustomer />}
      {section === "receipts" && <Receipts ctx={ctx} />}
      {section === "shift" && <Shift ctx={ctx} />}
      {section === "stock" && <Stock ctx={ctx} />}
      {section === "goods_in" && <GoodsIn ctx={ctx} />}
      {section === "samples" && <Samples ctx={ctx} />}
      {section === "report" && <Report ctx={ctx} />}
      {section === "team" && manager && <Team ctx={ctx} />}
      </div>
    </section>
  );
}
