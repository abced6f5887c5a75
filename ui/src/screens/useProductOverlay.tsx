import { useState, type ReactNode } from "react";
import { ProductPage } from "./ProductPage";
import { ComparePage } from "./ComparePage";
import { useCompareList } from "./compareList";
import { track } from "../track";

/** The product page and the comparison, opened over any screen that lists products; `overlay` is
 *  what to draw instead of the screen while one is open. */
export function useProductOverlay(): { overlay: ReactNode; openProduct: (model: string) => void; openCompare: () => void } {
  const [open, setOpen] = useState<string | null>(null);
  const [comparing, setComparing] = useState(false);
  const models = useCompareList();
  let overlay: ReactNode = null;
  if (comparing)
    overlay = (
      <ComparePage
        models={models}
        onBack={() => setComparing(false)}
        onOpen={(m) => {
          setComparing(false);
          setOpen(m);
        }}
      />
    );
  else if (open) overlay = <ProductPage model={open} onBack={() => setOpen(null)} onCompare={() => openCompare()} onOpen={setOpen} />;
  const openCompare = () => {
    track("compare", { models });
    setComparing(true);
  };
  return { overlay, openProduct: setOpen, openCompare };
}
