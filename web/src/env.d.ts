/** esbuild's text loader: a stylesheet imported as its text (scripts/build-page.ts). */
declare module '*.css' {
  const text: string;
  export default text;
}
