// Where tapping an inbox message leads, decided from the message and what this device's catalog
// holds (pure, so it is tested without the app).
import type { InboxItem } from "../ipc/types";

export type LinkAction =
  | { to: "product"; model: string }
  | { to: "category"; code: string }
  | { to: "wallet" }
  /** The linked product is not in this device's catalog (withdrawn since, or not synced yet). */
  | { to: "gone"; model: string };

/** The message's deep link as something to do, or null when it leads nowhere beyond itself. */
export function linkAction(item: InboxItem): LinkAction | null {
  const link = item.message.link;
  if (!link) return null;
  switch (link.to) {
    case "product":
      return item.products.some((p) => p.model === link.model)
        ? { to: "product", model: link.model }
        : { to: "gone", model: link.model };
    case "category":
      return { to: "category", code: link.code };
    case "wallet":
      return { to: "wallet" };
    case "inbox":
      return null;
  }
}
