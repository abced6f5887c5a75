// The administrator's console (desktop): people (roles, locks, sessions), stores and dealers, the
// catalog (export, edit, withdraw, and the import with its per-row report), the audit log of
// changes, and the system's health. Every action is online: a console acts on the system as it is
// now.
import { useState } from "react";
import { useI18n, type MessageKey } from "../../i18n";
import { People } from "./People";
import { Directory } from "./Directory";
import { AuditLog } from "./AuditLog";
import { Health } from "./Health";
import { CatalogImport } from "./CatalogImport";
import { CatalogEditor } from "./CatalogEditor";

const SECTIONS = ["people", "directory", "catalog", "audit", "health"] as const;
type Section = (typeof SECTIONS)[number];

export function Console() {
  const { t } = useI18n();
  const [section, setSection] = useState<Section>("people");
  return (
    <section className="stack" data-testid="console">
      <nav className="segmented" aria-label={t("console.title")}>
        {SECTIONS.map((s) => (
          <button key={s} className={section === s ? "active" : ""} onClick={() => setSection(s)} data-testid={`console-tab-${s}`}>
            {t(`console.section.${s}` as MessageKey)}
          </button>
        ))}
      </nav>
      {section === "people" && <People />}
      {section === "directory" && <Directory />}
      {section === "catalog" && (
        <>
          <CatalogEditor />
          <CatalogImport />
        </>
      )}
      {section === "audit" && <AuditLog />}
      {section === "health" && <Health />}
    </section>
  );
}
