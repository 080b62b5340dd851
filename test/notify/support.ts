/** Shared helpers for the notification tests: a sample notification and a capturing fetch. */
import type { NotificationKind } from "../../durable/engine/notifications";
import { buildNotification } from "../../worker/notify/index";
import type { Notification } from "../../worker/notify/types";

export const TICKET_ID = "cn01:2026-11-23:15";

export function sampleNotification(kind: NotificationKind = "called", counterNumber: number | null = 3): Notification {
  return buildNotification(
    { id: TICKET_ID, label: "A015", counterNumber },
    { branchId: "cn01", serviceDate: "2026-11-23" },
    kind,
    Date.UTC(2026, 10, 23, 2, 15),
  );
}

export interface Captured {
  request: Request;
  /** The body, read before the request is handed on. */
  body: Uint8Array;
}

/** A fetch that records every request and answers with `respond` (default 200 {}). */
export function capturingFetch(respond: (req: Request) => Response | Promise<Response> = () => new Response("{}", { status: 200 })) {
  const calls: Captured[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const body = new Uint8Array(await request.clone().arrayBuffer());
    calls.push({ request, body });
    return respond(request);
  };
  return { fetch, calls };
}

export function bodyText(c: Captured): string {
  return new TextDecoder().decode(c.body);
}
