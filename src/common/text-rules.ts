/* eslint-disable no-control-regex -- refusing control characters is the point */

/** Any C0 control character or DEL. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** One or more characters, none of them a control character (names given by callers). */
export const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;
