/**
 * Security decisions of the shell, on plain values (no Electron import) so they are unit-tested:
 * the Content Security Policy, which URLs may leave the app for the system browser, and which
 * permissions a page may get (none).
 */

/**
 * The renderer's Content Security Policy. The same text is in the `<meta>` tag of
 * src/renderer/index.html (a test keeps the two equal): the meta tag is what a file:// page is sure
 * to honour; the response header added in window.ts is a second layer where Electron delivers one.
 * `style-src 'unsafe-inline'` is needed by Vue's style bindings; scripts stay 'self' only.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/**
 * True when `url` may be handed to `shell.openExternal`: only http and https. Everything else
 * (file:, javascript:, smb:, custom protocol handlers that run programs) is refused, because
 * openExternal on an attacker's URL is code execution on some systems.
 */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/**
 * Whether a page may have a permission (camera, notifications, clipboard, …): never. Portwatch's
 * renderer needs none, and the main process shows notifications itself.
 */
export function allowPermission(_permission: string): boolean {
  return false;
}
