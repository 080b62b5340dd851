/**
 * Every documented route, area by area. Adding a route to the Worker means adding its entry in
 * the area's file here (test/contract/routes.test.ts fails until it is).
 */
import type { RouteDoc } from "./registry";
import { adminRouteDocs } from "./routes-admin";
import { coreRoutes } from "./routes-core";
import { operationsRouteDocs } from "./routes-operations";
import { platformRouteDocs } from "./routes-platform";
import { serviceRouteDocs } from "./routes-service";

export const documentedRoutes: RouteDoc[] = [...coreRoutes, ...serviceRouteDocs, ...platformRouteDocs, ...adminRouteDocs, ...operationsRouteDocs];
