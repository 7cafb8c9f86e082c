/** What is wrong with the inputs of a comparison; the CLI prints the message and exits 2. */
export type CompareInputProblem =
  | 'unreadable'
  | 'not-json'
  | 'not-results'
  | 'schema-version'
  | 'schema'
  | 'different-scenarios'
  | 'nothing-in-common'
  | 'no-variants';

/** A comparison that cannot be made, with a sentence that says which input and what to do about it. */
export class CompareInputError extends Error {
  constructor(
    readonly problem: CompareInputProblem,
    message: string,
  ) {
    super(message);
    this.name = 'CompareInputError';
  }
}

/** The exit codes of `kvbench compare`: 0 nothing regressed, 1 a regression, 2 the comparison could not be made. */
export const EXIT_OK = 0;
export const EXIT_REGRESSION = 1;
export const EXIT_BAD_INPUT = 2;
