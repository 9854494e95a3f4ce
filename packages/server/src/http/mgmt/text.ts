/**
 * Text fields of management API bodies. PostgreSQL refuses a NUL character in any text value with
 * an error (which would be a 500), so no text field takes one; single-line values (names,
 * versions, keys, tokens) take no control character at all, which also keeps them whole in logs.
 */
import { z } from 'zod';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** One line of text, `min`–`max` characters, no control characters. */
export const line = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !CONTROL.test(s), { error: 'must not contain control characters' });

/** Free text (a description, a PEM key, a filter): line breaks and tabs allowed, NUL not. */
export const freeText = (max: number, min = 0) =>
  (min > 0 ? z.string().min(min) : z.string()).max(max).refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' });
