// Behaviour events from the screens: recorded on the device at once (when the person's choice
// allows), sent in batches by the app core. Never in the way: a failure is only logged.
import { commands } from "./ipc/commands";
import type { EventInput, EventKind } from "./ipc/types";

export function track(kind: EventKind, fields: Omit<EventInput, "kind"> = {}) {
  commands.trackEvent({ kind, ...fields }).catch((e) => console.debug("event not recorded", kind, e));
}
