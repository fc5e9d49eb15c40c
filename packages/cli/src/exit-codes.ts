/** Exit codes of the `cam-localize` command. */
export const EXIT_OK = 0;
/** The run failed (or, for `inspect`, the model cannot be used). */
export const EXIT_FAILURE = 1;
/** Bad arguments. */
export const EXIT_USAGE = 2;
