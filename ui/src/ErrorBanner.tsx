import { useCallback, useState } from "react";
import type { ApiError } from "./ipc/types";
import { useI18n } from "./i18n";

/** A coded error, translated; the server's own message is kept as a tooltip for support. */
export function ErrorBanner({ error }: { error: ApiError | null }) {
  const { err } = useI18n();
  if (!error) return null;
  return (
    <p className="banner error" role="alert" data-testid="error" data-code={error.code} title={error.message}>
      {err(error)}
    </p>
  );
}

export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e) return e as ApiError;
  return { code: "internal", message: String(e) };
}

/**
 * A screen's error state, and the one way a screen runs a command: `run(() => commands.x(...))`
 * clears the error, runs the command, and on failure shows its coded error and answers
 * `undefined`; `showError(e)` shows what a command threw elsewhere.
 */
export function useCommandError() {
  const [error, setError] = useState<ApiError | null>(null);
  const showError = useCallback((e: unknown) => setError(asApiError(e)), []);
  const run = useCallback(async <T,>(call: () => Promise<T>): Promise<T | undefined> => {
    setError(null);
    try {
      return await call();
    } catch (e) {
      setError(asApiError(e));
      return undefined;
    }
  }, []);
  return { error, setError, showError, run };
}
