import { useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { CustomerView } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { CustomerCard } from "./CustomerCard";

/** Operators find any customer by phone and see their whole view. */
export function CustomerLookup() {
  const { t } = useI18n();
  const [phone, setPhone] = useState("");
  const [view, setView] = useState<CustomerView | null>(null);
  const { error, setError, showError } = useCommandError();
  const find = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    commands
      .findCustomer(phone)
      .then(setView)
      .catch((e) => (setView(null), showError(e)));
  };
  return (
    <section className="card wide" data-testid="customer-lookup">
      <h2>{t("customer.lookup")}</h2>
      <form className="row filters" onSubmit={find}>
        <label className="grow">
          {t("customer.phone")}
          <input type="tel" inputMode="tel" value={phone} onChange={(e) => setPhone(e.target.value)} data-testid="lookup-phone" />
        </label>
        <button className="primary" disabled={!phone.trim()} data-testid="lookup-find">
          {t("customer.find")}
        </button>
      </form>
      <ErrorBanner error={error} />
      {view && <CustomerCard view={view} />}
    </section>
  );
}
