import { useEffect, useRef, type ReactNode, type RefObject } from "react";

// The bars that float at the bottom of a screen, over its content (the comparison tray, a phone's
// price bar, the point of sale's pay bar), say how tall they are: the stylesheet keeps what is
// scrolled into view clear of them (`--bottom-bars` in `scroll-padding-bottom`), and a screen whose
// bar is fixed (out of the page's flow) leaves room for it at its end.
const heights = new Map<Element, number>();

function publish() {
  let total = 0;
  for (const height of heights.values()) total += height;
  document.documentElement.style.setProperty("--bottom-bars", `${Math.ceil(total)}px`);
}

/** Measures a bar that floats at the bottom of the screen while it is drawn there (fixed or
 *  sticky), into `--bottom-bars`, and, when `variable` is given, its own height into that custom
 *  property too (for the room a fixed bar needs at the end of its screen). */
export function useBottomBar(ref: RefObject<HTMLElement | null>, variable?: string) {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const position = getComputedStyle(el).position;
      const floating = (position === "fixed" || position === "sticky") && el.getClientRects().length > 0;
      const height = floating ? Math.ceil(el.getBoundingClientRect().height) : 0;
      heights.set(el, height);
      if (variable) document.documentElement.style.setProperty(variable, `${height}px`);
      publish();
    };
    // Its size, and whether it floats at all (a media query), change with the window.
    const observer = new ResizeObserver(measure);
    observer.observe(el, { box: "border-box" });
    window.addEventListener("resize", measure);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", measure);
      heights.delete(el);
      if (variable) document.documentElement.style.setProperty(variable, "0px");
      publish();
    };
  }, [ref, variable]);
}

/** The bars at the bottom of a screen, stacked in the order given (the first on top) in one holder
 *  that sticks above a phone's tab bar: they never cover one another, and the holder's own place at
 *  the end of the screen lets every line of the content scroll clear of them. */
export function BottomBars({ children }: { children: ReactNode }) {
  const holder = useRef<HTMLDivElement>(null);
  useBottomBar(holder);
  return (
    <div className="bottom-bars" ref={holder} data-testid="bottom-bars">
      {children}
    </div>
  );
}
