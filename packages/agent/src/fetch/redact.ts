/**
 * What of a URL may be shown in an error, its details, a log line or DDI feedback: scheme, host
 * and path. The query and fragment are cut off from every URL, whatever its origin: a storage
 * link is presigned (X-Amz-Signature, X-Amz-Credential: a working download link until it
 * expires), and feedback is stored in the action history that anyone with READ_TARGET reads. One
 * rule for all URLs, so that no caller has to know which ones carry a secret.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    // Credentials in the authority (user:password@) are cut off too.
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // Not a URL (a relative link?): still never past the first ? or #.
    return url.replace(/[?#].*$/s, '');
  }
}
