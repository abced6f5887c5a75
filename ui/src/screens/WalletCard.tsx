// The consumer's e-coupons (电子券), kept on the device for offline: each with its terms, and its
// code shown as a QR symbol for the counter to scan (a till checks it offline).
import { useEffect, useState } from "react";
import { commands } from "../ipc/commands";
import type { WalletCoupon, WalletView } from "../ipc/types";
import { useI18n } from "../i18n";
import { useBackground } from "../background";
import { benefitText, conditionsText } from "./couponText";

/** A QR symbol's modules drawn as one SVG path (no markup from outside, so the CSP stays tight). */
function QrCode({ code }: { code: string }) {
  const [rows, setRows] = useState<boolean[][]>([]);
  useEffect(() => {
    commands.couponQr(code).then(setRows, () => setRows([]));
  }, [code]);
  if (rows.length === 0) return null;
  const size = rows.length + 8;
  let path = "";
  rows.forEach((row, y) => row.forEach((dark, x) => dark && (path += `M${x + 4} ${y + 4}h1v1h-1z`)));
  return (
    <svg className="qr" viewBox={`0 0 ${size} ${size}`} width={220} height={220} role="img" aria-label={code} data-testid="wallet-qr">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

function Coupon({ coupon }: { coupon: WalletCoupon }) {
  const { t, locale, time } = useI18n();
  const [shown, setShown] = useState(false);
  const zh = locale !== "en";
  const expired = coupon.terms.valid_until * 1000 <= Date.now();
  const state =
    coupon.redeemed_at !== undefined ? "redeemed" : coupon.withdrawn_at !== undefined ? "withdrawn" : expired ? "expired" : "usable";
  return (
    <article className={`coupon ${state}`} data-testid="wallet-coupon" data-state={state} data-code={coupon.code}>
      <div className="row spread">
        <b>{benefitText(t, locale, coupon.terms)}</b>
        <span className="muted small">{zh ? coupon.title_zh : coupon.title_en}</span>
      </div>
      <p className="muted small">{conditionsText(t, locale, coupon.terms, (at) => time(at, true))}</p>
      {state === "redeemed" && <p className="small">{t("wallet.redeemed", { date: time(coupon.redeemed_at!, true) })}</p>}
      {state === "expired" && <p className="small">{t("wallet.expired")}</p>}
      {state === "withdrawn" && <p className="small">{t("wallet.withdrawn")}</p>}
      {state === "usable" && (
        <button className="secondary small" onClick={() => setShown((s) => !s)} data-testid="wallet-show">
          {shown ? t("wallet.hide") : t("wallet.show")}
        </button>
      )}
      {shown && state === "usable" && (
        <div className="stack center" data-testid="wallet-code">
          <QrCode code={coupon.code} />
          <code className="small break">{coupon.code}</code>
          <p className="muted small">{t("wallet.codeHint")}</p>
        </div>
      )}
    </article>
  );
}

/** The wallet card on the consumer's home; `focus` scrolls it into view (a message's link). */
export function WalletCard({ focus }: { focus: number }) {
  const { t } = useI18n();
  const [view, setView] = useState<WalletView | null>(null);
  const read = () => commands.wallet().then(setView, () => {});
  useEffect(() => {
    void read();
  }, []);
  // A new message may carry a coupon: read the wallet again whenever the inbox is.
  useBackground(["inbox"], () => void read());
  useEffect(() => {
    if (focus > 0) document.querySelector('[data-testid="wallet"]')?.scrollIntoView({ behavior: "smooth" });
  }, [focus]);
  if (!view || view.wallet.coupons.length === 0) return null;
  return (
    <section className="shelf wallet" data-testid="wallet">
      <h2>
        {t("wallet.title")} {view.offline && <span className="pill warn">{t("recommend.offline")}</span>}
      </h2>
      {view.wallet.coupons.slice(0, 10).map((c) => (
        <Coupon key={c.id} coupon={c} />
      ))}
    </section>
  );
}
