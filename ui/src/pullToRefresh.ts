import { useEffect, useRef, useState } from "react";

/** How far (px) a pull from the top must travel before letting go refreshes. */
export const PULL_THRESHOLD = 70;

/**
 * Pull-to-refresh: a touch or pen dragged down while the page is scrolled to the top shows how far
 * it has come and, released past the threshold, calls `refresh`. Mouse drags are left alone (the
 * desktop has the button).
 */
export function usePullToRefresh(refresh: () => void, disabled: boolean) {
  const [pull, setPull] = useState(0);
  const start = useRef<number | null>(null);
  const latest = useRef({ refresh, disabled, pull: 0 });
  latest.current = { refresh, disabled, pull };

  useEffect(() => {
    const down = (e: PointerEvent) => {
      if (e.pointerType === "mouse" || window.scrollY > 0 || latest.current.disabled) return;
      start.current = e.clientY;
    };
    const move = (e: PointerEvent) => {
      if (start.current === null) return;
      const distance = Math.max(0, e.clientY - start.current);
      // Resistance, as native lists have: the indicator moves at half the finger's pace past the threshold.
      setPull(distance > PULL_THRESHOLD ? PULL_THRESHOLD + (distance - PULL_THRESHOLD) / 2 : distance);
    };
    const up = () => {
      if (start.current === null) return;
      start.current = null;
      if (latest.current.pull >= PULL_THRESHOLD) latest.current.refresh();
      setPull(0);
    };
    window.addEventListener("pointerdown", down);
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
    return () => {
      window.removeEventListener("pointerdown", down);
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
  }, []);
  return pull;
}
