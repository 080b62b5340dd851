/** Hostile requests (test/fuzz/http-fuzz.ts) to the engine, identity and live routes. */
import { coreRoutes } from "../../worker/openapi/routes-core";
import { FUZZED_ROUTES, hostileRequestsTo } from "./http-fuzz";

const core = new Set(coreRoutes);
hostileRequestsTo("hostile requests: booking, sign-in, staff, live", FUZZED_ROUTES.filter((r) => core.has(r)));
