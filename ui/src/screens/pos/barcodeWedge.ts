// A keyboard-wedge barcode scanner types the code and Enter as fast key presses. On the POS screen a
// scan is caught wherever the focus is:
// - outside any text field, every printable key goes to the scan buffer and Enter submits it;
// - inside a text field (say, the customer's phone), a burst of at least MIN_LENGTH keys each under
//   BURST_GAP_MS apart ending in Enter is a scan: the field gets its text back and the code is scanned.
// Fields marked data-wedge="off" (serial-number fields, where scanning the label is the point) and
// the scan box itself (data-wedge="box", which submits on its own) are left alone.
import { useEffect, useRef } from "react";

const MIN_LENGTH = 4;
const BURST_GAP_MS = 35;
/** Outside fields, keys this far apart start a new code. */
const IDLE_RESET_MS = 2000;

function isTextField(el: EventTarget | null): el is HTMLInputElement | HTMLTextAreaElement {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;
}

/** Sets a React-controlled field's value the way typing would. */
function restoreValue(field: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = field instanceof HTMLInputElement ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(field, value);
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

export function useBarcodeWedge(onScan: (code: string) => void, enabled = true) {
  const handler = useRef(onScan);
  handler.current = onScan;

  useEffect(() => {
    if (!enabled) return;
    let buffer = "";
    let last = 0;
    let burstField: HTMLInputElement | HTMLTextAreaElement | null = null;
    let valueBefore = "";

    const onKeyDown = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
      const target = e.target;
      const wedge = target instanceof HTMLElement ? target.dataset.wedge : undefined;
      if (wedge === "off" || wedge === "box" || target instanceof HTMLSelectElement) return;
      const now = performance.now();
      const gap = now - last;
      last = now;

      if (isTextField(target)) {
        if (gap > BURST_GAP_MS || burstField !== target) {
          buffer = "";
          burstField = target;
          valueBefore = target.value;
        }
        if (e.key === "Enter") {
          if (buffer.length >= MIN_LENGTH) {
            e.preventDefault();
            const code = buffer;
            buffer = "";
            restoreValue(target, valueBefore);
            handler.current(code);
          }
          buffer = "";
        } else if (e.key.length === 1) {
          buffer += e.key;
        }
        return;
      }

      burstField = null;
      if (gap > IDLE_RESET_MS) buffer = "";
      if (e.key === "Enter") {
        if (buffer.length >= MIN_LENGTH) {
          e.preventDefault();
          handler.current(buffer);
        }
        buffer = "";
      } else if (e.key === "Escape") {
        buffer = "";
      } else if (e.key.length === 1) {
        buffer += e.key;
        // Keep the page from scrolling on space and the like while a code is typed.
        if (target === document.body) e.preventDefault();
      }
    };
    document.addEventListener("keydown", onKeyDown, true);
    return () => document.removeEventListener("keydown", onKeyDown, true);
  }, [enabled]);
}
