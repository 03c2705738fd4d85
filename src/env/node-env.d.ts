/** Build-time constants that electron-vite/Vite define for the Node-side bundles. */
declare const __PORTWATCH_VERSION__: string;
