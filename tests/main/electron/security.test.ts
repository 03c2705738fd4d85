import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, allowPermission, isSafeExternalUrl } from '../../../src/main/electron/security';

describe('CONTENT_SECURITY_POLICY', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('allows scripts from the app only: no inline script, no eval, no remote origin', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it('forbids plugins, base-tag hijacking and form posts', () => {
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
  });

  it('is the policy in the renderer page meta tag (what a file:// page honours)', () => {
    const html = readFileSync('src/renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('isSafeExternalUrl', () => {
  it('passes http and https links with a host', () => {
    expect(isSafeExternalUrl('https://github.com/portwatch/portwatch')).toBe(true);
    expect(isSafeExternalUrl('http://example.org/docs?x=1#y')).toBe(true);
  });

  it('refuses every other scheme and malformed or credential-carrying URLs', () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id PCWDiagnostic',
      'vscode://x',
      'data:text/html,<b>x</b>',
      'https://user:pass@example.org/',
      'https://',
      'not a url',
      '',
    ]) {
      expect(isSafeExternalUrl(url), url).toBe(false);
    }
  });
});

describe('allowPermission', () => {
  it('denies everything the renderer could ask for', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'unknown']) {
      expect(allowPermission(permission), permission).toBe(false);
    }
  });
});
