/** Vite's `?raw` imports (a file's text), used by test/contract/types.test.ts. */
declare module "*?raw" {
  const text: string;
  export default text;
}
