// A dealer's prepayment (预存款) and rebate (返利) balances, each a ledger of movements: what came in
// (prepayments, settled rebates) and what paid receivables. The dealer pays from a balance; the
// order center books prepayments and bank transfers too. Each payment's reference is made once
// per attempt, so pressing again after a lost answer books once.
import { useCallback, useEffect, useState } from "react";
import { commands } from "../../ipc/commands";
import type { DealerFunds, PaymentSource } from "../../ipc/types";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorBanner, useCommandError } from "../../ErrorBanner";
import { newId, toFen, yuan } from "../format";

export function FundsCard({ dealerId, orderCenter, onPaid }: { dealerId: string; orderCenter: boolean; onPaid?: () => void }) {
  const { t, locale, time } = useI18n();
  const [funds, setFunds] = useState<DealerFunds | null>(null);
  const [amount, setAmount] = useState("");
  const [source, setSource] = useState<PaymentSource>("prepayment");
  const [reference, setReference] = useState("");
  const [attempt, setAttempt] = useState(newId);
  const [busy, setBusy] = useState(false);
  const { error, run } = useCommandError();

  const load = useCallback(() => {
    void run(() => commands.dealerFunds(dealerId)).then((f) => f && setFunds(f));
  }, [dealerId, run]);
  useEffect(load, [load]);

  const fen = toFen(amount);
  // A bank transfer and a prepayment carry the payer's reference; a payment from a balance its own.
  const needsReference = orderCenter && source === "bank";
  const done = () => {
    setAmount("");
    setReference("");
    setAttempt(newId());
    load();
    onPaid?.();
  };
  const pay = async () => {
    if (fen == null) return;
    setBusy(true);
    const ref = needsReference ? reference.trim() : `APP-${attempt}`;
    const paid = await run(() => commands.recordDealerPayment(dealerId, { reference: ref, amount: fen, source }));
    setBusy(false);
    if (paid) done();
  };
  const deposit = async () => {
    if (fen == null || !reference.trim()) return;
    setBusy(true);
    const booked = await run(() => commands.recordPrepayment(dealerId, { reference: reference.trim(), amount: fen }));
    setBusy(false);
    if (booked) done();
  };
  const sources: PaymentSource[] = orderCenter ? ["prepayment", "rebate", "bank"] : ["prepayment", "rebate"];

  return (
    <section className="card" data-testid="dealer-funds">
      <h2>{t("funds.title")}</h2>
      <ErrorBanner error={error} />
      {funds && (
        <p className="row">
          <span data-testid="funds-prepayment" data-fen={funds.prepayment}>
            {t("funds.prepayment")}: <strong>{yuan(funds.prepayment, locale)}</strong>
          </span>
          <span data-testid="funds-rebate" data-fen={funds.rebate}>
            {t("funds.rebate")}: <strong>{yuan(funds.rebate, locale)}</strong>
          </span>
        </p>
      )}
      <div className="row filters">
        <label>
          {t("funds.amount")}
          <input className="qty" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="funds-amount" />
        </label>
        <label>
          {t("funds.from")}
          <select value={source} onChange={(e) => setSource(e.target.value as PaymentSource)} data-testid="funds-source">
            {sources.map((s) => (
              <option key={s} value={s}>
                {t(`funds.source.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {orderCenter && (
          <label>
            {t("funds.reference")}
            <input value={reference} maxLength={100} onChange={(e) => setReference(e.target.value)} data-testid="funds-reference" />
          </label>
        )}
        <button className="primary" disabled={busy || fen == null || (needsReference && !reference.trim())} onClick={() => void pay()} data-testid="funds-pay">
          {t("funds.pay")}
        </button>
        {orderCenter && (
          <button className="secondary" disabled={busy || fen == null || !reference.trim()} onClick={() => void deposit()} data-testid="funds-deposit">
            {t("funds.deposit")}
          </button>
        )}
      </div>
      {funds && funds.movements.length > 0 && (
        <div className="table-wrap">
          <table className="dense" data-testid="funds-movements">
            <thead>
              <tr>
                <th>{t("funds.when")}</th>
                <th>{t("funds.what")}</th>
                <th className="num">{t("funds.amount")}</th>
                <th>{t("funds.reference")}</th>
              </tr>
            </thead>
            <tbody>
              {funds.movements.map((m, i) => (
                <tr key={i} data-kind={m.kind}>
                  <td>{time(m.at)}</td>
                  <td>{t(`funds.kind.${m.kind}` as MessageKey)}</td>
                  <td className="num">{yuan(m.amount, locale)}</td>
                  <td className="muted small">{m.reference}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
