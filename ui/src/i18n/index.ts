// The i18n layer: every UI string goes through t(). zh-CN and en have the same keys (a test checks).
import { createContext, useContext } from "react";
import en from "./en.json";
import zhCN from "./zh-CN.json";
import type { ApiError } from "../ipc/types";

export type Locale = "zh-CN" | "en";
export type MessageKey = keyof typeof en;

const dictionaries: Record<Locale, Record<string, string>> = { en, "zh-CN": zhCN };

/** A message; where `count` is 1 and the key has a `.one` form (English singulars), that form. */
export function translate(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const form = vars.count === 1 && `${key}.one` in dictionaries.en ? `${key}.one` : key;
  const text = dictionaries[locale][form] ?? dictionaries.en[form] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export function errorText(locale: Locale, error: ApiError): string {
  const key = `error.${error.code}` as MessageKey;
  let text = translate(locale, key in en ? key : "error.internal");
  if (error.retry_after_secs) text += " " + translate(locale, "error.retryAfter", { secs: error.retry_after_secs });
  return text;
}

export function formatTime(locale: Locale, unixSeconds: number, dateOnly = false): string {
  const date = new Date(unixSeconds * 1000);
  return dateOnly ? date.toLocaleDateString(locale) : date.toLocaleString(locale);
}

export interface I18n {
  locale: Locale;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  err: (error: ApiError) => string;
  time: (unixSeconds: number, dateOnly?: boolean) => string;
}

export function makeI18n(locale: Locale): I18n {
  return {
    locale,
    t: (key, vars) => translate(locale, key, vars),
    err: (error) => errorText(locale, error),
    time: (secs, dateOnly) => formatTime(locale, secs, dateOnly),
  };
}

export const I18nContext = createContext<I18n>(makeI18n("zh-CN"));
export const useI18n = () => useContext(I18nContext);
