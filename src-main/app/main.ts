import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { DisposableStore } from '../core/util/disposable';
import { createConsoleServices, type ConsoleServices } from '../services/consoleServices';
import { showAlertNotifications } from './alertNotifications';
import { registerIpcTransport } from './ipcTransport';
import { SafeStorageCipher } from './safeStorageCipher';
import { SaveDialogDestinationProvider } from './saveDialogDestinationProvider';
import { resolveRendererLocation, type RendererLocation } from './rendererLocation';
import { hardenApp } from './security';
import { WindowStateKeeper } from './windowState';

// Composition root of the Electron shell. Everything beyond windows, IPC and security lives
// in plain-Node services shared with the web shell.
const disposables = new DisposableStore();

function createMainWindow(location: RendererLocation, keeper: WindowStateKeeper): BrowserWindow {
  const { bounds, maximized } = keeper.restore();
  const window = new BrowserWindow({
    ...bounds,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'NICE Console',
    backgroundColor: '#141618',
    webPreferences: {
      preload: join(import.meta.dirname, '..', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  keeper.track(window);
  window.once('ready-to-show', () => {
    if (maximized) window.maximize();
    window.show();
  });
  void window.loadURL(location.url);
  return window;
}

function startServices(window: () => BrowserWindow | undefined): ConsoleServices {
  const resources = app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources');
  return createConsoleServices({
    shell: 'electron',
    version: app.getVersion(),
    dataDir: app.getPath('userData'),
    migrationsDir: join(resources, 'migrations'),
    appRoot: app.getAppPath(),
    cipher: new SafeStorageCipher(),
    exportDestinations: new SaveDialogDestinationProvider(window),
    logSink: (entry, detail) => {
      if (entry.level === 'warn' || entry.level === 'error') {
        console.error(`[${entry.level}] ${entry.source}: ${entry.message}${detail ? `\n${detail}` : ''}`);
      }
    },
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const location = resolveRendererLocation(import.meta.dirname, process.env.ELECTRON_RENDERER_URL);
  let mainWindow: BrowserWindow | undefined;
  let running: ConsoleServices | undefined;
  let shutDown = false;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  void app.whenReady().then(() => {
    let services: ConsoleServices;
    try {
      services = startServices(() => mainWindow);
    } catch (error) {
      dialog.showErrorBox(
        'NICE Console cannot start',
        `The console could not open its data in ${app.getPath('userData')}:\n\n${(error as Error).message}\n\nNothing was deleted.`,
      );
      app.exit(1);
      return;
    }
    running = services;
    disposables.add(services);
    void services.localSite.autostart();
    hardenApp(location, services.log);
    disposables.add(registerIpcTransport(services.dispatcher, services.events, location, services.log));
    disposables.add(
      showAlertNotifications(
        services.alerts,
        (deviceId) => (deviceId ? (services.devices.nameOf(deviceId) ?? deviceId) : 'a device without an ID'),
        () => mainWindow,
      ),
    );
    const keeper = new WindowStateKeeper(app.getPath('userData'));
    mainWindow = createMainWindow(location, keeper);
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow(location, keeper);
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // The local site's child process and servers stop asynchronously, so quitting waits for them.
  app.on('will-quit', (event) => {
    if (shutDown) return;
    shutDown = true;
    event.preventDefault();
    void (running?.shutdown() ?? Promise.resolve()).finally(() => {
      disposables.dispose();
      app.quit();
    });
  });
}
