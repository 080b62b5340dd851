/**
 * The simulated day at full scale (issue 7): the same workerd setup as vitest.config.ts, only
 * the simulation test, with `__SIM_SCALE__ = "full"` (a real day's volumes at 12 branches: about
 * 750 visits at branch 1 and 250 at each other) and timeouts long enough for it. Another size:
 * SIM_VISITS_PER_BRANCH=60 (branch 1 gets three times as many).
 *
 *   bash scripts/with-node.sh npx vitest run --config vitest.sim.config.ts
 */
import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config";
import base from "./vitest.config";

export default defineConfig(async (configEnv) => {
  const resolved = (typeof base === "function" ? await base(configEnv) : await base) as ViteUserConfig;
  const visits = Number(process.env.SIM_VISITS_PER_BRANCH ?? "250");
  if (!Number.isInteger(visits) || visits < 4 || visits > 2000) throw new Error("SIM_VISITS_PER_BRANCH: a whole number from 4 to 2000");
  const merged = mergeConfig(resolved, { define: { __SIM_SCALE__: JSON.stringify("full"), __SIM_VISITS_PER_BRANCH__: String(visits) } });
  // Replace (not merge) what must differ: only this test, and two hours for it.
  merged.test = { ...merged.test, include: ["test/sim/simulated-day.test.ts"], testTimeout: 7_200_000, hookTimeout: 7_200_000 };
  return merged;
});
