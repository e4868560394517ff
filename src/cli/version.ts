/** The program's version (`hilbridge --version`), in a module of its own so main.ts can answer it before loading the parser. */
export const VERSION = '0.1.0';
