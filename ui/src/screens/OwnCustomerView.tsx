import { useState } from "react";
import { commands } from "../ipc/commands";
import type { CustomerView } from "../ipc/types";
import { useI18n } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { CustomerCard } from "./CustomerCard";

/** A consumer sees what the brand keeps about them: the same page operators see. */
export function OwnCustomerView() {
  const { t } = useI18n();
  const [view, setView] = useState<CustomerView | null>(null);
  const { error, setError, showError } = useCommandError();
  const load = () => {
    setError(null);
    commands
      .ownCustomerView()
      .then(setView)
      .catch((e) => showError(e));
  };
  return (
    <div className="card stack">
      <h2>{t("customer.own")}</h2>
      <p className="muted">{t("customer.ownExplain")}</p>
      <ErrorBanner error={error} />
      {view ? (
        <CustomerCard view={view} />
      ) : (
        <button className="secondary" onClick={load} data-testid="own-customer-view">
          {t("customer.ownShow")}
        </button>
      )}
    </div>
  );
}
