// The console's product editor as plain data: the fields an administrator edits (names,
// descriptions, lifecycle, each SKU's variant names and prices typed in yuan), read from a product
// and turned back into one, with the first field that is wrong named. Everything not edited here
// (specs, tags, images, channels, promotions) is kept as it was.
import type { Lifecycle, Product } from "../../ipc/types";
import { fenText, toFen } from "../format";

export type SkuForm = { code: string; variant_zh: string; variant_en: string; list_price: string; distributor_price: string };

export type ProductForm = {
  name_zh: string;
  name_en: string;
  description_zh: string;
  description_en: string;
  lifecycle: Lifecycle;
  skus: SkuForm[];
};

/** The form's field that is wrong (`skus.2.list_price`), or null. */
export type Check = { product: Product; bad: null } | { product: null; bad: string };

/** The longest name and description, in characters (the server's bounds, `catalog::validate`). */
export const MAX_NAME = 120;
export const MAX_DESCRIPTION = 4000;

export function formOf(product: Product): ProductForm {
  return {
    name_zh: product.name_zh,
    name_en: product.name_en,
    description_zh: product.description_zh,
    description_en: product.description_en,
    lifecycle: product.lifecycle,
    skus: product.skus.map((s) => ({
      code: s.code,
      variant_zh: s.variant_zh,
      variant_en: s.variant_en,
      list_price: fenText(s.list_price),
      distributor_price: s.distributor_price === undefined ? "" : fenText(s.distributor_price),
    })),
  };
}

/** The product the form describes, over `base`; or the first field that is wrong. */
export function productOf(base: Product, form: ProductForm): Check {
  const names: [keyof ProductForm, number][] = [
    ["name_zh", MAX_NAME],
    ["name_en", MAX_NAME],
    ["description_zh", MAX_DESCRIPTION],
    ["description_en", MAX_DESCRIPTION],
  ];
  for (const [field, max] of names) {
    const text = (form[field] as string).trim();
    if ((field.startsWith("name") && text === "") || [...text].length > max) return { product: null, bad: field };
  }
  const skus = [];
  for (const [i, sku] of base.skus.entries()) {
    const edit = form.skus[i];
    if (!edit || edit.code !== sku.code) return { product: null, bad: `skus.${i}` };
    if ([...edit.variant_zh].length > MAX_NAME) return { product: null, bad: `skus.${i}.variant_zh` };
    if ([...edit.variant_en].length > MAX_NAME) return { product: null, bad: `skus.${i}.variant_en` };
    const list = toFen(edit.list_price);
    if (list === null || list <= 0) return { product: null, bad: `skus.${i}.list_price` };
    let distributor: number | undefined;
    if (edit.distributor_price.trim() !== "") {
      const fen = toFen(edit.distributor_price);
      if (fen === null || fen <= 0 || fen > list) return { product: null, bad: `skus.${i}.distributor_price` };
      distributor = fen;
    }
    const next = { ...sku, variant_zh: edit.variant_zh.trim(), variant_en: edit.variant_en.trim(), list_price: list };
    if (distributor === undefined) delete next.distributor_price;
    else next.distributor_price = distributor;
    skus.push(next);
  }
  return {
    product: {
      ...base,
      name_zh: form.name_zh.trim(),
      name_en: form.name_en.trim(),
      description_zh: form.description_zh.trim(),
      description_en: form.description_en.trim(),
      lifecycle: form.lifecycle,
      skus,
    },
    bad: null,
  };
}

/** Whether saving the form would change the product (or show what is wrong with it): spaces
 *  around a name alone change nothing. */
export function changed(base: Product, form: ProductForm): boolean {
  const checked = productOf(base, form);
  return checked.bad !== null || JSON.stringify(checked.product) !== JSON.stringify(base);
}
