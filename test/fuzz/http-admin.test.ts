/** Hostile requests (test/fuzz/http-fuzz.ts) to administration, platform, reports, ratings and fairness. */
import { coreRoutes } from "../../worker/openapi/routes-core";
import { FUZZED_ROUTES, hostileRequestsTo } from "./http-fuzz";

const core = new Set(coreRoutes);
hostileRequestsTo("hostile requests: administration, platform, reports, ratings, fairness", FUZZED_ROUTES.filter((r) => !core.has(r)));
