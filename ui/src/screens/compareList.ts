// The products picked for comparison, shared by every screen that shows products (the catalog, a
// product page, the home, favourites) for as long as the app runs.
import { useSyncExternalStore } from "react";

export const COMPARE_MAX = 4;

let models: string[] = [];
const listeners = new Set<() => void>();

function set(next: string[]) {
  models = next;
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Adds or removes a model; false when the list is full and the model could not be added. */
export function toggleCompare(model: string): boolean {
  if (models.includes(model)) {
    set(models.filter((m) => m !== model));
    return true;
  }
  if (models.length >= COMPARE_MAX) return false;
  set([...models, model]);
  return true;
}

export function clearCompare() {
  set([]);
}

export function useCompareList(): string[] {
  return useSyncExternalStore(subscribe, () => models);
}
