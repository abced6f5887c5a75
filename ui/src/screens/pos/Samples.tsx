// Display units (samples): each registered by serial with its place in the store and dated history,
// moved through its states (the allowed next states come from the server's state machine), and
// audited by scanning every unit on the floor; the server flags the missing ones.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { SampleList, SampleState, Snapshot, StoreAction } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { skuLabel } from "../format";
import { useBarcodeWedge } from "./barcodeWedge";
import { useSkuNames } from "./ReceiptView";
import type { PosContext } from "./context";

export function Samples({ ctx }: { ctx: PosContext }) {
  const { t, time } = useI18n();
  const [snap, setSnap] = useState<Snapshot<SampleList> | null>(null);
  const { error, setError, showError } = useCommandError();
  const [note, setNote] = useState<string | null>(null);
  const [mode, setMode] = useState<"list" | "register" | "audit">("list");
  const [open, setOpen] = useState<string | null>(null);
  const [location, setLocation] = useState<Record<string, string>>({});
  const units = snap?.data.samples ?? [];
  const names = useSkuNames(units.map((u) => u.sku));

  const load = useCallback(() => {
    commands
      .storeSamples(ctx.storeId)
      .then((s) => (setSnap(s), setError(null)))
      .catch((e) => showError(e));
  }, [ctx.storeId]);
  useEffect(() => {
    load();
  }, [load]);

  async function write(action: StoreAction, message: string) {
    setError(null);
    try {
      await commands.recordStoreOp(ctx.storeId, action);
      setNote(message);
      setMode("list");
      ctx.changed();
      load();
    } catch (e) {
      showError(e);
    }
  }

  const stateName = (s: SampleState) => t(`pos.sample.state.${s}` as MessageKey);
  return (
    <div className="stack">
      <div className="chips">
        {(["list", "register", "audit"] as const).map((m) => (
          <button key={m} className={mode === m ? "chip active" : "chip"} onClick={() => (setMode(m), setNote(null))} data-testid={`samples-${m}`}>
            {t(`pos.sample.mode.${m}` as MessageKey)}
          </button>
        ))}
      </div>
      {note && <p className="banner info" data-testid="samples-note">{note}</p>}
      <ErrorBanner error={error} />
      {snap && <p className="muted small">{t("pos.stock.asOf", { time: time(snap.fetched_at) })}</p>}
      {mode === "register" && <Register onSubmit={(a) => void write(a, t("pos.stock.recorded"))} />}
      {mode === "audit" && (
        <Audit
          expected={units.filter((u) => u.expected_on_floor).map((u) => u.serial)}
          onSubmit={(scanned) => void write({ type: "sample_audit", scanned }, t("pos.sample.auditSent"))}
        />
      )}
      {mode === "list" && (
        <ul className="list" data-testid="samples">
          {units.length === 0 && <li className="muted">{t("pos.sample.none")}</li>}
          {units.map((u) => (
            <li key={u.serial} className="card" data-testid="sample" data-serial={u.serial} data-state={u.state}>
              <button className="plain" onClick={() => setOpen(open === u.serial ? null : u.serial)}>
                <b>
                  {u.serial} · {names[u.sku] ?? u.sku}
                </b>
                <span className="muted">
                  <span className="pill">{stateName(u.state)}</span> {u.location} · {time(u.updated_at)}
                </span>
              </button>
              {open === u.serial && (
                <div className="stack">
                  <ol className="history">
                    {u.history.map((e, i) => (
                      <li key={i}>
                        {time(e.at)} — {stateName(e.state)} · {e.location}
                      </li>
                    ))}
                  </ol>
                  {u.next_states.length > 0 && (
                    <div className="row">
                      <label className="grow">
                        {t("pos.sample.location")}
                        <input
                          value={location[u.serial] ?? u.location}
                          onChange={(e) => setLocation({ ...location, [u.serial]: e.target.value })}
                        />
                      </label>
                    </div>
                  )}
                  <div className="chips">
                    {u.next_states.map((to) => (
                      <button
                        key={to}
                        className="secondary"
                        data-testid={`sample-to-${to}`}
                        onClick={() =>
                          void write(
                            { type: "sample_change", serial: u.serial, from: u.state, to, location: location[u.serial] ?? u.location },
                            t("pos.sample.moved", { serial: u.serial, state: stateName(to) }),
                          )
                        }
                      >
                        → {stateName(to)}
                      </button>
                    ))}
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Register({ onSubmit }: { onSubmit: (a: StoreAction) => void }) {
  const { t, locale } = useI18n();
  const [serial, setSerial] = useState("");
  const [sku, setSku] = useState("");
  const [skuName, setSkuName] = useState<string | null>(null);
  const [place, setPlace] = useState("");
  const { error, setError, showError } = useCommandError();

  async function findSku(code: string) {
    try {
      const hit = await commands.scanSku(code.trim());
      setSku(hit.sku.code);
      setSkuName(skuLabel(hit, locale));
      setError(null);
    } catch (e) {
      showError(e);
    }
  }
  // A scan anywhere fills the product; the serial field takes its own label scan.
  useBarcodeWedge((c) => void findSku(c));

  return (
    <div className="card form narrow-card">
      <label>
        {t("pos.sample.serial")}
        <input value={serial} onChange={(e) => setSerial(e.target.value)} data-wedge="off" data-testid="sample-serial" />
      </label>
      <label>
        {t("pos.sample.product")}
        <input value={sku} onChange={(e) => (setSku(e.target.value), setSkuName(null))} onBlur={() => sku && void findSku(sku)} data-wedge="box" data-testid="sample-sku" />
      </label>
      {skuName && <p className="muted">{skuName}</p>}
      <label>
        {t("pos.sample.location")}
        <input value={place} onChange={(e) => setPlace(e.target.value)} data-testid="sample-location" />
      </label>
      <ErrorBanner error={error} />
      <button
        disabled={!serial.trim() || !skuName || !place.trim()}
        onClick={() => onSubmit({ type: "sample_register", serial: serial.trim(), sku, location: place.trim() })}
        data-testid="sample-register"
      >
        {t("pos.sample.register")}
      </button>
    </div>
  );
}

function Audit({ expected, onSubmit }: { expected: string[]; onSubmit: (scanned: string[]) => void }) {
  const { t } = useI18n();
  const [scanned, setScanned] = useState<string[]>([]);
  const [typed, setTyped] = useState("");
  const add = (serial: string) => {
    const s = serial.trim();
    if (s) setScanned((list) => (list.includes(s) ? list : [...list, s]));
  };
  useBarcodeWedge(add);
  const missing = expected.filter((s) => !scanned.includes(s));
  return (
    <div className="card form">
      <p className="muted">{t("pos.sample.auditHelp")}</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          add(typed);
          setTyped("");
        }}
      >
        <input className="grow" value={typed} onChange={(e) => setTyped(e.target.value)} data-wedge="box" data-testid="audit-scan" placeholder={t("pos.sample.serial")} />
        <button type="submit" className="secondary">
          {t("pos.sell.add")}
        </button>
      </form>
      <p data-testid="audit-progress">{t("pos.sample.auditProgress", { scanned: scanned.length, missing: missing.length })}</p>
      {missing.length > 0 && <p className="muted small">{t("pos.sample.notYet", { serials: missing.join(", ") })}</p>}
      <button onClick={() => onSubmit(scanned)} data-testid="audit-submit">
        {t("pos.sample.finishAudit")}
      </button>
    </div>
  );
}
