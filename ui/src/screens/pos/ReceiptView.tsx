// A receipt on screen and on paper: the print stylesheet shows only the receipt (80 mm roll or A4).
// A reprint says so on the paper.
import { useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { SaleReceipt } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { skuLabel, yuan } from "../format";

/** Names of SKUs from the local catalog (offline), by code. */
export function useSkuNames(codes: string[]): Record<string, string> {
  const { locale } = useI18n();
  const [names, setNames] = useState<Record<string, string>>({});
  const key = codes.join("|");
  useEffect(() => {
    let current = true;
    Promise.all(
      codes.map((code) =>
        commands
          .scanSku(code)
          .then((h) => [code, skuLabel(h, locale)])
          .catch(() => [code, code]),
      ),
    ).then((pairs) => current && setNames(Object.fromEntries(pairs)));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, locale]);
  return names;
}

/** The last four digits only: a receipt is handed over and may be left behind. */
function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return digits.length > 4 ? `•••• ${digits.slice(-4)}` : phone;
}

export function ReceiptView({ receipt, storeName, reprint = false }: { receipt: SaleReceipt; storeName: string; reprint?: boolean }) {
  const { t, locale, time } = useI18n();
  const sale = receipt.sale.type === "sale" ? receipt.sale : null;
  const names = useSkuNames(sale ? [...sale.lines.map((l) => l.sku), ...sale.gifts.map((g) => g.sku)] : []);
  if (!sale) return null;
  return (
    <div className="card receipt" data-testid="receipt" data-receipt-no={receipt.receipt_no}>
      <div className="receipt-print">
        <h2>{storeName}</h2>
        {reprint && <p className="reprint">{t("pos.receipt.reprint")}</p>}
        <p>
          {t("pos.receipt.no")}: <span data-testid="receipt-no">{receipt.receipt_no}</span>
          <br />
          {time(receipt.created_at)}
        </p>
        <table>
          <tbody>
            {sale.lines.map((l, i) => (
              <tr key={i}>
                <td>
                  {names[l.sku] ?? l.sku}
                  {l.serial && <div className="small">{t("pos.receipt.serial", { serial: l.serial })}</div>}
                  {receipt.returned[i] > 0 && <div className="small bad">{t("pos.receipt.returned", { count: receipt.returned[i] })}</div>}
                </td>
                <td className="num">
                  {l.quantity} × {yuan(l.unit_price, locale)}
                  {l.discount > 0 && <div className="small">−{yuan(l.discount, locale)}</div>}
                </td>
              </tr>
            ))}
            {sale.order_discount > 0 && (
              <tr>
                <td>{t("pos.sell.orderDiscount")}</td>
                <td className="num">−{yuan(sale.order_discount, locale)}</td>
              </tr>
            )}
            <tr className="strong">
              <td>{t("pos.sell.total")}</td>
              <td className="num" data-testid="receipt-total">
                {yuan(receipt.total, locale)}
              </td>
            </tr>
            {sale.payments.map((p, i) => (
              <tr key={`p${i}`}>
                <td>{t(`pos.pay.${p.method}` as MessageKey)}</td>
                <td className="num">{yuan(p.amount, locale)}</td>
              </tr>
            ))}
            {receipt.change > 0 && (
              <tr>
                <td>{t("pos.sell.change")}</td>
                <td className="num">{yuan(receipt.change, locale)}</td>
              </tr>
            )}
            {receipt.refunded > 0 && (
              <tr className="bad">
                <td>{t("pos.receipt.refunded")}</td>
                <td className="num">−{yuan(receipt.refunded, locale)}</td>
              </tr>
            )}
          </tbody>
        </table>
        {sale.gifts.length > 0 && (
          <p>
            {t("pos.sell.gifts")}: {sale.gifts.map((g) => `${names[g.sku] ?? g.sku} × ${g.quantity}`).join(", ")}
          </p>
        )}
        {sale.customer_phone && <p>{t("pos.receipt.member", { phone: maskPhone(sale.customer_phone) })}</p>}
        <p className="small">{t("pos.receipt.thanks")}</p>
      </div>
      <div className="row no-print">
        <span className={receipt.pending ? "pill warn" : "pill"} data-testid="receipt-state">
          {receipt.pending ? t("pos.receipt.pending") : t("pos.receipt.sent")}
        </span>
        <button className="secondary" onClick={() => window.print()} data-testid="print">
          {reprint ? t("pos.receipt.reprintAction") : t("pos.receipt.print")}
        </button>
      </div>
    </div>
  );
}
