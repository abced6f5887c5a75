// The city the person last chose for the store finder, shared by the home and the product pages
// and remembered on this device (a city, never a position); forgotten when the account changes.
import { useSyncExternalStore } from "react";
import { CITIES } from "./format";

const KEY = "portal.city";
const listeners = new Set<() => void>();

function read(): number {
  const i = Number(window.localStorage.getItem(KEY));
  return Number.isInteger(i) && i >= 0 && i < CITIES.length ? i : 0;
}

let city = read();

function set(index: number) {
  city = index;
  listeners.forEach((l) => l());
}

export function chooseCity(index: number) {
  window.localStorage.setItem(KEY, String(index));
  set(index);
}

/** Back to the first city, for the next account on this device. */
export function forgetCity() {
  window.localStorage.removeItem(KEY);
  set(0);
}

export function useCity(): [number, (index: number) => void] {
  const current = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => city,
  );
  return [current, chooseCity];
}
