// What the app core's own chores found (catalog kept current, outbox sent, server checked,
// notices, a consumer's inbox), heard as one Tauri event and handed to whoever listens. No screen
// keeps a timer of its own: it listens here.
import { useEffect, useRef } from "react";
import { listen } from "@tauri-apps/api/event";
import type { Happening } from "./ipc/types";

/** The event the core sends (`portal_client::background::EVENT`). */
const EVENT = "portal://background";

type Listener = (happening: Happening) => void;
const listeners = new Set<Listener>();
let listening: Promise<unknown> | null = null;

/** Hears every happening until the returned function is called. */
export function onBackground(listener: Listener): () => void {
  listeners.add(listener);
  listening ??= listen<Happening>(EVENT, (event) => listeners.forEach((l) => l(event.payload))).catch(() => {
    listening = null;
  });
  return () => listeners.delete(listener);
}

type Of<K extends Happening["kind"]> = Extract<Happening, { kind: K }>;

/** Calls `handle` with each happening of the given kinds while the component is mounted (the
 *  latest `handle` is called: it may read the component's current state). */
export function useBackground<K extends Happening["kind"]>(kinds: K[], handle: (happening: Of<K>) => void) {
  const latest = useRef(handle);
  latest.current = handle;
  const key = kinds.join(",");
  useEffect(() => {
    const wanted = new Set<string>(key.split(","));
    return onBackground((h) => {
      if (wanted.has(h.kind)) latest.current(h as Of<K>);
    });
  }, [key]);
}
