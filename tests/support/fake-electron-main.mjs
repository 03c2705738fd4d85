// Runs the built main process (out/main/index.js) in plain Node with a recording fake of the
// Electron main-process API, then plays the renderer's part over the fake IPC: the real service,
// collector worker, settings file and exporter run; only Electron itself is simulated.
// Usage: node tests/support/fake-electron-main.mjs <root> <profile-dir>; prints one JSON line.
import Module, { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const requireFromHere = createRequire(import.meta.url);

const [root, profile] = process.argv.slice(2);
const log = { notifications: [], windows: [], handlers: new Map(), listeners: new Map(), sent: [], errors: [], menus: 0, trays: [], hardening: [] };
/** The one IPC channel of the RPC layer (src/shared/portwatch-rpc.ts). */
const RPC = 'portwatch:rpc';
/** Waiting requests of the simulated renderer, by id. */
const replies = new Map();

class FakeContents extends EventEmitter {
  constructor() {
    super();
    this.mainFrame = { url: '' };
    this.openHandler = null;
  }
  send(channel, payload) {
    log.sent.push([channel, payload]);
    if (channel === RPC && payload && payload.t === 'res') replies.get(payload.id)?.(payload);
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler(handler) {
    this.openHandler = handler;
  }
  sendInputEvent() {}
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeContents();
    this.visible = false;
    log.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(path) {
    if (!existsSync(path)) throw new Error(`no renderer at ${path}`);
    this.webContents.mainFrame.url = pathToFileURL(path).href;
    setImmediate(() => this.emit('ready-to-show'));
  }
  show() {
    this.visible = true;
    this.emit('show');
  }
  hide() {
    this.visible = false;
    this.emit('hide');
  }
  focus() {}
  restore() {}
  isVisible() {
    return this.visible;
  }
  isFocused() {
    return this.visible;
  }
  isMinimized() {
    return false;
  }
  isMaximized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  isDestroyed() {
    return false;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: 1000, height: 700 };
  }
}

class Tray extends EventEmitter {
  constructor(image) {
    super();
    this.image = image;
    this.tooltip = '';
    this.menu = null;
    this.destroyed = false;
    log.trays.push(this);
  }
  setImage(image) {
    this.image = image;
  }
  setToolTip(text) {
    this.tooltip = text;
  }
  setTitle() {}
  setContextMenu(menu) {
    this.menu = menu;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

class Notification extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
  }
  static isSupported() {
    return true;
  }
  show() {
    log.notifications.push(this.options);
  }
}

const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  getAppPath: () => root,
  getPath: (name) => join(profile, name),
  setPath: () => undefined,
  setAppUserModelId: () => undefined,
  quit() {
    app.emit('before-quit');
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    app.emit('will-quit', event);
    if (!event.defaultPrevented) app.emit('quitted');
  },
  exit(code) {
    log.errors.push(`app.exit(${code})`);
    app.emit('quitted');
  },
});

const exportTarget = join(profile, 'export.csv');
const electron = {
  app,
  BrowserWindow,
  Tray,
  Notification,
  Menu: { buildFromTemplate: (template) => ({ template }), setApplicationMenu: () => log.menus++ },
  nativeImage: { createFromPath: (path) => ({ path, isEmpty: () => !existsSync(path), setTemplateImage: () => undefined }) },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  shell: { openExternal: async () => undefined },
  dialog: {
    showSaveDialog: async () => ({ canceled: false, filePath: exportTarget }),
    showErrorBox: (title, message) => log.errors.push(`${title}: ${message}`),
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (h) => log.hardening.push(['request', h]),
      setPermissionCheckHandler: (h) => log.hardening.push(['check', h]),
      setDevicePermissionHandler: (h) => log.hardening.push(['device', h]),
      webRequest: { onHeadersReceived: (h) => log.hardening.push(['headers', h]) },
    },
  },
  ipcMain: {
    handle: (channel, handler) => log.handlers.set(channel, handler),
    removeHandler: (channel) => log.handlers.delete(channel),
    on: (channel, listener) => log.listeners.set(channel, listener),
    removeListener: (channel) => log.listeners.delete(channel),
  },
};

