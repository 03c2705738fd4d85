import { describe, expect, it } from 'vitest';
import { createWindowOptions } from '../../../src/main/electron/window-options';

describe('createWindowOptions', () => {
  it('keeps Electron security defaults on', () => {
    const prefs = createWindowOptions('/app/out/preload/index.js').webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      preload: '/app/out/preload/index.js',
    });
  });

  it('uses remembered bounds when given', () => {
    const options = createWindowOptions('/p.js', { x: 10, y: 20, width: 900, height: 600 });
    expect(options).toMatchObject({ x: 10, y: 20, width: 900, height: 600 });
  });
});
