// The city the person last chose for the store finder, remembered on this device (a city, never a
// position) so the home and product pages start from it.
import { useState } from "react";
import { CITIES } from "./format";

const KEY = "portal.city";

function stored(): number {
  const i = Number(window.localStorage.getItem(KEY));
  return Number.isInteger(i) && i >= 0 && i < CITIES.length ? i : 0;
}

export function useCity(): [number, (index: number) => void] {
  const [city, setCity] = useState(stored);
  return [
    city,
    (index: number) => {
      window.localStorage.setItem(KEY, String(index));
      setCity(index);
    },
  ];
}
