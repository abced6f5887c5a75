import type { OpenShift } from "../../ipc/types";

/** What every POS section gets: the store, the open shift, and a way to say "something changed". */
export interface PosContext {
  storeId: string;
  storeName: string;
  shift: OpenShift | null;
  /** Re-reads the shift, the queue and the notices after a write. */
  changed: () => void;
}