const load = Module._load;
Module._load = function (request, parent, isMain) {
  return request === 'electron' ? electron : load.call(this, request, parent, isMain);
};

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, predicate, tries = 60) {
  for (let i = 0; i < tries; i++) {
    const value = await predicate();
    if (value) return value;
    await wait(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main() {
  // The bundle is CommonJS: its require('electron') goes through the hooked Module._load.
  requireFromHere(join(root, 'out/main/index.js'));
  const window = await until('the main window', () => log.windows[0]);
  const contents = window.webContents;
  const ours = { sender: contents, senderFrame: contents.mainFrame };
  // The renderer's part: RPC frames on the one channel; a reply comes to the window, or (for a
  // refused sender) straight back to the frame that asked.
  let nextId = 1;
  const send = (event, frame) => log.listeners.get(RPC)({ ...event, reply: (channel, reply) => channel === RPC && replies.get(reply.id)?.(reply) }, frame);
  const invoke = (event, method, ...args) =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, (frame) => {
        replies.delete(id);
        resolve(frame.ok ? { ok: true, value: frame.v } : { ok: false, error: frame.e });
      });
      send(event, { t: 'req', id, m: method, a: args });
    });
  await until('the IPC listener', () => log.listeners.has(RPC) && contents.mainFrame.url !== '');

  const result = {};
  result.channels = [...log.listeners.keys()].sort();
  result.handlers = [...log.handlers.keys()];
  result.webPreferences = window.options.webPreferences;
  result.visibleAfterReady = await until('the window to show', () => window.visible);
  result.capabilities = await invoke(ours, 'getCapabilities');
  result.foreignFrame = await invoke({ sender: contents, senderFrame: { url: contents.mainFrame.url } }, 'getCapabilities');
  result.badArgs = await invoke(ours, 'getHistory', { durationMs: 'soon' });
  result.navigationPrevented = (() => {
    let prevented = false;
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://example.org/');
    return prevented;
  })();
  result.openHandler = contents.openHandler({ url: 'file:///etc/passwd' });
  const permission = log.hardening.find(([kind]) => kind === 'request')[1];
  result.permissionGranted = await new Promise((resolve) => permission(contents, 'media', resolve, {}));

  // Deltas wait for the renderer to subscribe, then flow.
  const deltas = () => log.sent.filter(([channel, frame]) => channel === RPC && frame.t === 'evt' && frame.ev === 'onSnapshotDelta').map(([, frame]) => frame.p);
  await wait(1500);
  result.deltasBeforeReady = deltas().length;
  send(ours, { t: 'sub', ev: 'onSnapshotDelta', on: true });
  await until('a delta after subscribing', () => deltas().length > 0);
  result.deltaSeqs = deltas().map((delta) => delta.seq);

  // The user is not looking (window hidden): a new listener must raise the tray's attention icon.
  window.hide();
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  result.listenerSeen = await until('the loopback listener', async () => {
    const envelope = await invoke(ours, 'getSnapshot');
    return envelope.ok && envelope.value.rows.some((row) => row.localPort === port && row.state === 'LISTEN');
  });
  result.notifications = await until('a notification', () => (log.notifications.length > 0 ? log.notifications : null));
  result.trayIconWhileAway = log.trays[0].image.path;
  window.show();
  window.emit('focus');
  result.trayIconAfterFocus = log.trays[0].image.path;
  result.exported = await invoke(ours, 'exportSnapshot', { format: 'csv', filter: `port:${port}` });
  result.csv = existsSync(exportTarget) ? readFileSync(exportTarget, 'utf8') : null;
  result.port = port;
  server.close();

  await until('the tray counts', () => /\d+ sockets/.test(log.trays[0]?.tooltip ?? ''));
  result.trayTooltip = log.trays[0].tooltip;
  result.trayIcon = log.trays[0].image.path;
  result.trayIconExists = !log.trays[0].image.isEmpty();
  result.trayMenu = log.trays[0].menu.template.map((item) => item.label ?? item.type);
  result.menus = log.menus;

  window.emit('close', { preventDefault: () => (result.closeHidTheWindow = true) });
  await wait(600); // the bounds are saved after the window is still for 500 ms
  const quitted = new Promise((resolve) => app.once('quitted', resolve));
  app.quit();
  await Promise.race([quitted, wait(5000)]);
  result.settingsFile = JSON.parse(readFileSync(join(profile, 'userData', 'settings.json'), 'utf8'));
  result.errors = log.errors;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ fatal: error instanceof Error ? error.stack : String(error), errors: log.errors })}\n`);
  process.exit(1);
});
