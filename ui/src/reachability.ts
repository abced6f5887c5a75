// Whether the server the app names has answered. The app state's `online` (from the Rust side) is
// true until a call fails to reach the server, so on a screen that has made no call yet (the
// sign-in screen, at start) it is no answer: the header says "connecting" until a call settles.
import type { ApiError, ErrorCode } from "./ipc/types";

export type Reach = "checking" | "online" | "offline";

/** Failures on this device before (or instead of) a request to the server: they say nothing
 *  about it. `internal` is among them: a local fault, or an answer that is not a portal's. */
const LOCAL: ErrorCode[] = ["keyring_unavailable", "cache_too_new", "not_signed_in", "invalid_server_url", "internal"];

/** Whether a call that settled (`error` null: it succeeded) tells where the app stands with the
 *  server: it answered (with a result or a refusal), or it could not be reached. */
export function settlesReach(error: ApiError | null): boolean {
  return error === null || !LOCAL.includes(error.code);
}

/** What the header says: offline as soon as a call failed to reach the server (`online` is false
 *  only then), online once a call has settled and it answered, and until then "connecting". */
export function reachOf(settled: boolean, online: boolean): Reach {
  if (!online) return "offline";
  return settled ? "online" : "checking";
}

/** How often the server is asked again while it is not known to be reachable (seconds). */
export const RECHECK_SECS = 15;
